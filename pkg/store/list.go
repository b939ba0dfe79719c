package store

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/oklog/ulid/v2"

	"github.com/example/serverless-todo/pkg/errkind"
	"github.com/example/serverless-todo/pkg/keys"
	"github.com/example/serverless-todo/pkg/todo"
)

// ListQuery selects a page of a user's todos.
type ListQuery struct {
	// Limit is the most todos on the page; it must be positive.
	Limit int
	// Cursor continues from the page that returned it; empty starts at the
	// newest todo.
	Cursor string
	// Done, when set, keeps only todos whose done equals it.
	Done *bool
}

// Page is one page of todos, newest first.
type Page struct {
	Items []todo.Todo
	// NextCursor continues the listing; it is empty on the last page.
	NextCursor string
}

// ListTodos returns a page of owner's todos, newest first, from a Query on
// the owner's partition (never a Scan).
//
// A page holds Limit todos whenever that many match, even when the done
// filter drops some: it reads on until it has one more than Limit, which also
// tells whether another page exists, so the last page has no cursor. The
// cursor is the key of the page's last todo, not DynamoDB's
// LastEvaluatedKey, because the read may have gone past the page's end.
//
// IAM: dynamodb:Query
// IAM keys: USER#*
func (s *Store) ListTodos(ctx context.Context, owner string, q ListQuery) (Page, error) {
	pk := keys.UserPK(owner)
	var start map[string]types.AttributeValue
	if q.Cursor != "" {
		sk, err := decodeCursor(pk, q.Cursor)
		if err != nil {
			return Page{}, err
		}
		start = itemKey(pk, sk)
	}
	b := expression.NewBuilder().WithKeyCondition(
		expression.Key("PK").Equal(expression.Value(pk)).
			And(expression.KeyBeginsWith(expression.Key("SK"), keys.TodoPrefix)))
	if q.Done != nil {
		b = b.WithFilter(expression.Name("done").Equal(expression.Value(*q.Done)))
	}
	expr, err := b.Build()
	if err != nil {
		return Page{}, fmt.Errorf("store: build query: %w", err)
	}
	want := q.Limit + 1
	items := make([]todo.Todo, 0, want)
	for {
		out, err := s.db().Query(ctx, &dynamodb.QueryInput{
			TableName:                 aws.String(s.table),
			KeyConditionExpression:    expr.KeyCondition(),
			FilterExpression:          expr.Filter(),
			ExpressionAttributeNames:  expr.Names(),
			ExpressionAttributeValues: expr.Values(),
			ExclusiveStartKey:         start,
			ScanIndexForward:          aws.Bool(false),
			ConsistentRead:            aws.Bool(true),
			Limit:                     aws.Int32(int32(want)),
		})
		if err != nil {
			return Page{}, classify(err)
		}
		for _, item := range out.Items {
			t, err := decodeTodo(item)
			if err != nil {
				return Page{}, err
			}
			items = append(items, t)
		}
		if len(items) >= want || out.LastEvaluatedKey == nil {
			break
		}
		start = out.LastEvaluatedKey
	}
	page := Page{Items: items}
	if len(items) > q.Limit {
		page.Items = items[:q.Limit]
		page.NextCursor = encodeCursor(pk, keys.TodoSK(page.Items[q.Limit-1].ID))
	}
	return page, nil
}

// cursor is the position after which the next page starts. It names the
// partition too, so that a cursor from another user's listing is refused
// rather than read as a position in the caller's own.
type cursor struct {
	PK string `json:"pk"`
	SK string `json:"sk"`
}

func encodeCursor(pk, sk string) string {
	b, _ := json.Marshal(cursor{PK: pk, SK: sk}) // two strings always marshal
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodeCursor returns the sort key a cursor points at, or errkind.ErrInvalidCursor
// unless it is a todo key in partition pk.
func decodeCursor(pk, s string) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return "", errkind.ErrInvalidCursor
	}
	var c cursor
	if err := json.Unmarshal(b, &c); err != nil || c.PK != pk {
		return "", errkind.ErrInvalidCursor
	}
	id, ok := keys.TodoID(c.SK)
	if !ok {
		return "", errkind.ErrInvalidCursor
	}
	if _, err := ulid.ParseStrict(id); err != nil {
		return "", errkind.ErrInvalidCursor
	}
	return c.SK, nil
}
