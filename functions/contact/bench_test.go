package main

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/oklog/ulid/v2"

	"github.com/example/serverless-todo/internal/testkit/ddbreplay"
	"github.com/example/serverless-todo/pkg/contact"
	"github.com/example/serverless-todo/pkg/handler"
	"github.com/example/serverless-todo/pkg/keys"
	"github.com/example/serverless-todo/pkg/validate"
)

// BenchmarkHandle times the contact function without notifications: the
// Pushover round trip is the network's time, not the function's.
func BenchmarkHandle(b *testing.B) {
	tbl, replay := ddbreplay.Table(b)
	settings := func(context.Context) (settings, error) { return settings{ipHashKey: hashKey}, nil }
	h := &contactHandler{store: tbl.Store(), validate: validate.New(), settings: settings, perHour: 1 << 30, retention: time.Hour,
		log: handler.NewLogger(io.Discard), now: time.Now}
	ddbreplay.Handler(b, replay, h.handle, post(body), 202)
}

// BenchmarkSDKTransactWriteItems is the floor: the SDK alone storing the
// same message and counting it against its sender's hourly limit.
func BenchmarkSDKTransactWriteItems(b *testing.B) {
	tbl, replay := ddbreplay.Table(b)
	ddbreplay.SDK(b, replay, func(ctx context.Context) error {
		m := contact.Message{ID: ulid.Make().String(), Name: "Ann Example", Email: "ann@example.com",
			Message: "Hello, I would like a demo of the app.", CreatedAt: time.Now().UTC(), SenderHash: senderHash(hashKey, "203.0.113.7"),
			ExpiresAt: time.Now().Add(time.Hour).Unix()}
		item, err := attributevalue.MarshalMap(m)
		if err != nil {
			return err
		}
		item["PK"], _ = attributevalue.Marshal(keys.ContactPK(m.ID))
		item["SK"], _ = attributevalue.Marshal(keys.ContactSK)
		_, err = tbl.Client.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
			{Put: &types.Put{TableName: aws.String(tbl.Name), Item: item}},
			{Update: &types.Update{
				TableName: aws.String(tbl.Name),
				Key: map[string]types.AttributeValue{
					"PK": &types.AttributeValueMemberS{Value: keys.ContactLimitPK(m.SenderHash)},
					"SK": &types.AttributeValueMemberS{Value: keys.ContactLimitSK(m.CreatedAt.Truncate(time.Hour))},
				},
				UpdateExpression:          aws.String("ADD #c :one"),
				ExpressionAttributeNames:  map[string]string{"#c": "count"},
				ExpressionAttributeValues: map[string]types.AttributeValue{":one": &types.AttributeValueMemberN{Value: "1"}},
			}},
		}})
		return err
	})
}
