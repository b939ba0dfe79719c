// Command sdkcall is the floor of a request: a plain Go program that does a
// route's DynamoDB work and nothing else. For the todo routes that is the
// function's own store call (pkg/store, which holds every DynamoDB call the
// functions make), on the client the functions use (store.NewClient), but
// without Lambda, the gateway, request parsing, validation or logging.
//
// It reads one operation a line on stdin and answers each with a line on
// stdout: "ok <ns> <read units> <write units>" or "error <ns> <message>",
// where ns is the time the operation took, measured around the calls, and
// the units are the capacity DynamoDB says the calls consumed, the table's
// and its indexes' (capacity.Meter), what on-demand tables bill. The
// operations:
//
//	put-todo <owner>           store.PutTodo: the user's counters read, then the todo's put and the counters' update in one transaction
//	get-todo <owner> <id>      store.GetTodo: one consistent GetItem
//	query-todos <owner> <n>    store.ListTodos: one consistent Query of the newest n+1 todos
//	update-todo <owner> <id>   store.UpdateTodo of title and done: the counters and the todo read, then one transaction
//	delete-todo <owner> <id>   store.DeleteTodo: the counters read, then one transaction of the delete, its tombstone and the counters
//	put-contact                TransactWriteItems: PutItem of a contact message and UpdateItem of its sender's hourly count; the Pushover POST; UpdateItem of its outcome
//
// The table is TABLE_NAME, the DynamoDB the one store.NewClient configures
// (AWS_ENDPOINT_URL_DYNAMODB locally), and Pushover is PUSHOVER_API_URL.
package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/oklog/ulid/v2"

	"github.com/example/serverless-todo/internal/testkit/capacity"
	"github.com/example/serverless-todo/pkg/contact"
	"github.com/example/serverless-todo/pkg/keys"
	"github.com/example/serverless-todo/pkg/mergepatch"
	"github.com/example/serverless-todo/pkg/store"
	"github.com/example/serverless-todo/pkg/todo"
)

func main() {
	if err := run(context.Background(), os.Getenv, os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "sdkcall:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, getenv func(string) string, stdin io.Reader, stdout io.Writer) error {
	table := getenv(store.EnvTable)
	if table == "" {
		return errors.New(store.EnvTable + " is not set")
	}
	client, err := store.NewClient(getenv)
	if err != nil {
		return err
	}
	var meter capacity.Meter
	metered := meter.Client(client)
	c := &caller{db: metered, store: store.New(metered, table), table: table, pushover: getenv("PUSHOVER_API_URL"), http: &http.Client{Timeout: 3 * time.Second}}
	in := bufio.NewScanner(stdin)
	out := bufio.NewWriter(stdout)
	for in.Scan() {
		args := strings.Fields(in.Text())
		if len(args) == 0 {
			continue
		}
		meter.Take()
		start := time.Now()
		err := c.do(ctx, args[0], args[1:])
		took := time.Since(start).Nanoseconds()
		used := meter.Take()
		if err != nil {
			fmt.Fprintf(out, "error %d %s\n", took, strings.ReplaceAll(err.Error(), "\n", " "))
		} else {
			fmt.Fprintf(out, "ok %d %g %g\n", took, used.Read, used.Write)
		}
		if err := out.Flush(); err != nil {
			return err
		}
	}
	return in.Err()
}

type caller struct {
	// db and store are metered: their calls report their capacity.
	db       *dynamodb.Client
	store    *store.Store
	table    string
	pushover string
	http     *http.Client
}

func (c *caller) do(ctx context.Context, op string, args []string) error {
	want := map[string]int{"put-todo": 1, "get-todo": 2, "query-todos": 2, "update-todo": 2, "delete-todo": 2, "put-contact": 0}
	n, ok := want[op]
	if !ok {
		return fmt.Errorf("unknown operation %q", op)
	}
	if len(args) != n {
		return fmt.Errorf("%s takes %d arguments, not %d", op, n, len(args))
	}
	switch op {
	case "put-todo":
		return c.putTodo(ctx, args[0])
	case "get-todo":
		return c.getTodo(ctx, args[0], args[1])
	case "query-todos":
		limit, err := strconv.Atoi(args[1])
		if err != nil {
			return err
		}
		return c.queryTodos(ctx, args[0], limit)
	case "update-todo":
		return c.updateTodo(ctx, args[0], args[1])
	case "delete-todo":
		return c.deleteTodo(ctx, args[0], args[1])
	default:
		return c.putContact(ctx)
	}
}

// The todo the benchmarks' create request sends, and the patch of their
// update request.
var (
	newTodo = todo.New{Title: "Read the book club pick", Notes: "Chapters 3 and 4, before Thursday", DueAt: aws.String("2027-03-01T09:00:00Z"), Tags: []string{"books", "evening"}}
	patch   = todo.Patch{Title: mergepatch.Field[string]{Set: true, Value: "Read the next pick"}, Done: mergepatch.Field[bool]{Set: true, Value: true}}
)

func (c *caller) putTodo(ctx context.Context, owner string) error {
	return c.store.PutTodo(ctx, owner, newTodo.Todo(ulid.Make().String(), time.Now()), 0)
}

func (c *caller) getTodo(ctx context.Context, owner, id string) error {
	_, err := c.store.GetTodo(ctx, owner, id)
	return err
}

func (c *caller) queryTodos(ctx context.Context, owner string, limit int) error {
	_, err := c.store.ListTodos(ctx, owner, store.ListQuery{Limit: limit})
	return err
}

func (c *caller) updateTodo(ctx context.Context, owner, id string) error {
	p := patch
	_, err := c.store.UpdateTodo(ctx, owner, id, &p, 0)
	return err
}

func (c *caller) deleteTodo(ctx context.Context, owner, id string) error {
	_, err := c.store.DeleteTodo(ctx, owner, id, 0)
	return err
}

// contactItem is a contact message as the contact function stores it.
type contactItem struct {
	PK   string `dynamodbav:"PK"`
	SK   string `dynamodbav:"SK"`
	Type string `dynamodbav:"type"`
	contact.Message
}

func (c *caller) putContact(ctx context.Context) error {
	id := ulid.Make().String()
	item, err := attributevalue.MarshalMap(contactItem{PK: keys.ContactPK(id), SK: keys.ContactSK, Type: "contact", Message: contact.Message{
		ID: id, Name: "Ann Example", Email: "ann@example.com", Message: "Hello, I would like a demo of the app.",
		CreatedAt: time.Now().UTC(), SenderHash: "5b6f1c2d3e4f5a6b7c8d9e0f1a2b3c4d", ExpiresAt: time.Now().Add(90 * 24 * time.Hour).Unix(),
	}})
	if err != nil {
		return err
	}
	hour := time.Now().UTC().Truncate(time.Hour)
	_, err = c.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{
		TransactItems: []types.TransactWriteItem{
			{Put: &types.Put{
				TableName:                           aws.String(c.table),
				Item:                                item,
				ConditionExpression:                 aws.String("attribute_not_exists(#pk)"),
				ExpressionAttributeNames:            map[string]string{"#pk": "PK"},
				ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
			}},
			{Update: &types.Update{
				TableName: aws.String(c.table),
				Key: map[string]types.AttributeValue{
					"PK": &types.AttributeValueMemberS{Value: keys.ContactLimitPK(id)},
					"SK": &types.AttributeValueMemberS{Value: keys.ContactLimitSK(hour)},
				},
				UpdateExpression:         aws.String("ADD #c :one SET #e = :e"),
				ConditionExpression:      aws.String("attribute_not_exists(#c) OR #c < :max"),
				ExpressionAttributeNames: map[string]string{"#c": "count", "#e": "expiresAt"},
				ExpressionAttributeValues: map[string]types.AttributeValue{
					":one": &types.AttributeValueMemberN{Value: "1"},
					":max": &types.AttributeValueMemberN{Value: "1000000"},
					":e":   &types.AttributeValueMemberN{Value: strconv.FormatInt(hour.Add(2*time.Hour).Unix(), 10)},
				},
			}},
		},
	})
	if err != nil {
		return err
	}
	if err := c.notify(ctx); err != nil {
		return err
	}
	_, err = c.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                aws.String(c.table),
		Key:                      map[string]types.AttributeValue{"PK": item["PK"], "SK": item["SK"]},
		UpdateExpression:         aws.String("SET #n = :n"),
		ConditionExpression:      aws.String("attribute_exists(#pk)"),
		ExpressionAttributeNames: map[string]string{"#n": "notified", "#pk": "PK"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":n": &types.AttributeValueMemberBOOL{Value: true},
		},
	})
	return err
}

// notify posts the message to Pushover's API as the contact function does.
func (c *caller) notify(ctx context.Context) error {
	form := url.Values{
		"token":   {"bench-token"},
		"user":    {"bench-user"},
		"title":   {"Contact form: Ann Example"},
		"message": {"From: Ann Example <ann@example.com>\n\nHello, I would like a demo of the app."},
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.pushover, strings.NewReader(form.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("pushover: HTTP %d", resp.StatusCode)
	}
	return nil
}
