package main

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/example/serverless-todo/internal/testkit/ddbreplay"
	"github.com/example/serverless-todo/pkg/keys"
	"github.com/example/serverless-todo/pkg/todo"
)

// benchTodos is the page size measured: the default limit.
const benchTodos = 20

func BenchmarkHandle(b *testing.B) {
	tbl, replay := ddbreplay.Table(b)
	s := tbl.Store()
	for range benchTodos + 1 {
		ddbreplay.PutTodo(b, s, "alice")
	}
	ddbreplay.Handler(b, replay, (&listHandler{store: s}).handle, list("alice", nil), 200)
}

// BenchmarkSDKQuery is the floor: the SDK alone reading the same page and
// decoding it.
func BenchmarkSDKQuery(b *testing.B) {
	tbl, replay := ddbreplay.Table(b)
	for range benchTodos + 1 {
		ddbreplay.PutTodo(b, tbl.Store(), "alice")
	}
	in := &dynamodb.QueryInput{
		TableName:                 aws.String(tbl.Name),
		KeyConditionExpression:    aws.String("#pk = :pk AND begins_with(#sk, :todo)"),
		ExpressionAttributeNames:  map[string]string{"#pk": "PK", "#sk": "SK"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": &types.AttributeValueMemberS{Value: keys.UserPK("alice")}, ":todo": &types.AttributeValueMemberS{Value: keys.TodoPrefix}},
		ScanIndexForward:          aws.Bool(false),
		ConsistentRead:            aws.Bool(true),
		Limit:                     aws.Int32(benchTodos + 1),
	}
	ddbreplay.SDK(b, replay, func(ctx context.Context) error {
		out, err := tbl.Client.Query(ctx, in)
		if err != nil {
			return err
		}
		var items []todo.Todo
		return attributevalue.UnmarshalListOfMaps(out.Items, &items)
	})
}
