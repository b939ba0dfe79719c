// Package purge is the queue of account purges: the request DELETE /me
// sends once the account is marked deleted, which the purge function
// receives and carries out in the background, in batches, until nothing of
// the account is left.
package purge

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/example/serverless-todo/pkg/awsconfig"
	"github.com/example/serverless-todo/pkg/errkind"
)

// EnvQueueURL names the queue's URL, template.yaml's !Ref PurgeQueue.
const EnvQueueURL = "PURGE_QUEUE_URL"

// Request is a purge to carry out: the account's owner (the sub claim) and
// the user's name in the user pool (the access token's username claim),
// which the user pool's AdminDeleteUser takes.
type Request struct {
	Owner    string `json:"owner"`
	Username string `json:"username,omitempty"`
}

// Parse reads a request from a message body.
func Parse(body string) (Request, error) {
	var r Request
	if err := json.Unmarshal([]byte(body), &r); err != nil {
		return Request{}, fmt.Errorf("purge: %w", err)
	}
	if r.Owner == "" {
		return Request{}, errors.New("purge: a request without an owner")
	}
	return r, nil
}

// Queue sends purge requests.
type Queue struct {
	client *sqs.Client
	url    string
}

// Open returns the queue the environment names, with an SQS client of the
// function's configuration (awsconfig), local SQS through
// AWS_ENDPOINT_URL_SQS.
func Open(getenv func(string) string) (*Queue, error) {
	url := getenv(EnvQueueURL)
	if url == "" {
		return nil, errors.New("purge: " + EnvQueueURL + " is not set")
	}
	cfg, err := awsconfig.Load(getenv)
	if err != nil {
		return nil, err
	}
	endpoint := awsconfig.Endpoint(getenv, "SQS")
	client := sqs.NewFromConfig(cfg, func(o *sqs.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
		}
	})
	return &Queue{client: client, url: url}, nil
}

// Send queues r. A failure is errkind.ErrUnavailable: the caller answers
// 503 and the client's retry sends it again, which is harmless, since a
// purge is idempotent.
//
// IAM: sqs:SendMessage
func (q *Queue) Send(ctx context.Context, r Request) error {
	body, err := json.Marshal(r)
	if err != nil {
		return err
	}
	if _, err := q.client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(q.url), MessageBody: aws.String(string(body))}); err != nil {
		return fmt.Errorf("%w: purge: %w", errkind.ErrUnavailable, err)
	}
	return nil
}
