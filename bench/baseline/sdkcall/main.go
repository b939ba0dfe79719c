// Command sdkcall is the floor of a request: a plain Go program that does a
// route's DynamoDB work with the SDK alone, the same calls on the same items
// as the function, with the client the functions use (store.NewClient), but
// without Lambda, the gateway, request parsing, validation or logging.
//
// It reads one operation a line on stdin and answers each with a line on
// stdout: "ok <ns> <read units> <write units>" or "error <ns> <message>",
// where ns is the time the operation took, measured around the SDK calls,
// and the units are the capacity DynamoDB says the calls consumed, what
// on-demand tables bill. The operations:
//
//	put-todo <owner>           PutItem of a new todo, if its key is new
//	get-todo <owner> <id>      consistent GetItem, decoded
//	query-todos <owner> <n>    consistent Query of the newest n+1 todos, decoded
//	update-todo <owner> <id>   UpdateItem of title, done, updatedAt, version; ALL_NEW decoded
//	delete-todo <owner> <id>   TransactWriteItems: DeleteItem if the todo exists, and PutItem of its tombstone
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

	"github.com/example/serverless-todo/pkg/contact"
	"github.com/example/serverless-todo/pkg/keys"
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
	c := &caller{db: client, table: table, pushover: getenv("PUSHOVER_API_URL"), http: &http.Client{Timeout: 3 * time.Second}}
	in := bufio.NewScanner(stdin)
	out := bufio.NewWriter(stdout)
	for in.Scan() {
		args := strings.Fields(in.Text())
		if len(args) == 0 {
			continue
		}
		c.consumed = units{}
		start := time.Now()
		err := c.do(ctx, args[0], args[1:])
		took := time.Since(start).Nanoseconds()
		if err != nil {
			fmt.Fprintf(out, "error %d %s\n", took, strings.ReplaceAll(err.Error(), "\n", " "))
		} else {
			fmt.Fprintf(out, "ok %d %g %g\n", took, c.consumed.read, c.consumed.write)
		}
		if err := out.Flush(); err != nil {
			return err
		}
	}
	return in.Err()
}

type caller struct {
	db       *dynamodb.Client
	table    string
	pushover string
	http     *http.Client
	// consumed adds up the capacity of the current operation's calls.
	consumed units
}

type units struct{ read, write float64 }

// reads and writes add what one call consumed: its CapacityUnits, the
// total of a call on one table without indexes.
func (c *caller) reads(cc *types.ConsumedCapacity) {
	if cc != nil {
		c.consumed.read += aws.ToFloat64(cc.CapacityUnits)
	}
}

func (c *caller) writes(cc *types.ConsumedCapacity) {
	if cc != nil {
		c.consumed.write += aws.ToFloat64(cc.CapacityUnits)
	}
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

func todoKey(owner, id string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		"PK": &types.AttributeValueMemberS{Value: keys.UserPK(owner)},
		"SK": &types.AttributeValueMemberS{Value: keys.TodoSK(id)},
	}
}

func (c *caller) putTodo(ctx context.Context, owner string) error {
	// The todo the benchmarks' create request sends.
	in := todo.New{Title: "Read the book club pick", Notes: "Chapters 3 and 4, before Thursday", DueAt: aws.String("2027-03-01T09:00:00Z"), Tags: []string{"books", "evening"}}
	t := in.Todo(ulid.Make().String(), time.Now())
	item, err := attributevalue.MarshalMap(t)
	if err != nil {
		return err
	}
	for k, v := range todoKey(owner, t.ID) {
		item[k] = v
	}
	item["type"] = &types.AttributeValueMemberS{Value: "todo"}
	return c.putNew(ctx, item)
}

func (c *caller) getTodo(ctx context.Context, owner, id string) error {
	out, err := c.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:              aws.String(c.table),
		Key:                    todoKey(owner, id),
		ConsistentRead:         aws.Bool(true),
		ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal,
	})
	if err != nil {
		return err
	}
	c.reads(out.ConsumedCapacity)
	if out.Item == nil {
		return errors.New("no such todo")
	}
	var t todo.Todo
	return attributevalue.UnmarshalMap(out.Item, &t)
}

func (c *caller) queryTodos(ctx context.Context, owner string, limit int) error {
	out, err := c.db.Query(ctx, &dynamodb.QueryInput{
		TableName:              aws.String(c.table),
		KeyConditionExpression: aws.String("#pk = :pk AND begins_with(#sk, :todo)"),
		ExpressionAttributeNames: map[string]string{
			"#pk": "PK", "#sk": "SK",
		},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk":   &types.AttributeValueMemberS{Value: keys.UserPK(owner)},
			":todo": &types.AttributeValueMemberS{Value: keys.TodoPrefix},
		},
		ScanIndexForward:       aws.Bool(false),
		ConsistentRead:         aws.Bool(true),
		Limit:                  aws.Int32(int32(limit + 1)),
		ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal,
	})
	if err != nil {
		return err
	}
	c.reads(out.ConsumedCapacity)
	var items []todo.Todo
	return attributevalue.UnmarshalListOfMaps(out.Items, &items)
}

func (c *caller) updateTodo(ctx context.Context, owner, id string) error {
	out, err := c.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:           aws.String(c.table),
		Key:                 todoKey(owner, id),
		UpdateExpression:    aws.String("SET #u = :u, #v = #v + :one, #t = :t, #d = :d"),
		ConditionExpression: aws.String("attribute_exists(#pk)"),
		ExpressionAttributeNames: map[string]string{
			"#u": "updatedAt", "#v": "version", "#t": "title", "#d": "done", "#pk": "PK",
		},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":u":   &types.AttributeValueMemberS{Value: todo.Timestamp(time.Now())},
			":one": &types.AttributeValueMemberN{Value: "1"},
			":t":   &types.AttributeValueMemberS{Value: "Read the next pick"},
			":d":   &types.AttributeValueMemberBOOL{Value: true},
		},
		ReturnValues:                        types.ReturnValueAllNew,
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
		ReturnConsumedCapacity:              types.ReturnConsumedCapacityTotal,
	})
	if err != nil {
		return err
	}
	c.writes(out.ConsumedCapacity)
	var t todo.Todo
	return attributevalue.UnmarshalMap(out.Attributes, &t)
}

func (c *caller) deleteTodo(ctx context.Context, owner, id string) error {
	out, err := c.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{
		TransactItems: []types.TransactWriteItem{
			{Delete: &types.Delete{
				TableName:                           aws.String(c.table),
				Key:                                 todoKey(owner, id),
				ConditionExpression:                 aws.String("attribute_exists(#pk)"),
				ExpressionAttributeNames:            map[string]string{"#pk": "PK"},
				ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
			}},
			{Put: &types.Put{
				TableName: aws.String(c.table),
				Item: map[string]types.AttributeValue{
					"PK":        &types.AttributeValueMemberS{Value: keys.UserPK(owner)},
					"SK":        &types.AttributeValueMemberS{Value: keys.TombstoneSK(id)},
					"type":      &types.AttributeValueMemberS{Value: "tombstone"},
					"id":        &types.AttributeValueMemberS{Value: id},
					"deletedAt": &types.AttributeValueMemberS{Value: todo.Timestamp(time.Now())},
					"writeId":   &types.AttributeValueMemberS{Value: ulid.Make().String()},
					"expiresAt": &types.AttributeValueMemberN{Value: strconv.FormatInt(time.Now().Add(store.DefaultTombstoneTTL).Unix(), 10)},
				},
			}},
		},
		ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal,
	})
	if err != nil {
		return err
	}
	// DynamoDB bills a transaction's writes at two units each (per KB);
	// DynamoDB Local reports them at one, as standard writes.
	for _, cc := range out.ConsumedCapacity {
		cc.CapacityUnits = aws.Float64(2 * aws.ToFloat64(cc.CapacityUnits))
		c.writes(&cc)
	}
	return nil
}

// putNew puts an item whose key is new, as the functions put todos and
// contact messages.
func (c *caller) putNew(ctx context.Context, item map[string]types.AttributeValue) error {
	out, err := c.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:                           aws.String(c.table),
		Item:                                item,
		ConditionExpression:                 aws.String("attribute_not_exists(#pk)"),
		ExpressionAttributeNames:            map[string]string{"#pk": "PK"},
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
		ReturnConsumedCapacity:              types.ReturnConsumedCapacityTotal,
	})
	if err != nil {
		return err
	}
	c.writes(out.ConsumedCapacity)
	return nil
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
	tx, err := c.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{
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
		ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal,
	})
	if err != nil {
		return err
	}
	for _, cc := range tx.ConsumedCapacity {
		cc.CapacityUnits = aws.Float64(2 * aws.ToFloat64(cc.CapacityUnits))
		c.writes(&cc)
	}
	if err := c.notify(ctx); err != nil {
		return err
	}
	update, err := c.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                aws.String(c.table),
		Key:                      map[string]types.AttributeValue{"PK": item["PK"], "SK": item["SK"]},
		UpdateExpression:         aws.String("SET #n = :n"),
		ConditionExpression:      aws.String("attribute_exists(#pk)"),
		ExpressionAttributeNames: map[string]string{"#n": "notified", "#pk": "PK"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":n": &types.AttributeValueMemberBOOL{Value: true},
		},
		ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal,
	})
	if err != nil {
		return err
	}
	c.writes(update.ConsumedCapacity)
	return nil
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
