package samtemplate_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/example/serverless-todo/internal/local/samtemplate"
)

// queueTemplate has template.yaml's purge queue, its dead-letter queue and
// the function its messages invoke, in template.yaml's shape, and a second
// mapping with a batching window.
const queueTemplate = `
Resources:
  PurgeQueue:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: 180
      MessageRetentionPeriod: 1209600
      SqsManagedSseEnabled: true
      RedrivePolicy:
        deadLetterTargetArn: !GetAtt PurgeDeadLetterQueue.Arn
        maxReceiveCount: 5
  PurgeDeadLetterQueue:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: purge-dead-letters
      MessageRetentionPeriod: 1209600
      SqsManagedSseEnabled: true
  PurgeAccountFunction:
    Type: AWS::Serverless::Function
    Metadata: {BuildMethod: makefile}
    Properties:
      CodeUri: .
      Timeout: 30
      Environment:
        Variables:
          PURGE_QUEUE_URL: !Ref PurgeQueue
      Events:
        Api:
          Type: HttpApi
        Purge:
          Type: SQS
          Properties:
            Queue: !GetAtt PurgeQueue.Arn
            BatchSize: 1
            FunctionResponseTypes: [ReportBatchItemFailures]
        Leftovers:
          Type: SQS
          Properties:
            Queue: !GetAtt PurgeDeadLetterQueue.Arn
            BatchSize: 100
            MaximumBatchingWindowInSeconds: 5
  PlainFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: .
      Events:
        Dead:
          Type: SQS
          Properties:
            Queue: !GetAtt PurgeDeadLetterQueue.Arn
`

func TestQueuesAndTheirEventSources(t *testing.T) {
	tpl, err := samtemplate.Parse([]byte(queueTemplate))
	if err != nil {
		t.Fatal(err)
	}
	queues, err := tpl.Queues()
	if err != nil {
		t.Fatal(err)
	}
	want := []samtemplate.Queue{
		{LogicalID: "PurgeDeadLetterQueue", QueueName: "purge-dead-letters", VisibilityTimeout: 30, MessageRetentionPeriod: 1209600},
		{LogicalID: "PurgeQueue", VisibilityTimeout: 180, MessageRetentionPeriod: 1209600, DeadLetterQueue: "PurgeDeadLetterQueue", MaxReceiveCount: 5},
	}
	if !reflect.DeepEqual(queues, want) {
		t.Errorf("Queues() = %+v\nwant %+v", queues, want)
	}
	fns, err := tpl.Functions()
	if err != nil {
		t.Fatal(err)
	}
	events := map[string][]samtemplate.SQSEvent{
		// Sorted by name; the HttpApi event is the OpenAPI definition's
		// to serve, and left out.
		"PurgeAccountFunction": {
			{Name: "Leftovers", Queue: "PurgeDeadLetterQueue", BatchSize: 100, MaximumBatchingWindowInSeconds: 5},
			{Name: "Purge", Queue: "PurgeQueue", BatchSize: 1, ReportBatchItemFailures: true},
		},
		// Lambda's defaults: 10 messages, no window, the whole batch
		// failing together.
		"PlainFunction": {{Name: "Dead", Queue: "PurgeDeadLetterQueue", BatchSize: 10}},
	}
	if len(fns) != 2 {
		t.Fatalf("%d functions, want 2", len(fns))
	}
	for _, f := range fns {
		if !reflect.DeepEqual(f.SQSEvents, events[f.LogicalID]) {
			t.Errorf("%s's SQS events: %+v\nwant %+v", f.LogicalID, f.SQSEvents, events[f.LogicalID])
		}
	}
}

func TestQueuesRefusesWhatItCannotRun(t *testing.T) {
	queue := func(props string) string {
		return "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties:\n" + indent(props, "      ")
	}
	for _, tt := range []struct{ name, yaml, want string }{
		{"a FIFO queue", queue("FifoQueue: true"), "FIFO queues are not supported locally"},
		{"a FIFO queue, the flag a string", queue("FifoQueue: 'true'"), "FIFO queues are not supported locally"},
		{"a dead-letter queue of another stack", queue("RedrivePolicy:\n  deadLetterTargetArn: arn:aws:sqs:us-east-1:1:x\n  maxReceiveCount: 3"), "Fn::GetAtt"},
		{"a dead-letter queue that is not a queue", queue("RedrivePolicy:\n  deadLetterTargetArn: !GetAtt T.Arn\n  maxReceiveCount: 3") + "  T:\n    Type: AWS::DynamoDB::Table\n", "not a queue"},
		{"no receive count", queue("RedrivePolicy:\n  deadLetterTargetArn: !GetAtt Q.Arn"), "maxReceiveCount"},
		{"a visibility timeout that is not a number", queue("VisibilityTimeout: long"), "VisibilityTimeout must be an integer"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tpl := mustParse(t, tt.yaml)
			if _, err := tpl.Queues(); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Queues() = %v, want an error about %s", err, tt.want)
			}
		})
	}
}

func TestSQSEventsRefuseWhatLambdaRefuses(t *testing.T) {
	event := func(props string) string {
		return "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n  F:\n    Type: AWS::Serverless::Function\n    Properties:\n      Events:\n        E:\n          Type: SQS\n          Properties:\n" + indent(props, "            ")
	}
	for _, tt := range []struct{ name, yaml, want string }{
		{"a queue by its ARN", event("Queue: arn:aws:sqs:us-east-1:1:x"), "Queue must be the Fn::GetAtt Arn of a queue"},
		{"a queue by its URL", event("Queue: !Ref Q"), "Queue must be the Fn::GetAtt Arn of a queue"},
		{"a batch of more than 10 without a window", event("Queue: !GetAtt Q.Arn\nBatchSize: 11"), "needs a MaximumBatchingWindowInSeconds"},
		{"a batch over Lambda's limit", event("Queue: !GetAtt Q.Arn\nBatchSize: 10001\nMaximumBatchingWindowInSeconds: 1"), "BatchSize must be from 1 to 10000"},
		{"a window over Lambda's limit", event("Queue: !GetAtt Q.Arn\nMaximumBatchingWindowInSeconds: 301"), "MaximumBatchingWindowInSeconds must be from 0 to 300"},
		{"an event that is not a mapping", "Resources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties:\n      Events:\n        E: SQS\n", "Events.E must be a mapping"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tpl := mustParse(t, tt.yaml)
			if _, err := tpl.Functions(); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Functions() = %v, want an error about %s", err, tt.want)
			}
		})
	}
}
