package main

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
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
	h := &contactHandler{store: tbl.Store(), validate: validate.New(), log: handler.NewLogger(io.Discard), now: time.Now}
	ddbreplay.Handler(b, replay, h.handle, post(body), 202)
}

// BenchmarkSDKPutItem is the floor: the SDK alone storing the same message.
func BenchmarkSDKPutItem(b *testing.B) {
	tbl, replay := ddbreplay.Table(b)
	ddbreplay.SDK(b, replay, func(ctx context.Context) error {
		m := contact.Message{ID: ulid.Make().String(), Name: "Ann Example", Email: "ann@example.com",
			Message: "Hello, I would like a demo of the app.", CreatedAt: time.Now().UTC(), SourceIP: "203.0.113.7", UserAgent: "apitest/1.0"}
		item, err := attributevalue.MarshalMap(m)
		if err != nil {
			return err
		}
		item["PK"], _ = attributevalue.Marshal(keys.ContactPK(m.ID))
		item["SK"], _ = attributevalue.Marshal(keys.ContactSK)
		_, err = tbl.Client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(tbl.Name), Item: item})
		return err
	})
}
