package store

import (
	"context"
	"errors"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/example/serverless-todo/pkg/awsconfig"
	"github.com/example/serverless-todo/pkg/env"
)

// Environment variables Open reads, beside the ones package awsconfig reads.
const (
	// EnvTable names the table; template.yaml sets it.
	EnvTable = "TABLE_NAME"
	// EnvEndpoint points the client at a local DynamoDB, such as DynamoDB
	// Local in tests and make dev: the SDK's standard name for the
	// override of DynamoDB's endpoint. It is never set in AWS.
	EnvEndpoint = "AWS_ENDPOINT_URL_DYNAMODB"
	// EnvTombstoneRetentionDays is how many days a deleted todo's
	// tombstone is kept, template.yaml's TombstoneRetentionDays; unset,
	// DefaultTombstoneTTL. The functions that delete todos and report
	// changes are told it.
	EnvTombstoneRetentionDays = "TOMBSTONE_RETENTION_DAYS"
)

// Open returns the store a function uses for its whole life, configured from
// the environment (the table from TABLE_NAME, the Region and credentials
// that Lambda provides, AWS_ENDPOINT_URL_DYNAMODB when running locally,
// and TOMBSTONE_RETENTION_DAYS where it is set).
// Call it once per process, before the handler starts.
//
// It warms the connection to DynamoDB up in the background (Warm), while
// the rest of init and the runtime's first request for an event go on: the
// init phase does not wait for it, and the store's first call does, so
// that it uses the warm connection.
func Open(ctx context.Context, getenv func(string) string) (*Store, error) {
	table := getenv(EnvTable)
	if table == "" {
		return nil, errors.New("store: " + EnvTable + " is not set")
	}
	client, err := NewClient(getenv)
	if err != nil {
		return nil, err
	}
	s := New(client, table)
	if getenv(EnvTombstoneRetentionDays) != "" {
		n, err := env.PositiveInt(getenv, EnvTombstoneRetentionDays)
		if err != nil {
			return nil, err
		}
		s.tombstoneTTL = time.Duration(n) * 24 * time.Hour
	}
	s.warmed = make(chan struct{})
	go func() {
		defer close(s.warmed)
		s.Warm(context.WithoutCancel(ctx))
		s.primeDecoding()
	}()
	return s, nil
}

// NewClient returns the DynamoDB client of a function, with the fail-fast
// configuration of package awsconfig.
func NewClient(getenv func(string) string) (*dynamodb.Client, error) {
	cfg, err := awsconfig.Load(getenv)
	if err != nil {
		return nil, err
	}
	endpoint := awsconfig.Endpoint(getenv, "DYNAMODB")
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
