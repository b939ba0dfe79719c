package stack

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/example/serverless-todo/internal/local/dynamodblocal"
)

// ensureTable creates tb unless it exists, and refuses an existing table
// whose keys are not the template's: the functions would fail on it in
// ways that hide the cause.
func ensureTable(ctx context.Context, client *dynamodb.Client, tb Table) error {
	out, err := client.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(tb.Name)})
	var notFound *types.ResourceNotFoundException
	switch {
	case errors.As(err, &notFound):
		err = dynamodblocal.CreateTable(ctx, client, tb.Definition, tb.Name)
		var inUse *types.ResourceInUseException
		if !errors.As(err, &inUse) {
			return err
		}
		// Another copy of the API has just created it.
		return dynamodb.NewTableExistsWaiter(client).Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(tb.Name)}, time.Minute)
	case err != nil:
		return fmt.Errorf("describe table %s: %w", tb.Name, err)
	}
	want := dynamodblocal.CreateTableInput(tb.Definition, tb.Name)
	got := keySchema(out.Table.KeySchema, out.Table.AttributeDefinitions)
	for _, ix := range out.Table.LocalSecondaryIndexes {
		got["index "+aws.ToString(ix.IndexName)] = indexKeys(keySchema(ix.KeySchema, out.Table.AttributeDefinitions))
	}
	wantKeys := keySchema(want.KeySchema, want.AttributeDefinitions)
	for _, ix := range want.LocalSecondaryIndexes {
		wantKeys["index "+aws.ToString(ix.IndexName)] = indexKeys(keySchema(ix.KeySchema, want.AttributeDefinitions))
	}
	if !maps.Equal(got, wantKeys) {
		return fmt.Errorf("table %s exists with keys %v, but %s defines %v: delete it (with make dev's data, the state folder's dynamodb folder) to have it made again",
			tb.Name, got, TemplateFile, wantKeys)
	}
	return nil
}

// indexKeys describes an index's key schema in one string, sorted.
func indexKeys(keys map[string]string) string {
	var parts []string
	for _, name := range slices.Sorted(maps.Keys(keys)) {
		parts = append(parts, name+" "+keys[name])
	}
	return strings.Join(parts, ", ")
}

// keySchema describes a key schema as "PK" -> "HASH S".
func keySchema(keys []types.KeySchemaElement, attrs []types.AttributeDefinition) map[string]string {
	typ := make(map[string]string, len(attrs))
	for _, a := range attrs {
		typ[aws.ToString(a.AttributeName)] = string(a.AttributeType)
	}
	out := make(map[string]string, len(keys))
	for _, k := range keys {
		name := aws.ToString(k.AttributeName)
		out[name] = string(k.KeyType) + " " + typ[name]
	}
	return out
}
