// Package eventsource is the local Lambda event source mapping for SQS: it
// polls a queue as Lambda's pollers do, invokes the function with each
// batch as the SQSEvent Lambda sends, and deletes the messages the
// invocation handled, so that the others come back after the queue's
// visibility timeout and, after its redrive policy's count, land in its
// dead-letter queue (which the queue's server, moto, moves them to).
package eventsource

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// Invoker runs a function with a payload and returns what it returned; an
// error is a failed invocation (a function error, a crash, a timeout).
// The local Lambda service's Invoke is one.
type Invoker func(ctx context.Context, function string, payload []byte) ([]byte, error)

// Mapping is one queue's mapping to one function.
type Mapping struct {
	// Client is an SQS client of the queue's server.
	Client *sqs.Client
	// QueueURL and QueueARN name the queue; Region is the events'.
	QueueURL, QueueARN, Region string
	// Function is the function's name, which Invoke takes.
	Function string
	// BatchSize is the most messages of one invocation, at most 10.
	BatchSize int
	// ReportBatchItemFailures is whether the function reports the
	// messages of a batch that failed (SQSEventResponse); without, a
	// failed invocation fails the whole batch.
	ReportBatchItemFailures bool
	// WaitTime is how long one receive waits for a message: Lambda's
	// pollers wait 20 seconds; shorter makes Run return sooner when its
	// context ends.
	WaitTime time.Duration
	Invoke   Invoker
	// Log gets one line per invocation.
	Log io.Writer
}

// Run polls until ctx ends. A receive that fails (the server not up yet,
// or gone) is tried again after a pause, as Lambda's pollers retry.
func (m *Mapping) Run(ctx context.Context) {
	for ctx.Err() == nil {
		if err := m.poll(ctx); err != nil && ctx.Err() == nil {
			fmt.Fprintf(m.Log, "[%s] event source %s: %v\n", m.Function, m.QueueARN, err)
			select {
			case <-ctx.Done():
			case <-time.After(time.Second):
			}
		}
	}
}

// poll receives one batch, if any message comes within WaitTime, and
// hands it to the function.
func (m *Mapping) poll(ctx context.Context) error {
	out, err := m.Client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
		QueueUrl:                    aws.String(m.QueueURL),
		MaxNumberOfMessages:         int32(min(max(m.BatchSize, 1), 10)),
		WaitTimeSeconds:             int32(max(m.WaitTime/time.Second, 1)),
		MessageSystemAttributeNames: []types.MessageSystemAttributeName{types.MessageSystemAttributeNameAll},
		MessageAttributeNames:       []string{"All"},
	})
	if err != nil {
		return err
	}
	if len(out.Messages) == 0 {
		return nil
	}
	ev := m.event(out.Messages)
	payload, err := json.Marshal(ev)
	if err != nil {
		return err
	}
	start := time.Now()
	result, err := m.Invoke(ctx, m.Function, payload)
	took := time.Since(start)
	if err != nil {
		// The whole batch comes back after its visibility timeout.
		fmt.Fprintf(m.Log, "[%s] event source %s: %d messages failed after %s, left to come back: %v\n", m.Function, m.QueueARN, len(ev.Records), took.Round(time.Millisecond), err)
		return nil
	}
	failed := map[string]bool{}
	if m.ReportBatchItemFailures {
		var resp events.SQSEventResponse
		if err := json.Unmarshal(result, &resp); err != nil && len(result) > 0 && string(result) != "null" {
			// Lambda fails the whole batch on a response it cannot read.
			fmt.Fprintf(m.Log, "[%s] event source %s: a response that is not an SQSEventResponse, the batch left to come back: %v\n", m.Function, m.QueueARN, err)
			return nil
		}
		for _, f := range resp.BatchItemFailures {
			failed[f.ItemIdentifier] = true
		}
	}
	var done []types.DeleteMessageBatchRequestEntry
	for i, msg := range out.Messages {
		if !failed[aws.ToString(msg.MessageId)] {
			done = append(done, types.DeleteMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(i)), ReceiptHandle: msg.ReceiptHandle})
		}
	}
	fmt.Fprintf(m.Log, "[%s] event source %s: %d messages in %s, %d failed\n", m.Function, m.QueueARN, len(ev.Records), took.Round(time.Millisecond), len(failed))
	if len(done) == 0 {
		return nil
	}
	del, err := m.Client.DeleteMessageBatch(context.WithoutCancel(ctx), &sqs.DeleteMessageBatchInput{QueueUrl: aws.String(m.QueueURL), Entries: done})
	if err != nil {
		return err
	}
	if len(del.Failed) > 0 {
		return errors.New("deleting handled messages: " + aws.ToString(del.Failed[0].Message))
	}
	return nil
}

// event is the SQSEvent Lambda sends for msgs.
func (m *Mapping) event(msgs []types.Message) events.SQSEvent {
	var ev events.SQSEvent
	for _, msg := range msgs {
		body := aws.ToString(msg.Body)
		sum := md5.Sum([]byte(body))
		rec := events.SQSMessage{
			MessageId:         aws.ToString(msg.MessageId),
			ReceiptHandle:     aws.ToString(msg.ReceiptHandle),
			Body:              body,
			Md5OfBody:         hex.EncodeToString(sum[:]),
			Attributes:        msg.Attributes,
			MessageAttributes: map[string]events.SQSMessageAttribute{},
			EventSource:       "aws:sqs",
			EventSourceARN:    m.QueueARN,
			AWSRegion:         m.Region,
		}
		rec.Md5OfMessageAttributes = aws.ToString(msg.MD5OfMessageAttributes)
		for name, a := range msg.MessageAttributes {
			rec.MessageAttributes[name] = events.SQSMessageAttribute{
				StringValue: a.StringValue, BinaryValue: a.BinaryValue,
				StringListValues: a.StringListValues, BinaryListValues: a.BinaryListValues, DataType: aws.ToString(a.DataType),
			}
		}
		ev.Records = append(ev.Records, rec)
	}
	return ev
}
