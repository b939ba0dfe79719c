package samtemplate_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/example/serverless-todo/internal/local/samtemplate"
)

const queueTemplate = `
Resources:
  Work:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: 180
      RedrivePolicy:
        deadLetterTargetArn: !GetAtt Dead.Arn
        maxReceiveCount: 5
  Dead:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: dead-letters
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: .
      Events:
        Api:
          Type: HttpApi
        Jobs:
          Type: SQS
          Properties:
            Queue: !GetAtt Work.Arn
            BatchSize: 1
            FunctionResponseTypes: [ReportBatchItemFailures]
        More:
          Type: SQS
          Properties:
            Queue: !GetAtt Dead.Arn
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
		{LogicalID: "Dead", QueueName: "dead-letters", VisibilityTimeout: 30},
		{LogicalID: "Work", VisibilityTimeout: 180, DeadLetterQueue: "Dead", MaxReceiveCount: 5},
	}
	if !reflect.DeepEqual(queues, want) {
		t.Errorf("Queues() = %+v\nwant %+v", queues, want)
	}
	fns, err := tpl.Functions()
	if err != nil {
		t.Fatal(err)
	}
	events := []samtemplate.SQSEvent{
		{Name: "Jobs", Queue: "Work", BatchSize: 1, ReportBatchItemFailures: true},
		{Name: "More", Queue: "Dead", BatchSize: 10},
	}
	if len(fns) != 1 || !reflect.DeepEqual(fns[0].SQSEvents, events) {
		t.Errorf("the function's SQS events: %+v\nwant %+v (the HttpApi event left out)", fns[0].SQSEvents, events)
	}
}

func TestQueuesRefusesWhatItCannotRun(t *testing.T) {
	for _, tt := range []struct{ name, yaml, want string }{
		{"a FIFO queue", "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties:\n      FifoQueue: true\n", "FIFO"},
		{"a dead-letter queue of another stack", "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties:\n      RedrivePolicy:\n        deadLetterTargetArn: arn:aws:sqs:us-east-1:1:x\n        maxReceiveCount: 3\n", "Fn::GetAtt"},
		{"a dead-letter queue that is not a queue", "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties:\n      RedrivePolicy:\n        deadLetterTargetArn: !GetAtt T.Arn\n        maxReceiveCount: 3\n  T:\n    Type: AWS::DynamoDB::Table\n", "not a queue"},
		{"no receive count", "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties:\n      RedrivePolicy:\n        deadLetterTargetArn: !GetAtt Q.Arn\n", "maxReceiveCount"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tpl, err := samtemplate.Parse([]byte(tt.yaml))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := tpl.Queues(); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Queues() = %v, want an error about %s", err, tt.want)
			}
		})
	}
}
