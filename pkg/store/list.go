package store

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"

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
	// Cursor continues from the page that returned it, in the same form
	// of listing; empty starts at the first todo.
	Cursor string
	// Done, when set, keeps only todos whose done equals it.
	Done *bool
	// Sort is the order: SortCreatedAt (the zero value) or SortDueAt.
	Sort Sort
}

// Sort is an order of a listing.
type Sort string

const (
	// SortCreatedAt is newest first.
	SortCreatedAt Sort = ""
	// SortDueAt is the earliest due date first, todos without one after
	// every dated one, and among equal due dates the newest first.
	SortDueAt Sort = "dueAt"
)

// Page is one page of todos, in the query's order.
type Page struct {
	Items []todo.Todo
	// NextCursor continues the listing; it is empty on the last page.
	NextCursor string
}

// listing is how one form of ListQuery reads: from the table or one of
// its local secondary indexes, a key condition on its sort key, and a
// direction.
type listing struct {
	index   string // "" for the table
	sortKey string // the sort key's attribute
	prefix  string // the begins_with condition on it, if any
	forward bool
	// keyOf is the sort key of a todo in the index, for the cursor.
	keyOf func(todo.Todo) string
}

func listingOf(q ListQuery) listing {
	switch {
	case q.Sort == SortDueAt && q.Done != nil:
		done := *q.Done
		return listing{keys.ByStatusDue, keys.StatusDueKeyAttr, keys.StatusPrefix(done), true,
			func(t todo.Todo) string { return keys.StatusDueKey(t.Done, t.DueAt, t.ID) }}
	case q.Sort == SortDueAt:
		return listing{keys.ByDue, keys.DueKeyAttr, "", true,
			func(t todo.Todo) string { return keys.DueKey(t.DueAt, t.ID) }}
	case q.Done != nil:
		done := *q.Done
		return listing{keys.ByStatus, keys.StatusKeyAttr, keys.StatusPrefix(done), false,
			func(t todo.Todo) string { return keys.StatusKey(t.Done, t.ID) }}
	}
	// In the table the position is the todo's own key: nothing more.
	return listing{"", "SK", keys.TodoPrefix, false, func(todo.Todo) string { return "" }}
}

// ListTodos returns a page of owner's todos from one Query on the owner's
// partition (never a Scan), of the table or of the local secondary index
// whose order and key condition are the listing's: no filter, so it reads
// (and is billed for) the page and one todo more, which tells whether
// another page exists, so the last page has no cursor. The cursor is the
// position of the page's last todo, not DynamoDB's LastEvaluatedKey,
// because the read went one todo past the page's end.
//
// IAM: dynamodb:Query
// IAM keys: USER#*
func (s *Store) ListTodos(ctx context.Context, owner string, q ListQuery) (Page, error) {
	pk := keys.UserPK(owner)
	l := listingOf(q)
	var start map[string]types.AttributeValue
	if q.Cursor != "" {
		c, err := decodeCursor(pk, l, q.Cursor)
		if err != nil {
			return Page{}, err
		}
		start = itemKey(pk, c.SK)
		if l.index != "" {
			start[l.sortKey] = &types.AttributeValueMemberS{Value: c.Key}
		}
	}
	key := expression.Key("PK").Equal(expression.Value(pk))
	if l.prefix != "" {
		// BETWEEN the prefix and the string just after every key with it
		// (its last byte, '#', plus one): the same keys as begins_with, as a
		// plain range, which DynamoDB Local serves from its index as fast
		// as an unconditioned query rather than by matching.
		after := l.prefix[:len(l.prefix)-1] + string(l.prefix[len(l.prefix)-1]+1)
		key = key.And(expression.Key(l.sortKey).Between(expression.Value(l.prefix), expression.Value(after)))
	}
	expr, err := expression.NewBuilder().WithKeyCondition(key).Build()
	if err != nil {
		return Page{}, fmt.Errorf("store: build query: %w", err)
	}
	in := &dynamodb.QueryInput{
		TableName:                 aws.String(s.table),
		KeyConditionExpression:    expr.KeyCondition(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
		ScanIndexForward:          aws.Bool(l.forward),
		ConsistentRead:            aws.Bool(true),
	}
	if l.index != "" {
		in.IndexName = aws.String(l.index)
	}
	want := q.Limit + 1
	items := make([]todo.Todo, 0, want)
	// One Query returns the page unless its items pass DynamoDB's 1 MB a
	// response, which a hundred todos cannot: the loop is for that bound.
	for len(items) < want {
		in.ExclusiveStartKey, in.Limit = start, aws.Int32(int32(want-len(items)))
		out, err := s.db().Query(ctx, in)
		if err != nil {
			return Page{}, classify(err)
		}
		for _, item := range out.Items {
			t, err := s.decodeTodo(item)
			if err != nil {
				return Page{}, err
			}
			items = append(items, t)
		}
		if out.LastEvaluatedKey == nil {
			break
		}
		start = out.LastEvaluatedKey
	}
	page := Page{Items: items}
	if len(items) > q.Limit {
		page.Items = items[:q.Limit]
		last := page.Items[q.Limit-1]
		page.NextCursor = encodeCursor(cursor{PK: pk, SK: keys.TodoSK(last.ID), Index: l.index, Key: l.keyOf(last)})
	}
	return page, nil
}

// cursor is the position after which the next page starts: the last
// todo's key and, in an index, its key there. It names the partition and
// the index too, so that a cursor from another user's listing, or from
// another form of listing, is refused rather than read as a position in
// this one.
type cursor struct {
	PK    string `json:"pk"`
	SK    string `json:"sk"`
	Index string `json:"ix,omitempty"`
	Key   string `json:"k,omitempty"`
}

func encodeCursor(c cursor) string { return encodeOpaque(c) }

// encodeOpaque is a cursor or a sync token as the client sees it: its
// JSON, base64url. Its fields are strings and numbers, which always
// marshal.
func encodeOpaque(v any) string {
	b, _ := json.Marshal(v)
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodeOpaque reads what encodeOpaque wrote into v, and reports whether
// it could.
func decodeOpaque(s string, v any) bool {
	b, err := base64.RawURLEncoding.DecodeString(s)
	return err == nil && json.Unmarshal(b, v) == nil
}

// decodeCursor returns the position a cursor names, or
// errkind.ErrInvalidCursor unless it is the position of a todo in
// partition pk and in listing l, its index key agreeing with its ULID.
func decodeCursor(pk string, l listing, s string) (cursor, error) {
	var c cursor
	if !decodeOpaque(s, &c) || c.PK != pk || c.Index != l.index {
		return cursor{}, errkind.ErrInvalidCursor
	}
	id, ok := keys.TodoID(c.SK)
	if !ok {
		return cursor{}, errkind.ErrInvalidCursor
	}
	if _, err := ulid.ParseStrict(id); err != nil {
		return cursor{}, errkind.ErrInvalidCursor
	}
	if !cursorKeyFits(l, c.Key, id) {
		return cursor{}, errkind.ErrInvalidCursor
	}
	return c, nil
}

// cursorKeyFits reports whether key is a key the todo id can have in l.
func cursorKeyFits(l listing, key, id string) bool {
	if l.index == "" {
		return key == ""
	}
	rest, ok := strings.CutPrefix(key, l.prefix)
	if !ok {
		return false
	}
	if l.index == keys.ByStatus {
		return rest == id
	}
	keyID, ok := keys.DueKeyID(rest)
	return ok && keyID == id
}
