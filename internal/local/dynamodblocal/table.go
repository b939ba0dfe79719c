package dynamodblocal

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/example/serverless-todo/internal/local/samtemplate"
)

// CreateTableInput returns the request that creates a table of the
// template's definition tb under name: key schema, attribute definitions,
// local secondary indexes and billing mode. The time to live is a separate
// request; see UpdateTimeToLiveInput.
func CreateTableInput(tb samtemplate.Table, name string) *dynamodb.CreateTableInput {
	in := &dynamodb.CreateTableInput{
		TableName:   aws.String(name),
		BillingMode: types.BillingMode(tb.BillingMode),
	}
	in.KeySchema = keySchema(tb.KeySchema)
	for _, ix := range tb.LocalSecondaryIndexes {
		proj := &types.Projection{ProjectionType: types.ProjectionType(ix.ProjectionType)}
		if len(ix.NonKeyAttributes) > 0 {
			proj.NonKeyAttributes = ix.NonKeyAttributes
		}
		in.LocalSecondaryIndexes = append(in.LocalSecondaryIndexes, types.LocalSecondaryIndex{
			IndexName:  aws.String(ix.IndexName),
			KeySchema:  keySchema(ix.KeySchema),
			Projection: proj,
		})
	}
	for _, a := range tb.AttributeDefinitions {
		in.AttributeDefinitions = append(in.AttributeDefinitions, types.AttributeDefinition{
			AttributeName: aws.String(a.AttributeName),
			AttributeType: types.ScalarAttributeType(a.AttributeType),
		})
	}
	return in
}

func keySchema(keys []samtemplate.KeyElement) []types.KeySchemaElement {
	out := make([]types.KeySchemaElement, len(keys))
	for i, k := range keys {
		out[i] = types.KeySchemaElement{AttributeName: aws.String(k.AttributeName), KeyType: types.KeyType(k.KeyType)}
	}
	return out
}

// UpdateTimeToLiveInput returns the request that turns on the table's time
// to live under the given name, or nil when the table has none.
func UpdateTimeToLiveInput(tb samtemplate.Table, name string) *dynamodb.UpdateTimeToLiveInput {
	if tb.TTLAttribute == "" {
		return nil
	}
	return &dynamodb.UpdateTimeToLiveInput{
		TableName: aws.String(name),
		TimeToLiveSpecification: &types.TimeToLiveSpecification{
			AttributeName: aws.String(tb.TTLAttribute),
			Enabled:       aws.Bool(true),
		},
	}
}

// CreateTable creates a table of the template's definition tb under name, waits
// until it is active, and turns on its time to live: how tests and make dev
// make their local copy of the template's table.
func CreateTable(ctx context.Context, client *dynamodb.Client, tb samtemplate.Table, name string) error {
	if _, err := client.CreateTable(ctx, CreateTableInput(tb, name)); err != nil {
		return fmt.Errorf("create table %s: %w", name, err)
	}
	if err := dynamodb.NewTableExistsWaiter(client).Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)}, time.Minute); err != nil {
		return fmt.Errorf("wait for table %s: %w", name, err)
	}
	if in := UpdateTimeToLiveInput(tb, name); in != nil {
		if _, err := client.UpdateTimeToLive(ctx, in); err != nil {
			return fmt.Errorf("time to live of table %s: %w", name, err)
		}
	}
	return nil
}

// Client returns a client of the DynamoDB Local at endpoint for the tools
// and tests around it, which share the machine with the compiler and other
// test binaries: patient, with a minute per attempt, since a request that
// outlasts a short attempt is retried, and a retried CreateTable then finds
// the table its first attempt made. It signs with credentials only a local
// DynamoDB accepts.
func Client(endpoint string) *dynamodb.Client {
	return dynamodb.New(dynamodb.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider("local", "local", ""),
		HTTPClient:   awshttp.NewBuildableClient().WithTimeout(time.Minute),
		// DynamoDB Local leaves the checksum header off its errors.
		DisableValidateResponseChecksum: true,
	})
}
