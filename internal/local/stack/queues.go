package stack

import (
	"cmp"
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

// CreateQueues creates each queue in the SQS at endpoint, such as
// moto_server, in order (a dead-letter queue before the queues that
// redrive to it), with its visibility timeout, or visibility when that is
// not zero, its retention period and its redrive policy; a queue that
// exists gets them again. It returns the queues with the URLs the SQS
// gave them.
func CreateQueues(ctx context.Context, endpoint string, queues []Queue, visibility time.Duration) ([]Queue, error) {
	client := sqsClient(endpoint)
	out := make([]Queue, 0, len(queues))
	for _, q := range queues {
		attrs := map[string]string{
			string(types.QueueAttributeNameVisibilityTimeout):      strconv.Itoa(q.VisibilityTimeout),
			string(types.QueueAttributeNameMessageRetentionPeriod): strconv.Itoa(q.MessageRetentionPeriod),
		}
		if visibility > 0 {
			// SQS counts whole seconds.
			attrs[string(types.QueueAttributeNameVisibilityTimeout)] = strconv.Itoa(max(int(visibility/time.Second), 1))
		}
		if q.MessageRetentionPeriod == 0 {
			delete(attrs, string(types.QueueAttributeNameMessageRetentionPeriod))
		}
		if q.DeadLetterARN != "" {
			policy, err := json.Marshal(map[string]any{"deadLetterTargetArn": q.DeadLetterARN, "maxReceiveCount": q.MaxReceiveCount})
			if err != nil {
				return nil, err
			}
			attrs[string(types.QueueAttributeNameRedrivePolicy)] = string(policy)
		}
		// Created bare, then given its attributes: CreateQueue refuses a
		// queue that exists with other attributes, such as a shorter
		// visibility timeout a test gave it.
		created, err := client.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(q.Name)})
		if err != nil {
			return nil, fmt.Errorf("stack: creating queue %s: %w", q.Name, err)
		}
		if _, err := client.SetQueueAttributes(ctx, &sqs.SetQueueAttributesInput{QueueUrl: created.QueueUrl, Attributes: attrs}); err != nil {
			return nil, fmt.Errorf("stack: configuring queue %s: %w", q.Name, err)
		}
		q.URL = aws.ToString(created.QueueUrl)
		out = append(out, q)
	}
	return out, nil
}

// useQueues puts the queues as the local SQS created them in place of c's,
// and their URLs in place of the ones Load resolved wherever those are: in
// the event sources, and as the value of a function's variable (a Ref or
// a GetAtt QueueUrl of the queue).
func (c *Config) useQueues(created []Queue) {
	urls := make(map[string]string, len(created))
	for i, q := range created {
		urls[c.Queues[i].URL] = q.URL
	}
	c.Queues = created
	for i := range c.EventSources {
		q := &c.EventSources[i].Queue
		q.URL = cmp.Or(urls[q.URL], q.URL)
	}
	for _, f := range c.Functions {
		for name, v := range f.Env {
			if u, ok := urls[v]; ok {
				f.Env[name] = u
			}
		}
	}
}

// startEventSources runs a mapping for each event source, until Close.
func (s *Stack) startEventSources(cfg *Config, invoke eventsource.Invoker) {
	ctx, cancel := context.WithCancel(context.Background())
	s.stopPollers = cancel
	if len(cfg.EventSources) == 0 {
		return
	}
	client := sqsClient(s.MotoEndpoint)
	for _, es := range cfg.EventSources {
		m := &eventsource.Mapping{
			Client:                  client,
			QueueURL:                es.Queue.URL,
			QueueARN:                es.Queue.ARN,
			Region:                  region,
			Function:                es.Function,
			BatchSize:               es.BatchSize,
			BatchingWindow:          es.BatchingWindow,
			ReportBatchItemFailures: es.ReportBatchItemFailures,
			// Lambda's 20-second long poll: Close ends one at once.
			Invoke: invoke,
			Log:    s.log,
		}
		s.pollers.Go(func() { m.Run(ctx) })
	}
}
