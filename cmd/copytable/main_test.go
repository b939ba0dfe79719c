package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/oklog/ulid/v2"

	"github.com/example/serverless-todo/internal/local/dynamodblocal"
	"github.com/example/serverless-todo/internal/local/samtemplate"
	"github.com/example/serverless-todo/internal/testkit/dbtest"
	"github.com/example/serverless-todo/pkg/keys"
	"github.com/example/serverless-todo/pkg/store"
	"github.com/example/serverless-todo/pkg/todo"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// oldTable makes a table as the version before the indexes made it: its
// keys only, with items of that version's shape.
func oldTable(t *testing.T, client *dynamodb.Client) (string, []todo.Todo) {
	t.Helper()
	name := "old-" + strings.ToLower(ulid.Make().String())
	def := samtemplate.Table{
		BillingMode: "PAY_PER_REQUEST",
		KeySchema:   []samtemplate.KeyElement{{AttributeName: "PK", KeyType: "HASH"}, {AttributeName: "SK", KeyType: "RANGE"}},
		AttributeDefinitions: []samtemplate.AttributeDefinition{
			{AttributeName: "PK", AttributeType: "S"}, {AttributeName: "SK", AttributeType: "S"},
		},
	}
	if err := dynamodblocal.CreateTable(t.Context(), client, def, name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = client.DeleteTable(context.Background(), &dynamodb.DeleteTableInput{TableName: aws.String(name)})
	})
	var todos []todo.Todo
	put := func(item map[string]types.AttributeValue) {
		if _, err := client.PutItem(t.Context(), &dynamodb.PutItemInput{TableName: aws.String(name), Item: item}); err != nil {
			t.Fatal(err)
		}
	}
	for i, done := range []bool{false, true, false} {
		due := time.Date(2027, 1, 3-i, 0, 0, 0, 0, time.UTC).Format(time.RFC3339)
		in := todo.New{Title: "old todo", Done: done, DueAt: &due}
		td := in.Todo(ulid.Make().String(), time.Now())
		td.Version = 3
		item, err := attributevalue.MarshalMap(td)
		if err != nil {
			t.Fatal(err)
		}
		item["PK"] = &types.AttributeValueMemberS{Value: keys.UserPK("alice")}
		item["SK"] = &types.AttributeValueMemberS{Value: keys.TodoSK(td.ID)}
		item["type"] = &types.AttributeValueMemberS{Value: "todo"}
		item["writeId"] = &types.AttributeValueMemberS{Value: "old"}
		put(item)
		todos = append(todos, td)
	}
	put(map[string]types.AttributeValue{
		"PK": &types.AttributeValueMemberS{Value: keys.UserPK("alice")}, "SK": &types.AttributeValueMemberS{Value: keys.CountersSK},
		"type": &types.AttributeValueMemberS{Value: "counters"}, "todos": &types.AttributeValueMemberN{Value: "7"},
	})
	put(map[string]types.AttributeValue{
		"PK": &types.AttributeValueMemberS{Value: keys.ContactPK("01")}, "SK": &types.AttributeValueMemberS{Value: keys.ContactSK},
		"type": &types.AttributeValueMemberS{Value: "contact"}, "message": &types.AttributeValueMemberS{Value: "hello"},
	})
	return name, todos
}

func TestACopiedTableListsSyncsAndCountsItsTodos(t *testing.T) {
	tbl := dbtest.NewTable(t)
	from, todos := oldTable(t, tbl.Client)
	var out strings.Builder
	if err := run(t.Context(), []string{"-from", from, "-to", tbl.Name}, dbtest.Getenv(nil), &out); err != nil {
		t.Fatal(err)
	}
	if want := "copied 3 todos and 1 other items"; !strings.Contains(out.String(), want) {
		t.Errorf("output %q, want it to say %q", out.String(), want)
	}
	s := tbl.Store()
	no := false
	open, err := s.ListTodos(t.Context(), "alice", store.ListQuery{Limit: 10, Done: &no, Sort: store.SortDueAt})
	if err != nil {
		t.Fatal(err)
	}
	// Open, by due date: the third was due first.
	if len(open.Items) != 2 || open.Items[0].ID != todos[2].ID || open.Items[1].ID != todos[0].ID || open.Items[0].Version != 3 {
		t.Fatalf("open todos by due date = %+v; want the third then the first, at version 3", open.Items)
	}
	cs, err := s.Changes(t.Context(), "alice", "", 100)
	if err != nil || len(cs.Items) != 3 {
		t.Fatalf("a sync from nothing = %+v, %v; want the 3 todos", cs, err)
	}
	var counters struct {
		Todos int `dynamodbav:"todos"`
	}
	got, err := tbl.Client.GetItem(t.Context(), &dynamodb.GetItemInput{TableName: aws.String(tbl.Name), Key: map[string]types.AttributeValue{
		"PK": &types.AttributeValueMemberS{Value: keys.UserPK("alice")}, "SK": &types.AttributeValueMemberS{Value: keys.CountersSK}}})
	if err != nil || attributevalue.UnmarshalMap(got.Item, &counters) != nil || counters.Todos != 3 {
		t.Errorf("alice's count of todos = %d (%v), want 3, from the copies rather than the old counters", counters.Todos, err)
	}

	// Run again, as after an interruption: nothing is copied twice.
	out.Reset()
	if err := run(t.Context(), []string{"-from", from, "-to", tbl.Name}, dbtest.Getenv(nil), &out); err != nil {
		t.Fatal(err)
	}
	if want := "copied 0 todos and 0 other items"; !strings.Contains(out.String(), want) || !strings.Contains(out.String(), "4 were there already") {
		t.Errorf("the second run said %q, want %q and 4 there already", out.String(), want)
	}
}

func TestCopyRefusesWhatIsNotTwoTables(t *testing.T) {
	for _, args := range [][]string{nil, {"-from", "a"}, {"-to", "b"}, {"-from", "a", "-to", "a"}} {
		if err := run(t.Context(), args, dbtest.Getenv(nil), &strings.Builder{}); err == nil {
			t.Errorf("run(%q) = nil, want an error", args)
		}
	}
}
