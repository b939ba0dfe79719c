package eventsource_test

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/example/serverless-todo/internal/local/eventsource"
	"github.com/example/serverless-todo/internal/testkit/mototest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	mototest.Stop()
	os.Exit(code)
}

// queues creates a queue and its dead-letter queue on moto, with a
// visibility timeout of one second and maxReceiveCount 2.
func queues(t *testing.T) (client *sqs.Client, url, arn, dlqURL string) {
	t.Helper()
	dlqURL, dlqARN := mototest.NewQueue(t, nil)
	policy, err := json.Marshal(map[string]any{"deadLetterTargetArn": dlqARN, "maxReceiveCount": 2})
	if err != nil {
		t.Fatal(err)
	}
	url, arn = mototest.NewQueue(t, map[string]string{"VisibilityTimeout": "1", "RedrivePolicy": string(policy)})
	return mototest.SQS(t), url, arn, dlqURL
}

// run runs m until the test ends.
func run(t *testing.T, m *eventsource.Mapping) {
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { m.Run(ctx) })
	t.Cleanup(func() { cancel(); wg.Wait() })
}

func send(t *testing.T, client *sqs.Client, url string, bodies ...string) {
	t.Helper()
	for _, b := range bodies {
		if _, err := client.SendMessage(t.Context(), &sqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String(b)}); err != nil {
			t.Fatal(err)
		}
	}
}

// invocation is one call of the function, as the mapping made it.
type invocation struct {
	ev events.SQSEvent
}

// function stands for the function behind the mapping: it records each
// event and answers with what answer says.
func function(answer func(ev events.SQSEvent) ([]byte, error)) (eventsource.Invoker, <-chan invocation) {
	calls := make(chan invocation, 100)
	return func(_ context.Context, name string, payload []byte) ([]byte, error) {
		var ev events.SQSEvent
		if err := json.Unmarshal(payload, &ev); err != nil {
			return nil, err
		}
		calls <- invocation{ev: ev}
		return answer(ev)
	}, calls
}

func next(t *testing.T, calls <-chan invocation) events.SQSEvent {
	t.Helper()
	select {
	case c := <-calls:
		return c.ev
	case <-time.After(30 * time.Second):
		t.Fatal("no invocation within 30 s")
	}
	return events.SQSEvent{}
}

func TestAMessageReachesTheFunctionAsLambdasSQSEvent(t *testing.T) {
	client, url, arn, _ := queues(t)
	invoke, calls := function(func(events.SQSEvent) ([]byte, error) { return []byte(`{"batchItemFailures":[]}`), nil })
	run(t, &eventsource.Mapping{Client: client, QueueURL: url, QueueARN: arn, Region: "us-east-1", Function: "F", BatchSize: 10,
		ReportBatchItemFailures: true, WaitTime: time.Second, Invoke: invoke, Log: io.Discard})
	send(t, client, url, `{"owner":"alice"}`)
	ev := next(t, calls)
	if len(ev.Records) != 1 {
		t.Fatalf("%d records", len(ev.Records))
	}
	r := ev.Records[0]
	if r.Body != `{"owner":"alice"}` || r.EventSource != "aws:sqs" || r.EventSourceARN != arn || r.AWSRegion != "us-east-1" ||
		r.MessageId == "" || r.ReceiptHandle == "" || r.Md5OfBody != md5Hex(r.Body) || r.Attributes["ApproximateReceiveCount"] != "1" {
		t.Errorf("record %+v", r)
	}
	// Handled: the mapping deletes it from the queue.
	for deadline := time.Now().Add(30 * time.Second); ; {
		out, err := client.GetQueueAttributes(t.Context(), &sqs.GetQueueAttributesInput{QueueUrl: aws.String(url),
			AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameApproximateNumberOfMessages, types.QueueAttributeNameApproximateNumberOfMessagesNotVisible}})
		if err != nil {
			t.Fatal(err)
		}
		if out.Attributes["ApproximateNumberOfMessages"] == "0" && out.Attributes["ApproximateNumberOfMessagesNotVisible"] == "0" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the handled message is still in the queue: %v", out.Attributes)
		}
	}
	if len(calls) != 0 {
		t.Errorf("%d more invocations of a handled message", len(calls))
	}
}

func md5Hex(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

func TestOnlyTheReportedFailuresComeBack(t *testing.T) {
	client, url, arn, _ := queues(t)
	invoke, calls := function(func(ev events.SQSEvent) ([]byte, error) {
		var resp events.SQSEventResponse
		for _, r := range ev.Records {
			if r.Body == "fails" {
				resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: r.MessageId})
			}
		}
		return json.Marshal(resp)
	})
	send(t, client, url, "fails", "works")
	run(t, &eventsource.Mapping{Client: client, QueueURL: url, QueueARN: arn, Region: "us-east-1", Function: "F", BatchSize: 10,
		ReportBatchItemFailures: true, WaitTime: time.Second, Invoke: invoke, Log: io.Discard})
	seen := map[string]int{}
	for seen["fails"] < 2 {
		for _, r := range next(t, calls).Records {
			seen[r.Body]++
		}
	}
	if seen["works"] != 1 {
		t.Errorf("the handled message came %d times, want once", seen["works"])
	}
}

func TestAMessageThatKeepsFailingLandsInTheDeadLetterQueue(t *testing.T) {
	client, url, arn, dlq := queues(t)
	invoke, calls := function(func(events.SQSEvent) ([]byte, error) { return nil, errors.New("the function crashed") })
	send(t, client, url, "poison")
	run(t, &eventsource.Mapping{Client: client, QueueURL: url, QueueARN: arn, Region: "us-east-1", Function: "F", BatchSize: 1,
		ReportBatchItemFailures: true, WaitTime: time.Second, Invoke: invoke, Log: io.Discard})
	for i := 1; i <= 2; i++ {
		if r := next(t, calls).Records[0]; r.Attributes["ApproximateReceiveCount"] != strconv.Itoa(i) {
			t.Errorf("receipt %d has ApproximateReceiveCount %s", i, r.Attributes["ApproximateReceiveCount"])
		}
	}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		out, err := client.ReceiveMessage(t.Context(), &sqs.ReceiveMessageInput{QueueUrl: aws.String(dlq), WaitTimeSeconds: 1})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Messages) == 1 && aws.ToString(out.Messages[0].Body) == "poison" {
			return
		}
	}
	t.Fatal("the message never reached the dead-letter queue")
}
