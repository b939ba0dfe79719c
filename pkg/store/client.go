package store

import (
	"context"
	"errors"
	"net"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

// Environment variables Open reads.
const (
	// EnvTable names the table; template.yaml sets it.
	EnvTable = "TABLE_NAME"
	// EnvEndpoint points the client at a local DynamoDB, such as DynamoDB
	// Local in tests and make dev. It is never set in AWS.
	EnvEndpoint = "DYNAMODB_ENDPOINT"
)

// Open returns the store a function uses for its whole life, configured from
// the environment (the table from TABLE_NAME, the AWS config and credentials
// that Lambda provides, and DYNAMODB_ENDPOINT when running locally) and
// warmed up. Call it once per process, before lambda.Start.
func Open(ctx context.Context, getenv func(string) string) (*Store, error) {
	table := getenv(EnvTable)
	if table == "" {
		return nil, errors.New("store: " + EnvTable + " is not set")
	}
	client, err := NewClient(ctx, getenv)
	if err != nil {
		return nil, err
	}
	s := New(client, table)
	s.Warm(ctx)
	return s, nil
}

// NewClient returns a DynamoDB client that fails fast enough for a function
// to answer 503 within its timeout rather than hang: one-second connects,
// two-second attempts, and three attempts with short backoff. DynamoDB
// answers in milliseconds; waiting longer only keeps the client waiting.
func NewClient(ctx context.Context, getenv func(string) string) (*dynamodb.Client, error) {
	opts := []func(*config.LoadOptions) error{
		config.WithHTTPClient(awshttp.NewBuildableClient().
			WithDialerOptions(func(d *net.Dialer) { d.Timeout = time.Second }).
			WithTimeout(2 * time.Second)),
		config.WithRetryer(func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) {
				o.MaxAttempts = 3
				o.MaxBackoff = 200 * time.Millisecond
			})
		}),
	}
	if region := getenv("AWS_REGION"); region != "" {
		opts = append(opts, config.WithRegion(region))
	}
	endpoint := getenv(EnvEndpoint)
	if endpoint != "" {
		// DynamoDB Local accepts any credentials; fixed ones keep the SDK
		// from searching profiles and instance metadata for real ones.
		opts = append(opts, config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("local", "local", "")))
		if getenv("AWS_REGION") == "" {
			opts = append(opts, config.WithRegion("us-east-1"))
		}
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, err
	}
	return dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
			// DynamoDB Local leaves the X-Amz-Crc32 header off its error
			// answers, which the SDK then checks against a CRC of 0 and
			// logs a warning for (aws/aws-sdk-go-v2#3545). DynamoDB
			// itself always sends the header, so the check stays on there.
			o.DisableValidateResponseChecksum = true
		}
	}), nil
}
