package main

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/oklog/ulid/v2"

	"github.com/example/serverless-todo/internal/testkit/ddbreplay"
	"github.com/example/serverless-todo/pkg/keys"
	"github.com/example/serverless-todo/pkg/todo"
	"github.com/example/serverless-todo/pkg/validate"
)

const benchBody = `{"title":"Read the book club pick","notes":"Chapters 3 and 4, before Thursday","dueAt":"2027-03-01T09:00:00Z","tags":["books","evening"]}`

func BenchmarkHandle(b *testing.B) {
	tbl, replay := ddbreplay.Table(b)
	h := &createHandler{store: tbl.Store(), validate: validate.New(), maxTodos: 1 << 30, now: time.Now}
	ddbreplay.Handler(b, replay, h.handle, post(benchBody, nil), 201)
}

// BenchmarkSDKPutItem is the floor: the SDK alone writing the same item.
func BenchmarkSDKPutItem(b *testing.B) {
	tbl, replay := ddbreplay.Table(b)
	due := "2027-03-01T09:00:00Z"
	in := todo.New{Title: "Read the book club pick", Notes: "Chapters 3 and 4, before Thursday", DueAt: &due, Tags: []string{"books", "evening"}}
	ddbreplay.SDK(b, replay, func(ctx context.Context) error {
		td := in.Todo(ulid.Make().String(), time.Now())
		item, err := attributevalue.MarshalMap(td)
		if err != nil {
			return err
		}
		item["PK"], _ = attributevalue.Marshal(keys.UserPK("alice"))
		item["SK"], _ = attributevalue.Marshal(keys.TodoSK(td.ID))
		_, err = tbl.Client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(tbl.Name), Item: item})
		return err
	})
}
