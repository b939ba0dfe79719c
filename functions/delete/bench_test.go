package main

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/example/serverless-todo/internal/testkit/ddbreplay"
	"github.com/example/serverless-todo/pkg/keys"
)

func BenchmarkHandle(b *testing.B) {
	tbl, replay := ddbreplay.Table(b)
	s := tbl.Store()
	td := ddbreplay.PutTodo(b, s, "alice")
	ddbreplay.Handler(b, replay, (&deleteHandler{store: s}).handle, del("alice", td.ID, map[string]string{"If-Match": `"1"`}), 204)
}

// BenchmarkSDKDeleteItem is the floor: the SDK alone deleting the same item
// under the same condition.
func BenchmarkSDKDeleteItem(b *testing.B) {
	tbl, replay := ddbreplay.Table(b)
	td := ddbreplay.PutTodo(b, tbl.Store(), "alice")
	ddbreplay.SDK(b, replay, func(ctx context.Context) error {
		cond, err := expression.NewBuilder().WithCondition(
			expression.AttributeExists(expression.Name("PK")).And(expression.Name("version").Equal(expression.Value(1)))).Build()
		if err != nil {
			return err
		}
		_, err = tbl.Client.DeleteItem(ctx, &dynamodb.DeleteItemInput{
			TableName: aws.String(tbl.Name),
			Key: map[string]types.AttributeValue{
				"PK": &types.AttributeValueMemberS{Value: keys.UserPK("alice")},
				"SK": &types.AttributeValueMemberS{Value: keys.TodoSK(td.ID)},
			},
			ConditionExpression:       cond.Condition(),
			ExpressionAttributeNames:  cond.Names(),
			ExpressionAttributeValues: cond.Values(),
		})
		return err
	})
}
