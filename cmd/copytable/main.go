// Command copytable copies the items of a table made by an earlier version
// of this stack into the table of this one, writing each todo through the
// store, so that it gets what this version's items carry and the earlier
// ones lack: its keys in the local secondary indexes, its number in its
// user's changes, and its place in its user's count of todos. Anything
// else but the counters, which the copies of the todos rebuild, is copied
// as it is. An item already in the new table is left alone, so the copy
// can be run again after an interruption.
//
// It reads AWS credentials and the Region from the environment, as the
// functions do:
//
//	eval "$(aws configure export-credentials --format env)"
//	AWS_REGION=eu-west-1 go run ./cmd/copytable -from OLD_TABLE -to NEW_TABLE
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/example/serverless-todo/pkg/errkind"
	"github.com/example/serverless-todo/pkg/keys"
	"github.com/example/serverless-todo/pkg/store"
	"github.com/example/serverless-todo/pkg/todo"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Getenv, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "copytable:", err)
		os.Exit(1)
	}
}

// counts are what a copy did.
type counts struct{ todos, others, present, counters int }

func run(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	flags := flag.NewFlagSet("copytable", flag.ContinueOnError)
	from := flags.String("from", "", "the `table` of the earlier version")
	to := flags.String("to", "", "the `table` of this version (the stack's TableName output)")
	if err := flags.Parse(args); err != nil {
		return err
	}
	if *from == "" || *to == "" || *from == *to {
		return errors.New("give two different tables: -from OLD_TABLE -to NEW_TABLE")
	}
	client, err := store.NewClient(getenv)
	if err != nil {
		return err
	}
	dst := store.New(client, *to)
	var c counts
	pages := dynamodb.NewScanPaginator(client, &dynamodb.ScanInput{TableName: aws.String(*from), ConsistentRead: aws.Bool(true)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("scan %s: %w", *from, err)
		}
		for _, item := range page.Items {
			if err := copyItem(ctx, client, dst, *to, item, &c); err != nil {
				return err
			}
		}
	}
	_, err = fmt.Fprintf(stdout, "copied %d todos and %d other items from %s to %s; %d were there already; %d users' counters rebuilt from their todos\n",
		c.todos, c.others, *from, *to, c.present, c.counters)
	return err
}

// copyItem copies one item, and counts what it did.
func copyItem(ctx context.Context, client *dynamodb.Client, dst *store.Store, table string, item map[string]types.AttributeValue, c *counts) error {
	var head struct {
		PK   string `dynamodbav:"PK"`
		SK   string `dynamodbav:"SK"`
		Type string `dynamodbav:"type"`
	}
	if err := attributevalue.UnmarshalMap(item, &head); err != nil {
		return fmt.Errorf("an item without string keys: %w", err)
	}
	owner, isUser := strings.CutPrefix(head.PK, keys.UserPrefix)
	_, isTodo := keys.TodoID(head.SK)
	switch {
	case isUser && head.SK == keys.CountersSK:
		c.counters++
		return nil
	case isUser && isTodo:
		var t todo.Todo
		if err := attributevalue.UnmarshalMap(item, &t); err != nil {
			return fmt.Errorf("todo %s/%s: %w", head.PK, head.SK, err)
		}
		_, err := dst.GetTodo(ctx, owner, t.ID)
		switch {
		case err == nil:
			c.present++
			return nil
		case !errors.Is(err, errkind.ErrNotFound):
			return fmt.Errorf("todo %s/%s: %w", head.PK, head.SK, err)
		}
		// No quota: a copy keeps every todo the user had.
		if err := dst.PutTodo(ctx, owner, t, 0); err != nil {
			return fmt.Errorf("todo %s/%s: %w", head.PK, head.SK, err)
		}
		c.todos++
		return nil
	}
	_, err := client.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:           aws.String(table),
		Item:                item,
		ConditionExpression: aws.String("attribute_not_exists(PK)"),
	})
	var ccf *types.ConditionalCheckFailedException
	switch {
	case errors.As(err, &ccf):
		c.present++
	case err != nil:
		return fmt.Errorf("item %s/%s: %w", head.PK, head.SK, err)
	default:
		c.others++
	}
	return nil
}
