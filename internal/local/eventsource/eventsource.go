// Package eventsource is the local Lambda event source mapping for SQS: it
// polls a queue as Lambda's pollers do, invokes the function with each
// batch as the SQSEvent Lambda sends, and deletes the messages the
// invocation handled. The others stay in the queue, come back once their
// visibility timeout ends, and after the redrive policy's maxReceiveCount
// receipts the queue's server moves them to the dead-letter queue, as SQS
// does: moto does so when it is asked for a message past that count.
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
	"strings"
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

// Limits of SQS's ReceiveMessage, which Lambda's pollers call.
const (
	// MaxWaitTime is the longest long poll, the one Lambda's pollers use.
	MaxWaitTime = 20 * time.Second
	// maxReceive is the most messages one ReceiveMessage returns.
	maxReceive = 10
)

// retryPause is how long Run waits after a receive that failed.
const retryPause = time.Second

// Mapping is one queue's mapping to one function.
type Mapping struct {
	// Client is an SQS client of the queue's server.
	Client *sqs.Client
	// QueueURL and QueueARN name the queue; Region is the events'.
	QueueURL, QueueARN, Region string
	// Function is the function's name, which Invoke takes.
	Function string
	// BatchSize is the most messages of one invocation; 0 means 1.
	BatchSize int
	// BatchingWindow is how long a batch of fewer than BatchSize messages
	// is gathered, from its first message, before the invocation; 0 sends
	// what one receive returns, at most 10 messages.
	BatchingWindow time.Duration
	// ReportBatchItemFailures is whether the function reports the
	// messages of a batch that failed (SQSEventResponse); without, only a
	// failed invocation fails the batch, and then all of it.
	ReportBatchItemFailures bool
	// WaitTime is how long one receive waits for a message; 0, or more
	// than MaxWaitTime, means MaxWaitTime, as Lambda's pollers wait. Run
	// returns at once when its context ends, whatever the wait.
	WaitTime time.Duration
	Invoke   Invoker
	// Log gets one line per invocation and per failed receive, marked
	// with the function's name as the stack's other lines are; nil
	// discards them.
	Log io.Writer
}

// Run polls until ctx ends, and returns once no receive or invocation of
// its own is under way. A receive that fails (the server not up yet, or
// gone) is tried again after a pause, as Lambda's pollers retry.
func (m *Mapping) Run(ctx context.Context) {
	for ctx.Err() == nil {
		if err := m.poll(ctx); err != nil && ctx.Err() == nil {
			m.logf("%v; trying again in %s", err, retryPause)
			t := time.NewTimer(retryPause)
			select {
			case <-ctx.Done():
			case <-t.C:
			}
			t.Stop()
		}
	}
}

// poll receives one batch, if any message comes within WaitTime, hands it
// to the function and deletes what it handled.
func (m *Mapping) poll(ctx context.Context) error {
	msgs, recvErr := m.receive(ctx)
	if len(msgs) == 0 {
		return recvErr
	}
	payload, err := json.Marshal(m.event(msgs))
	if err != nil {
		return err
	}
	start := time.Now()
	result, err := m.Invoke(ctx, m.Function, payload)
	took := time.Since(start).Round(time.Millisecond)
	if ctx.Err() != nil {
		// Stopped: the messages come back after their visibility timeout,
		// as after a poller that went away.
		return nil
	}
	if err != nil {
		m.logf("invoked with %s in %s: the function failed, so none is deleted and all come back after the visibility timeout: %v", count(len(msgs)), took, err)
		return recvErr
	}
	failed, err := m.failures(msgs, result)
	if err != nil {
		m.logf("invoked with %s in %s: %v, so the whole batch failed and comes back after the visibility timeout", count(len(msgs)), took, err)
		return recvErr
	}
	var done []types.DeleteMessageBatchRequestEntry
	for i, msg := range msgs {
		if !failed[aws.ToString(msg.MessageId)] {
			done = append(done, types.DeleteMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(i)), ReceiptHandle: msg.ReceiptHandle})
		}
	}
	m.logf("invoked with %s in %s: %d handled and deleted, %d reported failed", count(len(msgs)), took, len(done), len(failed))
	if len(done) > 0 {
		// Not cut short by a stop: the function has handled them.
		out, err := m.Client.DeleteMessageBatch(context.WithoutCancel(ctx), &sqs.DeleteMessageBatchInput{QueueUrl: aws.String(m.QueueURL), Entries: done})
		if err != nil {
			return fmt.Errorf("deleting the handled messages: %w", err)
		}
		if len(out.Failed) > 0 {
			return errors.New("deleting the handled messages: " + aws.ToString(out.Failed[0].Message))
		}
	}
	return recvErr
}

// receive returns the next batch: what one receive returns, or with a
// batching window, what comes within it of the first message, up to
// BatchSize. Messages received before an error are returned with it, so
// that they are not left hidden for nothing.
func (m *Mapping) receive(ctx context.Context) ([]types.Message, error) {
	size := max(m.BatchSize, 1)
	wait := m.WaitTime
	if wait <= 0 || wait > MaxWaitTime {
		wait = MaxWaitTime
	}
	var msgs []types.Message
	var gatherUntil time.Time
	for len(msgs) < size {
		if len(msgs) > 0 {
			if m.BatchingWindow <= 0 {
				break
			}
			if wait = time.Until(gatherUntil); wait <= 0 {
				break
			}
		}
		out, err := m.Client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
			QueueUrl:            aws.String(m.QueueURL),
			MaxNumberOfMessages: int32(min(size-len(msgs), maxReceive)),
			// Whole seconds, rounded up: a window is not cut short.
			WaitTimeSeconds:             int32((wait + time.Second - 1) / time.Second),
			MessageSystemAttributeNames: []types.MessageSystemAttributeName{types.MessageSystemAttributeNameAll},
			MessageAttributeNames:       []string{"All"},
		})
		if err != nil {
			return msgs, fmt.Errorf("receiving: %w", err)
		}
		if len(out.Messages) == 0 {
			if len(msgs) == 0 {
				return nil, nil
			}
			continue
		}
		if len(msgs) == 0 {
			gatherUntil = time.Now().Add(m.BatchingWindow)
		}
		msgs = append(msgs, out.Messages...)
	}
	return msgs, nil
}

// failures returns the IDs of the messages the function reported failed.
// Without ReportBatchItemFailures there are none. A response Lambda cannot
// read, or one naming a message not in the batch, is an error: Lambda then
// fails the whole batch.
func (m *Mapping) failures(msgs []types.Message, result []byte) (map[string]bool, error) {
	failed := map[string]bool{}
	if !m.ReportBatchItemFailures {
		return failed, nil
	}
	// An empty or null response, or an empty list, reports no failure.
	if len(result) == 0 || string(result) == "null" {
		return failed, nil
	}
	var resp events.SQSEventResponse
	if err := json.Unmarshal(result, &resp); err != nil {
		return nil, fmt.Errorf("the response is not an SQSEventResponse (%v)", err)
	}
	inBatch := map[string]bool{}
	for _, msg := range msgs {
		inBatch[aws.ToString(msg.MessageId)] = true
	}
	for _, f := range resp.BatchItemFailures {
		if !inBatch[f.ItemIdentifier] {
			return nil, fmt.Errorf("the response reports a failure of %q, which is not a message of the batch", f.ItemIdentifier)
		}
		failed[f.ItemIdentifier] = true
	}
	return failed, nil
}

// event is the SQSEvent Lambda sends for msgs.
func (m *Mapping) event(msgs []types.Message) events.SQSEvent {
	ev := events.SQSEvent{Records: make([]events.SQSMessage, 0, len(msgs))}
	for _, msg := range msgs {
		body := aws.ToString(msg.Body)
		md5OfBody := aws.ToString(msg.MD5OfBody)
		if md5OfBody == "" {
			sum := md5.Sum([]byte(body))
			md5OfBody = hex.EncodeToString(sum[:])
		}
		rec := events.SQSMessage{
			MessageId:              aws.ToString(msg.MessageId),
			ReceiptHandle:          aws.ToString(msg.ReceiptHandle),
			Body:                   body,
			Md5OfBody:              md5OfBody,
			Md5OfMessageAttributes: aws.ToString(msg.MD5OfMessageAttributes),
			Attributes:             msg.Attributes,
			MessageAttributes:      map[string]events.SQSMessageAttribute{},
			EventSource:            "aws:sqs",
			EventSourceARN:         m.QueueARN,
			AWSRegion:              m.Region,
		}
		if rec.Attributes == nil {
			rec.Attributes = map[string]string{}
		}
		for name, a := range msg.MessageAttributes {
			// Lambda sends the lists empty, not null.
			rec.MessageAttributes[name] = events.SQSMessageAttribute{
				StringValue:      a.StringValue,
				BinaryValue:      a.BinaryValue,
				StringListValues: append([]string{}, a.StringListValues...),
				BinaryListValues: append([][]byte{}, a.BinaryListValues...),
				DataType:         aws.ToString(a.DataType),
			}
		}
		ev.Records = append(ev.Records, rec)
	}
	return ev
}

// logf writes one line, marked with the function's name and the queue's.
func (m *Mapping) logf(format string, args ...any) {
	if m.Log == nil {
		return
	}
	name := m.QueueARN[strings.LastIndex(m.QueueARN, ":")+1:]
	fmt.Fprintf(m.Log, "[%s] event source SQS %s: %s\n", m.Function, name, fmt.Sprintf(format, args...))
}

func count(n int) string {
	if n == 1 {
		return "1 message"
	}
	return strconv.Itoa(n) + " messages"
}
