package eventsource_test

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
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
	payload []byte
	ev      events.SQSEvent
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
		calls <- invocation{payload: payload, ev: ev}
		return answer(ev)
	}, calls
}

func next(t *testing.T, calls <-chan invocation) events.SQSEvent {
	t.Helper()
	return nextCall(t, calls).ev
}

func nextCall(t *testing.T, calls <-chan invocation) invocation {
	t.Helper()
	select {
	case c := <-calls:
		return c
	case <-time.After(30 * time.Second):
		t.Fatal("no invocation within 30 s")
	}
	return invocation{}
}

func TestAMessageReachesTheFunctionAsLambdasSQSEvent(t *testing.T) {
	client, url, arn, _ := queues(t)
	invoke, calls := function(func(events.SQSEvent) ([]byte, error) { return []byte(`{"batchItemFailures":[]}`), nil })
	run(t, &eventsource.Mapping{Client: client, QueueURL: url, QueueARN: arn, Region: "us-east-1", Function: "F", BatchSize: 10,
		ReportBatchItemFailures: true, WaitTime: time.Second, Invoke: invoke, Log: io.Discard})
	sent := time.Now()
	if _, err := client.SendMessage(t.Context(), &sqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String(`{"owner":"alice"}`),
		MessageAttributes: map[string]types.MessageAttributeValue{"kind": {DataType: aws.String("String"), StringValue: aws.String("purge")}}}); err != nil {
		t.Fatal(err)
	}
	c := nextCall(t, calls)
	if len(c.ev.Records) != 1 {
		t.Fatalf("%d records, want 1", len(c.ev.Records))
	}
	r := c.ev.Records[0]
	if r.Body != `{"owner":"alice"}` || r.EventSource != "aws:sqs" || r.EventSourceARN != arn || r.AWSRegion != "us-east-1" ||
		r.MessageId == "" || r.ReceiptHandle == "" || r.Md5OfBody != md5Hex(r.Body) || r.Md5OfMessageAttributes == "" {
		t.Errorf("record %+v", r)
	}
	if a := r.MessageAttributes["kind"]; aws.ToString(a.StringValue) != "purge" || a.DataType != "String" {
		t.Errorf("message attribute kind = %+v, want the String purge", a)
	}
	// The system attributes Lambda passes on, as SQS gives them.
	if r.Attributes["ApproximateReceiveCount"] != "1" || r.Attributes["SenderId"] == "" {
		t.Errorf("attributes %v: want ApproximateReceiveCount 1 and a SenderId", r.Attributes)
	}
	for _, name := range []string{"SentTimestamp", "ApproximateFirstReceiveTimestamp"} {
		ms, err := strconv.ParseInt(r.Attributes[name], 10, 64)
		if at := time.UnixMilli(ms); err != nil || at.Before(sent.Add(-time.Minute)) || at.After(time.Now().Add(time.Minute)) {
			t.Errorf("%s = %q, want milliseconds since the epoch about now", name, r.Attributes[name])
		}
	}
	// In the JSON, the names and shapes Lambda sends: camelCase members,
	// empty lists rather than null in a message attribute.
	var raw struct {
		Records []map[string]json.RawMessage
	}
	if err := json.Unmarshal(c.payload, &raw); err != nil || len(raw.Records) != 1 {
		t.Fatalf("payload %s: %v", c.payload, err)
	}
	for _, member := range []string{"messageId", "receiptHandle", "body", "attributes", "messageAttributes", "md5OfBody", "md5OfMessageAttributes", "eventSource", "eventSourceARN", "awsRegion"} {
		if _, ok := raw.Records[0][member]; !ok {
			t.Errorf("the record has no %s: %s", member, c.payload)
		}
	}
	if got, want := string(raw.Records[0]["messageAttributes"]), `{"kind":{"stringValue":"purge","stringListValues":[],"binaryListValues":[],"dataType":"String"}}`; got != want {
		t.Errorf("messageAttributes = %s, want %s", got, want)
	}
	// Handled: the mapping deletes it from the queue.
	waitForCounts(t, client, url, "0", "0")
	if len(calls) != 0 {
		t.Errorf("%d more invocations of a handled message", len(calls))
	}
}

// waitForCounts waits until the queue has visible and hidden messages in
// those numbers.
func waitForCounts(t *testing.T, client *sqs.Client, url, visible, hidden string) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); ; {
		out, err := client.GetQueueAttributes(t.Context(), &sqs.GetQueueAttributesInput{QueueUrl: aws.String(url),
			AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameApproximateNumberOfMessages, types.QueueAttributeNameApproximateNumberOfMessagesNotVisible}})
		if err != nil {
			t.Fatal(err)
		}
		if out.Attributes["ApproximateNumberOfMessages"] == visible && out.Attributes["ApproximateNumberOfMessagesNotVisible"] == hidden {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the queue holds %v, want %s visible and %s hidden", out.Attributes, visible, hidden)
		}
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

func TestAResponseNamingAnotherMessageFailsTheWholeBatch(t *testing.T) {
	client, url, arn, _ := queues(t)
	first := true
	invoke, calls := function(func(events.SQSEvent) ([]byte, error) {
		if first {
			first = false
			return []byte(`{"batchItemFailures":[{"itemIdentifier":"not-in-the-batch"}]}`), nil
		}
		return []byte(`{}`), nil
	})
	send(t, client, url, "one")
	run(t, &eventsource.Mapping{Client: client, QueueURL: url, QueueARN: arn, Region: "us-east-1", Function: "F", BatchSize: 1,
		ReportBatchItemFailures: true, WaitTime: time.Second, Invoke: invoke, Log: io.Discard})
	for i := 1; i <= 2; i++ {
		if r := next(t, calls).Records[0]; r.Body != "one" || r.Attributes["ApproximateReceiveCount"] != strconv.Itoa(i) {
			t.Errorf("invocation %d: %s, receipt %s", i, r.Body, r.Attributes["ApproximateReceiveCount"])
		}
	}
	waitForCounts(t, client, url, "0", "0")
}

func TestWithoutReportBatchItemFailuresTheResponseIsNotRead(t *testing.T) {
	client, url, arn, _ := queues(t)
	invoke, calls := function(func(ev events.SQSEvent) ([]byte, error) {
		return json.Marshal(events.SQSEventResponse{BatchItemFailures: []events.SQSBatchItemFailure{{ItemIdentifier: ev.Records[0].MessageId}}})
	})
	send(t, client, url, "one")
	run(t, &eventsource.Mapping{Client: client, QueueURL: url, QueueARN: arn, Region: "us-east-1", Function: "F", BatchSize: 1,
		WaitTime: time.Second, Invoke: invoke, Log: io.Discard})
	next(t, calls)
	waitForCounts(t, client, url, "0", "0")
}

func TestABatchingWindowGathersTheMessagesThatComeWithinIt(t *testing.T) {
	client, url, arn, _ := queues(t)
	invoke, calls := function(func(events.SQSEvent) ([]byte, error) { return nil, nil })
	run(t, &eventsource.Mapping{Client: client, QueueURL: url, QueueARN: arn, Region: "us-east-1", Function: "F", BatchSize: 2,
		BatchingWindow: 5 * time.Second, WaitTime: time.Second, Invoke: invoke, Log: io.Discard})
	send(t, client, url, "first")
	// Received, and so the window open: the second joins the batch.
	waitForCounts(t, client, url, "0", "1")
	send(t, client, url, "second")
	ev := next(t, calls)
	if len(ev.Records) != 2 || ev.Records[0].Body != "first" || ev.Records[1].Body != "second" {
		t.Errorf("the batch: %+v, want first and second", ev.Records)
	}
}

func TestRunStopsAtOnceDuringALongPoll(t *testing.T) {
	client, url, arn, _ := queues(t)
	invoke, _ := function(func(events.SQSEvent) ([]byte, error) { return nil, nil })
	// A client of the same moto that tells when a receive is sent.
	receiving := make(chan struct{}, 1)
	watched := sqs.New(client.Options(), func(o *sqs.Options) {
		o.HTTPClient = watchTransport{next: http.DefaultTransport, sent: receiving}
	})
	m := &eventsource.Mapping{Client: watched, QueueURL: url, QueueARN: arn, Region: "us-east-1", Function: "F", Invoke: invoke}
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	go func() { m.Run(ctx); close(stopped) }()
	select {
	case <-receiving:
	case <-time.After(30 * time.Second):
		t.Fatal("no receive within 30 s")
	}
	cancel()
	select {
	case <-stopped:
	case <-time.After(5 * time.Second):
		t.Fatal("Run still polls 5 s after its context ended; the long poll is 20 s")
	}
}

// watchTransport tells sent of each ReceiveMessage it passes on.
type watchTransport struct {
	next http.RoundTripper
	sent chan<- struct{}
}

func (w watchTransport) Do(req *http.Request) (*http.Response, error) {
	if strings.HasSuffix(req.Header.Get("X-Amz-Target"), ".ReceiveMessage") {
		select {
		case w.sent <- struct{}{}:
		default:
		}
	}
	return w.next.RoundTrip(req)
}
