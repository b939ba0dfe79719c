package dynamodblocal

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/example/serverless-todo/internal/local/samtemplate"
)

// CreateTableInput returns the request that creates a table of the
// template's definition tb under name: key schema, attribute definitions and
// billing mode. The time to live is a separate request; see TTLAttribute.
func CreateTableInput(tb samtemplate.Table, name string) *dynamodb.CreateTableInput {
	in := &dynamodb.CreateTableInput{
		TableName:   aws.String(name),
		BillingMode: types.BillingMode(tb.BillingMode),
	}
	for _, k := range tb.KeySchema {
		in.KeySchema = append(in.KeySchema, types.KeySchemaElement{
			AttributeName: aws.String(k.AttributeName),
			KeyType:       types.KeyType(k.KeyType),
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
