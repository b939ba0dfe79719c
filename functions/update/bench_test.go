package main

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/example/serverless-todo/internal/testkit/ddbreplay"
	"github.com/example/serverless-todo/pkg/keys"
	"github.com/example/serverless-todo/pkg/validate"
)

const benchPatch = `{"title":"Read the next pick","done":true,"tags":["books"]}`

func BenchmarkHandle(b *testing.B) {
	tbl, replay := ddbreplay.Table(b)
	s := tbl.Store()
	td := ddbreplay.PutTodo(b, s, "alice")
	ddbreplay.Handler(b, replay, (&updateHandler{store: s, validate: validate.New()}).handle, patch("alice", td.ID, benchPatch, nil), 200)
}

// BenchmarkSDKUpdateItem is the floor: the SDK alone making the same change,
// with the expression written out by hand.
func BenchmarkSDKUpdateItem(b *testing.B) {
	tbl, replay := ddbreplay.Table(b)
	td := ddbreplay.PutTodo(b, tbl.Store(), "alice")
	in := &dynamodb.UpdateItemInput{
		TableName: aws.String(tbl.Name),
		Key: map[string]types.AttributeValue{
			"PK": &types.AttributeValueMemberS{Value: keys.UserPK("alice")},
			"SK": &types.AttributeValueMemberS{Value: keys.TodoSK(td.ID)},
		},
		UpdateExpression:    aws.String("SET #u = :u, #v = #v + :one, #t = :t, #d = :d, #g = :g"),
		ConditionExpression: aws.String("attribute_exists(#pk)"),
		ExpressionAttributeNames: map[string]string{
			"#u": "updatedAt", "#v": "version", "#t": "title", "#d": "done", "#g": "tags", "#pk": "PK",
		},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":u":   &types.AttributeValueMemberS{Value: "2026-11-21T10:00:00.000Z"},
			":one": &types.AttributeValueMemberN{Value: "1"},
			":t":   &types.AttributeValueMemberS{Value: "Read the next pick"},
			":d":   &types.AttributeValueMemberBOOL{Value: true},
			":g":   &types.AttributeValueMemberL{Value: []types.AttributeValue{&types.AttributeValueMemberS{Value: "books"}}},
		},
		ReturnValues: types.ReturnValueAllNew,
	}
	ddbreplay.SDK(b, replay, func(ctx context.Context) error {
		_, err := tbl.Client.UpdateItem(ctx, in)
		return err
	})
}
