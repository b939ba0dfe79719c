package main

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/example/serverless-todo/internal/testkit/ddbreplay"
	"github.com/example/serverless-todo/pkg/keys"
)

func BenchmarkHandle(b *testing.B) {
	tbl, replay := ddbreplay.Table(b)
	s := tbl.Store()
	td := ddbreplay.PutTodo(b, s, "alice")
	ddbreplay.Handler(b, replay, (&getHandler{store: s}).handle, get("alice", td.ID, nil), 200)
}

// BenchmarkSDKGetItem is the floor: the SDK alone reading the same item.
func BenchmarkSDKGetItem(b *testing.B) {
	tbl, replay := ddbreplay.Table(b)
	td := ddbreplay.PutTodo(b, tbl.Store(), "alice")
	in := &dynamodb.GetItemInput{
		TableName: aws.String(tbl.Name),
		Key: map[string]types.AttributeValue{
			"PK": &types.AttributeValueMemberS{Value: keys.UserPK("alice")},
			"SK": &types.AttributeValueMemberS{Value: keys.TodoSK(td.ID)},
		},
		ConsistentRead: aws.Bool(true),
	}
	ddbreplay.SDK(b, replay, func(ctx context.Context) error {
		_, err := tbl.Client.GetItem(ctx, in)
		return err
	})
}
