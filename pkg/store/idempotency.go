package store

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/example/serverless-todo/pkg/errkind"
	"github.com/example/serverless-todo/pkg/keys"
	"github.com/example/serverless-todo/pkg/todo"
)

// IdempotencyTTL is how long a key is remembered: a retry within it replays
// the first response, after it the key is free again.
const IdempotencyTTL = 24 * time.Hour

// defaultLockTTL bounds how long a request holds its key when its context
// has no deadline. In Lambda the lock lasts until the invocation's deadline,
// so a crashed invocation frees its key when it could no longer answer.
const defaultLockTTL = 30 * time.Second

// Idempotency is an Idempotency-Key and what it protects.
type Idempotency struct {
	Key string
	// RequestHash identifies the request body: a retry with the same key
	// must have the same hash.
	RequestHash string
	// Response is what a retry gets back.
	Response SavedResponse
}

// SavedResponse is a response kept for replay.
type SavedResponse struct {
	Status  int               `dynamodbav:"status"`
	Headers map[string]string `dynamodbav:"headers"`
	Body    string            `dynamodbav:"body"`
}

const (
	statePending = "pending"
	stateDone    = "done"
)

type idempotencyItem struct {
	PK          string `dynamodbav:"PK"`
	SK          string `dynamodbav:"SK"`
	Type        string `dynamodbav:"type"`
	State       string `dynamodbav:"state"`
	RequestHash string `dynamodbav:"requestHash"`
	// LockToken identifies the request holding a pending key, so only it
	// can complete or release the key.
	LockToken string `dynamodbav:"lockToken"`
	// LockExpiresAt (Unix ms): after it another request with the same body
	// may take over a pending key whose holder died.
	LockExpiresAt int64 `dynamodbav:"lockExpiresAt"`
	// ExpiresAt (Unix seconds) is the table's TTL attribute. DynamoDB deletes
	// expired items lazily, so reads compare it with the time too.
	ExpiresAt int64          `dynamodbav:"expiresAt"`
	TodoID    string         `dynamodbav:"todoId,omitempty"`
	Response  *SavedResponse `dynamodbav:"response,omitempty"`
}

// PutTodoOnce stores a new todo of owner at most once per Idempotency-Key.
// The first request with a key locks it with a pending record, then writes
// the todo and completes the record (with the response to replay) in one
// transaction. A later request with the key and the same body gets the saved
// response back and writes nothing; with another body it gets
// errkind.ErrIdempotencyKeyReused; while the first is still running it gets
// errkind.ErrIdempotencyInFlight.
//
// A call that cannot know whether it wrote the todo (errkind.ErrOutcomeUnknown)
// leaves the key as it found it or completed, never released half-way: the
// client's retry with the key then replays the todo, or makes it.
//
// The todo is counted as PutTodo counts it: past maxTodos, nothing is
// stored, the key is freed, and the error is errkind.ErrQuotaReached.
//
// IAM: dynamodb:PutItem, dynamodb:UpdateItem
// IAM keys: USER#*
func (s *Store) PutTodoOnce(ctx context.Context, owner string, t todo.Todo, idem Idempotency, maxTodos int) (*SavedResponse, error) {
	now := s.now()
	lockUntil := now.Add(defaultLockTTL)
	if deadline, ok := ctx.Deadline(); ok {
		lockUntil = deadline.Add(time.Second)
	}
	rec := idempotencyItem{
		PK:            keys.UserPK(owner),
		SK:            keys.IdempotencySK(idem.Key),
		Type:          typeIdempotency,
		State:         statePending,
		RequestHash:   idem.RequestHash,
		LockToken:     rand.Text(),
		LockExpiresAt: lockUntil.UnixMilli(),
		ExpiresAt:     now.Add(IdempotencyTTL).Unix(),
	}
	if saved, err := s.lockKey(ctx, rec, now); saved != nil || err != nil {
		if errors.Is(err, errkind.ErrOutcomeUnknown) {
			// The lock may have been taken: free it for the retry.
			s.releaseKey(ctx, rec)
		}
		return saved, err
	}

	done := rec
	done.State = stateDone
	done.TodoID = t.ID
	done.Response = &idem.Response
	doneItem, err := attributevalue.MarshalMap(done)
	if err != nil {
		s.releaseKey(ctx, rec)
		return nil, fmt.Errorf("store: marshal idempotency record: %w", err)
	}
	stillOurs, err := expression.NewBuilder().
		WithCondition(expression.Name("lockToken").Equal(expression.Value(rec.LockToken))).
		Build()
	if err != nil {
		s.releaseKey(ctx, rec)
		return nil, fmt.Errorf("store: build condition: %w", err)
	}
	todoWriteID := newWriteID()
	err = s.sequenced(ctx, owner, func(c counters) error {
		put, count, err := s.newTodoWrite(owner, t, todoWriteID, c, maxTodos)
		if err != nil {
			return err
		}
		_, err = s.db().TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{
			TransactItems: []types.TransactWriteItem{
				{Put: put},
				{Put: &types.Put{
					TableName:                 aws.String(s.table),
					Item:                      doneItem,
					ConditionExpression:       stillOurs.Condition(),
					ExpressionAttributeNames:  stillOurs.Names(),
					ExpressionAttributeValues: stillOurs.Values(),
				}},
				{Update: count},
			},
		})
		var canceled *types.TransactionCanceledException
		if errors.As(err, &canceled) && len(canceled.CancellationReasons) == 3 {
			reasons := canceled.CancellationReasons
			switch {
			case aws.ToString(reasons[1].Code) == conditionalCheckFailed:
				// Our lock expired and another request with the same body
				// took the key over: it is the one in flight now.
				return errkind.ErrIdempotencyInFlight
			case aws.ToString(reasons[0].Code) == conditionalCheckFailed && writeIDOf(reasons[0].Item) == todoWriteID:
				// A retry of the transaction after its first attempt
				// committed (DynamoDB answers that with success while it
				// remembers the ClientRequestToken; this covers the rest).
				return nil
			case aws.ToString(reasons[2].Code) == conditionalCheckFailed:
				return counterFailure(reasons[2], c.Seq)
			}
		}
		return classifyWrite(err)
	})
	switch {
	case err == nil:
		return nil, nil
	case errors.Is(err, errkind.ErrIdempotencyInFlight):
		return nil, err
	}
	// Past the quota the key is freed too, so that the same request
	// succeeds once the user has deleted some todos.
	s.releaseKey(ctx, rec)
	return nil, err
}

// lockKey writes the pending record unless the key is taken. A taken key
// yields the saved response (a completed request with the same body) or an
// error; the old record comes back with the failed condition, so telling the
// cases apart needs no read.
func (s *Store) lockKey(ctx context.Context, rec idempotencyItem, now time.Time) (*SavedResponse, error) {
	free := expression.AttributeNotExists(expression.Name("PK")).
		Or(expression.Name("expiresAt").LessThan(expression.Value(now.Unix())),
			expression.Name("state").Equal(expression.Value(statePending)).
				And(expression.Name("lockExpiresAt").LessThan(expression.Value(now.UnixMilli())),
					expression.Name("requestHash").Equal(expression.Value(rec.RequestHash))))
	put, err := s.newPut(rec, free)
	if err != nil {
		return nil, err
	}
	err = s.put(ctx, put)
	var ccf *types.ConditionalCheckFailedException
	if !errors.As(err, &ccf) {
		return nil, classifyWrite(err)
	}
	var old idempotencyItem
	if err := attributevalue.UnmarshalMap(ccf.Item, &old); err != nil {
		return nil, fmt.Errorf("store: unmarshal idempotency record: %w", err)
	}
	switch {
	case old.LockToken == rec.LockToken:
		// A retry that found the lock its own first attempt took.
		return nil, nil
	case old.RequestHash != rec.RequestHash:
		return nil, errkind.ErrIdempotencyKeyReused
	case old.State != stateDone || old.Response == nil:
		return nil, errkind.ErrIdempotencyInFlight
	}
	return old.Response, nil
}

// releaseKey deletes our pending record after a failed write, so the
// client's retry can proceed at once instead of waiting out the lock. If the
// release fails too, the lock still expires on its own. A record our
// transaction completed is never released, even when we could not learn
// that it committed: it holds the todo the retry must replay.
//
// IAM: dynamodb:DeleteItem
// IAM keys: USER#*
func (s *Store) releaseKey(ctx context.Context, rec idempotencyItem) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
	defer cancel()
	expr, err := expression.NewBuilder().
		WithCondition(expression.Name("lockToken").Equal(expression.Value(rec.LockToken)).
			And(expression.Name("state").Equal(expression.Value(statePending)))).
		Build()
	if err != nil {
		return
	}
	_, _ = s.db().DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName:                 aws.String(s.table),
		Key:                       itemKey(rec.PK, rec.SK),
		ConditionExpression:       expr.Condition(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
	})
}
