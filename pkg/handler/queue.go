package handler

import (
	"context"
	"log/slog"

	"github.com/aws/aws-lambda-go/events"
)

// MessageFunc handles one message of an SQS queue. An error leaves the
// message on the queue, which delivers it again after its visibility
// timeout, and to its dead-letter queue after the redrive policy's count.
type MessageFunc func(ctx context.Context, msg *events.SQSMessage) error

// QueueLambda is the handler lambda.Start takes for an SQS event source
// whose FunctionResponseTypes has ReportBatchItemFailures.
type QueueLambda func(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error)

// WrapQueue returns the Lambda handler for h: each message of the batch in
// turn, each with one log line, and the ones that failed (or panicked)
// reported as batch item failures, so that only they come back.
func WrapQueue(log *slog.Logger, h MessageFunc) QueueLambda {
	return func(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
		var resp events.SQSEventResponse
		for i := range ev.Records {
			msg := &ev.Records[i]
			// Never the body.
			err := handleRecord(ctx, log, "message", msg, h,
				slog.String("messageId", msg.MessageId),
				slog.String("receiveCount", msg.Attributes["ApproximateReceiveCount"]))
			if err != nil {
				resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: msg.MessageId})
			}
		}
		return resp, nil
	}
}

// StartQueue serves h as the process's Lambda handler for an SQS event
// source, as Start serves an API handler.
func StartQueue(ctx context.Context, getenv func(string) string, log *slog.Logger, h MessageFunc) error {
	return start(ctx, getenv, WrapQueue(log, h))
}
