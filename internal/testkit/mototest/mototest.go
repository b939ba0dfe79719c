// Package mototest gives a test package moto_server, for the AWS services
// DynamoDB Local does not cover (Secrets Manager, SQS): started once per test
// binary, on first use, and stopped by Stop or with the test process. A
// missing moto_server fails the test, never skips it.
package mototest

import (
	"context"
	"crypto/rand"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/example/serverless-todo/internal/local/moto"
)

var (
	once   sync.Once
	server *moto.Server
	err    error
)

// Endpoint returns the base URL of the test binary's moto_server,
// starting it on first use.
func Endpoint(tb testing.TB) string {
	tb.Helper()
	once.Do(func() { server, err = moto.Start(context.Background(), moto.Options{}) })
	if err != nil {
		tb.Fatalf("mototest: cannot start moto_server (%s): %v", moto.Install, err)
	}
	return server.Endpoint
}

// Stop ends the moto_server Endpoint started, if any; call it from
// TestMain after the tests.
func Stop() {
	if server != nil {
		server.Stop()
	}
}

// SQS returns a client of the test binary's moto_server for SQS.
func SQS(tb testing.TB) *sqs.Client {
	tb.Helper()
	return sqs.New(sqs.Options{Region: "us-east-1", BaseEndpoint: aws.String(Endpoint(tb)),
		Credentials: credentials.NewStaticCredentialsProvider("local", "local", "")})
}

// NewQueue creates a queue of the test's own on moto_server, with attrs
// (like VisibilityTimeout), and returns its URL and ARN.
func NewQueue(tb testing.TB, attrs map[string]string) (url, arn string) {
	tb.Helper()
	name := "test-" + strings.ToLower(rand.Text())
	out, err := SQS(tb).CreateQueue(context.Background(), &sqs.CreateQueueInput{QueueName: aws.String(name), Attributes: attrs})
	if err != nil {
		tb.Fatal(err)
	}
	return aws.ToString(out.QueueUrl), "arn:aws:sqs:us-east-1:123456789012:" + name
}
