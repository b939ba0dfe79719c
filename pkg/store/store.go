// Package store keeps todos, idempotency records and contact messages in the
// one DynamoDB table (package keys describes its layout).
//
// Each method is one DynamoDB call, or for an idempotent create a lock and a
// transaction. Conditions inside those calls, never a read before them,
// enforce versions, existence and idempotency, so concurrent requests cannot
// slip between a check and a write. Errors are this package's sentinel
// errors; ErrUnavailable wraps anything a retry may fix.
package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/example/serverless-todo/pkg/keys"
	"github.com/example/serverless-todo/pkg/todo"
)

var (
	// ErrNotFound: the item does not exist (in the caller's partition).
	ErrNotFound = errors.New("store: not found")
	// ErrVersionMismatch: the todo exists but not at the version the
	// request required.
	ErrVersionMismatch = errors.New("store: version mismatch")
	// ErrConflict: DynamoDB refused the write because a concurrent
	// transaction held the same item.
	ErrConflict = errors.New("store: conflicting concurrent write")
	// ErrInvalidCursor: the list cursor was not made by ListTodos for this
	// owner.
	ErrInvalidCursor = errors.New("store: invalid cursor")
	// ErrUnavailable: DynamoDB throttled the request, failed, or could not be
	// reached in time. Retrying later may succeed.
	ErrUnavailable = errors.New("store: DynamoDB unavailable")
)

// Item types, stored in each item's type attribute so that a look at the
// table (or an export) tells the items apart without parsing keys.
const (
	typeTodo        = "todo"
	typeIdempotency = "idempotency"
	typeContact     = "contact"
)

// Store is the table. Build it once per process with New.
type Store struct {
	client *dynamodb.Client
	table  string
	now    func() time.Time
}

// New returns the store of table, read and written through client.
func New(client *dynamodb.Client, table string) *Store {
	return &Store{client: client, table: table, now: time.Now}
}

// WithClock returns a copy of s that reads the time from now: tests use it
// to step past the 24 hours an idempotency record lives.
func (s *Store) WithClock(now func() time.Time) *Store {
	c := *s
	c.now = now
	return &c
}

// todoItem is a todo as stored: the todo's attributes beside its keys.
type todoItem struct {
	PK   string `dynamodbav:"PK"`
	SK   string `dynamodbav:"SK"`
	Type string `dynamodbav:"type"`
	todo.Todo
}

func todoKey(owner, id string) map[string]types.AttributeValue {
	return itemKey(keys.UserPK(owner), keys.TodoSK(id))
}

func itemKey(pk, sk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		"PK": &types.AttributeValueMemberS{Value: pk},
		"SK": &types.AttributeValueMemberS{Value: sk},
	}
}

// PutTodo stores a new todo of owner.
func (s *Store) PutTodo(ctx context.Context, owner string, t todo.Todo) error {
	put, err := s.newTodoPut(owner, t)
	if err != nil {
		return err
	}
	_, err = s.client.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:                 put.TableName,
		Item:                      put.Item,
		ConditionExpression:       put.ConditionExpression,
		ExpressionAttributeNames:  put.ExpressionAttributeNames,
		ExpressionAttributeValues: put.ExpressionAttributeValues,
	})
	return classify(err)
}

// newTodoPut is the write of a new todo. The condition only fails if a ULID
// repeats, and then the write must fail rather than replace a todo.
func (s *Store) newTodoPut(owner string, t todo.Todo) (*types.Put, error) {
	item, err := attributevalue.MarshalMap(todoItem{PK: keys.UserPK(owner), SK: keys.TodoSK(t.ID), Type: typeTodo, Todo: t})
	if err != nil {
		return nil, fmt.Errorf("store: marshal todo: %w", err)
	}
	expr, err := expression.NewBuilder().WithCondition(expression.AttributeNotExists(expression.Name("PK"))).Build()
	if err != nil {
		return nil, fmt.Errorf("store: build condition: %w", err)
	}
	return &types.Put{
		TableName:                 aws.String(s.table),
		Item:                      item,
		ConditionExpression:       expr.Condition(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
	}, nil
}

// GetTodo returns the todo id of owner, read consistently so that a client
// sees its own writes at once.
func (s *Store) GetTodo(ctx context.Context, owner, id string) (todo.Todo, error) {
	out, err := s.client.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      aws.String(s.table),
		Key:            todoKey(owner, id),
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return todo.Todo{}, classify(err)
	}
	if out.Item == nil {
		return todo.Todo{}, ErrNotFound
	}
	return decodeTodo(out.Item)
}

func decodeTodo(item map[string]types.AttributeValue) (todo.Todo, error) {
	var t todo.Todo
	if err := attributevalue.UnmarshalMap(item, &t); err != nil {
		return todo.Todo{}, fmt.Errorf("store: unmarshal todo: %w", err)
	}
	return t, nil
}

// UpdateTodo applies a validated patch to the todo id of owner in one
// conditional UpdateItem and returns the todo as it is now. The condition
// makes a missing todo ErrNotFound (never an upsert) and, when ifVersion is
// not zero, a todo at another version ErrVersionMismatch.
func (s *Store) UpdateTodo(ctx context.Context, owner, id string, p *todo.Patch, ifVersion int64) (todo.Todo, error) {
	update := expression.
		Set(expression.Name("updatedAt"), expression.Value(todo.Timestamp(s.now()))).
		Set(expression.Name("version"), expression.Name("version").Plus(expression.Value(1)))
	if p.Title.Changes() {
		update = update.Set(expression.Name("title"), expression.Value(p.Title.Value))
	}
	if p.Done.Changes() {
		update = update.Set(expression.Name("done"), expression.Value(p.Done.Value))
	}
	// Empty notes and tags are stored as absent, as a new todo stores them.
	if p.Notes.Set {
		if p.Notes.Null || p.Notes.Value == "" {
			update = update.Remove(expression.Name("notes"))
		} else {
			update = update.Set(expression.Name("notes"), expression.Value(p.Notes.Value))
		}
	}
	if p.DueAt.Set {
		if p.DueAt.Null {
			update = update.Remove(expression.Name("dueAt"))
		} else {
			update = update.Set(expression.Name("dueAt"), expression.Value(todo.NormalizeDueAt(p.DueAt.Value)))
		}
	}
	if p.Tags.Set {
		if p.Tags.Null || len(p.Tags.Value) == 0 {
			update = update.Remove(expression.Name("tags"))
		} else {
			update = update.Set(expression.Name("tags"), expression.Value(p.Tags.Value))
		}
	}
	expr, err := expression.NewBuilder().WithUpdate(update).WithCondition(versionCondition(ifVersion)).Build()
	if err != nil {
		return todo.Todo{}, fmt.Errorf("store: build update: %w", err)
	}
	out, err := s.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                           aws.String(s.table),
		Key:                                 todoKey(owner, id),
		UpdateExpression:                    expr.Update(),
		ConditionExpression:                 expr.Condition(),
		ExpressionAttributeNames:            expr.Names(),
		ExpressionAttributeValues:           expr.Values(),
		ReturnValues:                        types.ReturnValueAllNew,
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	if err != nil {
		return todo.Todo{}, conditionFailure(err)
	}
	return decodeTodo(out.Attributes)
}

// DeleteTodo deletes the todo id of owner, under the same conditions as
// UpdateTodo.
func (s *Store) DeleteTodo(ctx context.Context, owner, id string, ifVersion int64) error {
	expr, err := expression.NewBuilder().WithCondition(versionCondition(ifVersion)).Build()
	if err != nil {
		return fmt.Errorf("store: build condition: %w", err)
	}
	_, err = s.client.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName:                           aws.String(s.table),
		Key:                                 todoKey(owner, id),
		ConditionExpression:                 expr.Condition(),
		ExpressionAttributeNames:            expr.Names(),
		ExpressionAttributeValues:           expr.Values(),
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	return conditionFailure(err)
}

// versionCondition holds when the todo exists and, if version is not zero,
// is at that version. Versions start at 1, so zero means "any".
func versionCondition(version int64) expression.ConditionBuilder {
	cond := expression.AttributeExists(expression.Name("PK"))
	if version != 0 {
		cond = cond.And(expression.Name("version").Equal(expression.Value(version)))
	}
	return cond
}

// conditionFailure tells a missing todo from one at another version by the
// old item DynamoDB returns with a failed condition, so no read is needed.
func conditionFailure(err error) error {
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		if len(ccf.Item) == 0 {
			return ErrNotFound
		}
		return ErrVersionMismatch
	}
	return classify(err)
}
