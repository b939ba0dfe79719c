package stack

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/example/serverless-todo/internal/local/eventsource"
)

// sqsClient is a client of the SQS at endpoint, such as moto_server.
func sqsClient(endpoint string) *sqs.Client {
	return sqs.New(sqs.Options{
		Region:       region,
		Credentials:  credentials.NewStaticCredentialsProvider("local", "local", ""),
		BaseEndpoint: aws.String(endpoint),
	})
}

// CreateQueues creates each queue in the SQS at endpoint, in order (a
// dead-letter queue before the queues that redrive to it), with its
// visibility timeout, or visibility when it is not zero, and its redrive
// policy. A queue that exists gets the attributes again.
func CreateQueues(ctx context.Context, endpoint string, queues []Queue, visibility time.Duration) error {
	client := sqsClient(endpoint)
	for _, q := range queues {
		attrs := map[string]string{"VisibilityTimeout": strconv.Itoa(q.VisibilityTimeout)}
		if visibility > 0 {
			attrs["VisibilityTimeout"] = strconv.Itoa(max(int(visibility/time.Second), 1))
		}
		if q.DeadLetterARN != "" {
			policy, err := json.Marshal(map[string]any{"deadLetterTargetArn": q.DeadLetterARN, "maxReceiveCount": q.MaxReceiveCount})
			if err != nil {
				return err
			}
			attrs[string(types.QueueAttributeNameRedrivePolicy)] = string(policy)
		}
		out, err := client.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(q.Name)})
		if err != nil {
			return fmt.Errorf("stack: creating queue %s: %w", q.Name, err)
		}
		if _, err := client.SetQueueAttributes(ctx, &sqs.SetQueueAttributesInput{QueueUrl: out.QueueUrl, Attributes: attrs}); err != nil {
			return fmt.Errorf("stack: configuring queue %s: %w", q.Name, err)
		}
	}
	return nil
}

// startEventSources runs a mapping for each event source, until Close.
func (s *Stack) startEventSources(cfg *Config, invoke eventsource.Invoker) {
	ctx, cancel := context.WithCancel(context.Background())
	s.stopPollers = cancel
	client := sqsClient(s.MotoEndpoint)
	for _, es := range cfg.EventSources {
		m := &eventsource.Mapping{
			Client:   client,
			QueueURL: es.Queue.URL, QueueARN: es.Queue.ARN, Region: region,
			Function:                es.Function,
			BatchSize:               es.BatchSize,
			ReportBatchItemFailures: es.ReportBatchItemFailures,
			// Short receives, so that Close does not wait long for one.
			WaitTime: 2 * time.Second,
			Invoke:   invoke,
			Log:      s.log,
		}
		s.pollers.Go(func() { m.Run(ctx) })
	}
}
