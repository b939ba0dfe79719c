// Package store keeps todos, idempotency records and contact messages in the
// one DynamoDB table (package keys describes its layout).
//
// Each method is one DynamoDB call, or for an idempotent create a lock and a
// transaction, for a delete a transaction that leaves a tombstone, and for
// an update a read and a write conditional on the version read.
// Conditions inside the writes enforce versions, existence and idempotency,
// so concurrent requests cannot slip between a check and a write. Errors are this package's sentinel errors;
// errkind.ErrUnavailable wraps anything a retry may fix.
//
// # Retried writes
//
// The SDK retries a call that got no answer: a timeout, a dropped
// connection, a 500 from DynamoDB. The first attempt may have committed, and
// then the retry of a conditional write fails its own condition: a create
// finds the todo it made, a PATCH with If-Match finds the version it wrote.
// So every conditional write stores a write ID with what it writes and asks
// for the item back when its condition fails (ALL_OLD): an item that holds
// the write's own ID is its own earlier attempt, and the write answers as
// that attempt would have. Only a write that truly lost to another gets
// errkind.ErrNotFound, errkind.ErrVersionMismatch or errkind.ErrIdempotencyKeyReused.
//
// A write ID is random, except where a client's retry of the same request
// must be recognised too: a PATCH or a DELETE with If-Match derives it from
// the todo, the version and the change, so the same request finds its own
// earlier success. (An Idempotency-Key does the same for a create.)
// Transactions carry the SDK's ClientRequestToken, which DynamoDB already
// answers idempotently across the SDK's retries.
//
// When every attempt went unanswered, nobody knows whether the write was
// made: the error is errkind.ErrOutcomeUnknown (which is also errkind.ErrUnavailable), and
// the client must retry the same request to find out.
//
// # Sync: no change missed, none out of order
//
// Every write of a user's todo (create, update, delete) takes the user's
// next sequence number in one transaction with the user's counters,
// under the condition that the counter still holds the number the write
// read; a write that lost that race reads it again (sequenced). DynamoDB's
// transactions are serializable, so one user's writes commit one at a
// time, in the order of their numbers, and each leaves its number on the
// item it wrote (the todo, or the tombstone of a deleted one), which the
// index keys.BySeq orders. Changes reads the counter first, strongly
// consistent: every write numbered up to it has committed, and every
// later one will commit after. Then it reads the index from the client's
// token up to that number, strongly consistent too, so it sees each of
// those writes, and the token it hands out stands after the last number
// it covered. A write stamped with a clock could commit after a reader
// passed its stamp, and be missed for good; a number cannot, since it is
// taken in the write's own commit. An item written several times keeps
// only its last number, so it comes once, as it is now. Changes says the
// rest, tombstones and their time included.
package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/example/serverless-todo/pkg/attachment"
	"github.com/example/serverless-todo/pkg/errkind"
	"github.com/example/serverless-todo/pkg/keys"
	"github.com/example/serverless-todo/pkg/todo"
)

// DefaultTombstoneTTL is how long the tombstone of a deleted todo is kept
// unless WithTombstoneTTL says otherwise: a retry of the delete within it
// finds that it was made, and a client syncing within it learns of the
// deletion.
const DefaultTombstoneTTL = 30 * 24 * time.Hour

// Item types, stored in each item's type attribute so that a look at the
// table (or an export) tells the items apart without parsing keys.
const (
	typeTodo         = "todo"
	typeTombstone    = "tombstone"
	typeIdempotency  = "idempotency"
	typeContact      = "contact"
	typeContactLimit = "contactLimit"
	typeCounters     = "counters"
)

// Store is the table. Build it once per process with New, or Open.
type Store struct {
	client       *dynamodb.Client
	table        string
	now          func() time.Time
	tombstoneTTL time.Duration
	// warmed is closed when the connection Open warms up is ready; nil
	// for a store that does not warm.
	warmed chan struct{}
}

// db returns the client for a call, once the warm-up Open started is done
// (at most a second): the first call then uses the connection it opened
// rather than dial one of its own beside it.
func (s *Store) db() *dynamodb.Client {
	if s.warmed != nil {
		<-s.warmed
	}
	return s.client
}

// New returns the store of table, read and written through client.
func New(client *dynamodb.Client, table string) *Store {
	return &Store{client: client, table: table, now: time.Now, tombstoneTTL: DefaultTombstoneTTL}
}

// WithTombstoneTTL returns a copy of s that keeps tombstones for ttl.
func (s *Store) WithTombstoneTTL(ttl time.Duration) *Store {
	c := *s
	c.tombstoneTTL = ttl
	return &c
}

// TombstoneTTL is how long s keeps the tombstones of deleted todos.
func (s *Store) TombstoneTTL() time.Duration { return s.tombstoneTTL }

// WithClock returns a copy of s that reads the time from now: tests use it
// to step past the 24 hours an idempotency record lives.
func (s *Store) WithClock(now func() time.Time) *Store {
	c := *s
	c.now = now
	return &c
}

// todoItem is a todo as stored: the todo's attributes beside its keys, its
// keys in the indexes, and the ID of the write that made it as it is.
type todoItem struct {
	PK      string `dynamodbav:"PK"`
	SK      string `dynamodbav:"SK"`
	Type    string `dynamodbav:"type"`
	WriteID string `dynamodbav:"writeId"`
	// Its sort keys in the local secondary indexes (package keys).
	StatusKey    string `dynamodbav:"statusKey"`
	DueKey       string `dynamodbav:"dueKey"`
	StatusDueKey string `dynamodbav:"statusDueKey"`
	SeqKey       string `dynamodbav:"seqKey"`
	todo.Todo
}

// newTodoItem is the item of owner's todo t, written by writeID as the
// user's write number seq. Every write of a todo makes its item here, so
// its index keys always follow its fields.
func newTodoItem(owner string, t todo.Todo, writeID string, seq int64) todoItem {
	return todoItem{
		PK: keys.UserPK(owner), SK: keys.TodoSK(t.ID), Type: typeTodo, WriteID: writeID,
		StatusKey:    keys.StatusKey(t.Done, t.ID),
		DueKey:       keys.DueKey(t.DueAt, t.ID),
		StatusDueKey: keys.StatusDueKey(t.Done, t.DueAt, t.ID),
		SeqKey:       keys.SeqKey(seq),
		Todo:         t,
	}
}

// tombstoneItem is what a deleted todo leaves behind, until ExpiresAt (Unix
// seconds, the table's TTL attribute).
type tombstoneItem struct {
	PK        string `dynamodbav:"PK"`
	SK        string `dynamodbav:"SK"`
	Type      string `dynamodbav:"type"`
	ID        string `dynamodbav:"id"`
	DeletedAt string `dynamodbav:"deletedAt"`
	WriteID   string `dynamodbav:"writeId"`
	ExpiresAt int64  `dynamodbav:"expiresAt"`
	// SeqKey puts the deletion in the user's changes (keys.BySeq).
	SeqKey string `dynamodbav:"seqKey"`
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

// PutTodo stores a new todo of owner, and counts it: when owner keeps
// maxTodos todos already (0 for no limit), it stores nothing and returns
// errkind.ErrQuotaReached. A retry that finds the todo its first attempt
// stored succeeds, without counting it twice.
//
// IAM: dynamodb:PutItem, dynamodb:UpdateItem
// IAM keys: USER#*
func (s *Store) PutTodo(ctx context.Context, owner string, t todo.Todo, maxTodos int) error {
	writeID := newWriteID()
	return s.sequenced(ctx, owner, func(c counters) error {
		put, count, err := s.newTodoWrite(owner, t, writeID, c, maxTodos)
		if err != nil {
			return err
		}
		_, err = s.db().TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{
			TransactItems: []types.TransactWriteItem{{Put: put}, {Update: count}},
		})
		var canceled *types.TransactionCanceledException
		if errors.As(err, &canceled) && len(canceled.CancellationReasons) == 2 {
			reasons := canceled.CancellationReasons
			switch {
			case aws.ToString(reasons[0].Code) == conditionalCheckFailed && writeIDOf(reasons[0].Item) == writeID:
				return nil
			case aws.ToString(reasons[1].Code) == conditionalCheckFailed:
				return counterFailure(reasons[1], c.Seq)
			}
		}
		return classifyWrite(err)
	})
}

// newTodoWrite is the transaction's part of a new todo by writeID, with
// the user's counters c as read: the todo's put, as the user's next write,
// and the counters' update, which counts it within maxTodos. The put's
// condition only fails for a retry of this very write, or if a ULID
// repeats, and then the write must fail rather than replace a todo.
func (s *Store) newTodoWrite(owner string, t todo.Todo, writeID string, c counters, maxTodos int) (*types.Put, *types.Update, error) {
	put, err := s.newPut(newTodoItem(owner, t, writeID, c.Seq+1), expression.AttributeNotExists(expression.Name("PK")))
	if err != nil {
		return nil, nil, err
	}
	count, err := s.counterUpdate(owner, c.Seq, 1, maxTodos)
	return put, count, err
}

// newPut is the conditional write of an item: it holds only under cond, and
// a failed condition returns the item that made it fail (ALL_OLD), for the
// caller to tell its own earlier attempt or an existing record from it.
func (s *Store) newPut(item any, cond expression.ConditionBuilder) (*types.Put, error) {
	av, err := attributevalue.MarshalMap(item)
	if err != nil {
		return nil, fmt.Errorf("store: marshal item: %w", err)
	}
	expr, err := expression.NewBuilder().WithCondition(cond).Build()
	if err != nil {
		return nil, fmt.Errorf("store: build condition: %w", err)
	}
	return &types.Put{
		TableName:                           aws.String(s.table),
		Item:                                av,
		ConditionExpression:                 expr.Condition(),
		ExpressionAttributeNames:            expr.Names(),
		ExpressionAttributeValues:           expr.Values(),
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	}, nil
}

// put makes a write of newPut on its own, outside a transaction; it
// reaches the partitions its callers build the item for.
//
// IAM: dynamodb:PutItem
// IAM keys: USER#*
func (s *Store) put(ctx context.Context, p *types.Put) error {
	_, err := s.db().PutItem(ctx, &dynamodb.PutItemInput{
		TableName:                           p.TableName,
		Item:                                p.Item,
		ConditionExpression:                 p.ConditionExpression,
		ExpressionAttributeNames:            p.ExpressionAttributeNames,
		ExpressionAttributeValues:           p.ExpressionAttributeValues,
		ReturnValuesOnConditionCheckFailure: p.ReturnValuesOnConditionCheckFailure,
	})
	return err
}

// GetTodo returns the todo id of owner, read consistently so that a client
// sees its own writes at once.
func (s *Store) GetTodo(ctx context.Context, owner, id string) (todo.Todo, error) {
	item, err := s.getTodoItem(ctx, owner, id)
	if err != nil {
		return todo.Todo{}, err
	}
	return s.decodeTodo(item)
}

// getTodoItem reads the item of the todo id of owner, consistently;
// errkind.ErrNotFound when there is none.
//
// IAM: dynamodb:GetItem
// IAM keys: USER#*
func (s *Store) getTodoItem(ctx context.Context, owner, id string) (map[string]types.AttributeValue, error) {
	out, err := s.db().GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      aws.String(s.table),
		Key:            todoKey(owner, id),
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return nil, classify(err)
	}
	if out.Item == nil {
		return nil, errkind.ErrNotFound
	}
	return out.Item, nil
}

// decodeTodo reads a todo from its item, without the pending attachments
// that expired by now: their uploads never came (attachment.Live). The
// next write of the todo leaves them out of its item.
func (s *Store) decodeTodo(item map[string]types.AttributeValue) (todo.Todo, error) {
	var t todo.Todo
	if err := attributevalue.UnmarshalMap(item, &t); err != nil {
		return todo.Todo{}, fmt.Errorf("store: unmarshal todo: %w", err)
	}
	if t.Attachments != nil {
		t.Attachments = attachment.Live(t.Attachments, s.now())
	}
	return t, nil
}

// UpdateTodo applies a validated patch to the todo id of owner and returns
// the todo as it is now. It reads the todo, applies the patch, and writes
// the whole item back under the condition that it is still at the version
// read, so that the index keys computed from the todo (a done todo moves
// to the done listing, a new due date to its place) always agree with it.
// A missing todo is errkind.ErrNotFound (never an upsert) and, when
// ifVersion is not zero, a todo at another version is
// errkind.ErrVersionMismatch. Without ifVersion, a write that another
// came between reads the todo again, a few times before it gives up with
// errkind.ErrConflict. A retry of the same patch at the same ifVersion, by
// the SDK or by the client, finds the todo as its first attempt left it
// and returns that. The write takes the user's next sequence number, in
// one transaction with the user's counters, as every write of a todo does
// (see Changes).
func (s *Store) UpdateTodo(ctx context.Context, owner, id string, p *todo.Patch, ifVersion int64) (todo.Todo, error) {
	writeID := newWriteID()
	if ifVersion != 0 {
		change, err := json.Marshal(p)
		if err != nil {
			return todo.Todo{}, fmt.Errorf("store: marshal patch: %w", err)
		}
		writeID = requestWriteID("update", id, strconv.FormatInt(ifVersion, 10), string(change))
	}
	return s.changeTodo(ctx, owner, id, writeID, ifVersion, func(cur todo.Todo, now time.Time) (todo.Todo, error) {
		return p.Apply(cur, now), nil
	})
}

// errUnchanged, from the change of changeTodo, leaves the todo as it is:
// nothing is written, and the todo is returned as read.
var errUnchanged = errors.New("store: unchanged")

// changeTodo is every change of an existing todo: it reads the todo,
// makes next of it with change (one version on), and writes the whole
// item back at the user's next sequence number, under the condition that
// the todo is still at the version read; see UpdateTodo for what the
// conditions, ifVersion and writeID mean. An error of change is returned
// as it is, after nothing was written, but errUnchanged, which returns the
// todo as read.
//
// IAM: dynamodb:PutItem, dynamodb:UpdateItem
// IAM keys: USER#*
func (s *Store) changeTodo(ctx context.Context, owner, id, writeID string, ifVersion int64, change func(cur todo.Todo, now time.Time) (todo.Todo, error)) (todo.Todo, error) {
	var result todo.Todo
	err := s.sequenced(ctx, owner, func(c counters) error {
		item, err := s.getTodoItem(ctx, owner, id)
		if err != nil {
			return err
		}
		cur, err := s.decodeTodo(item)
		if err != nil {
			return err
		}
		switch {
		case writeIDOf(item) == writeID:
			result = cur
			return nil
		case ifVersion != 0 && cur.Version != ifVersion:
			return errkind.ErrVersionMismatch
		}
		next, err := change(cur, s.now())
		if errors.Is(err, errUnchanged) {
			result = cur
			return nil
		}
		if err != nil {
			return err
		}
		put, err := s.newPut(newTodoItem(owner, next, writeID, c.Seq+1), versionCondition(cur.Version))
		if err != nil {
			return err
		}
		count, err := s.counterUpdate(owner, c.Seq, 0, 0)
		if err != nil {
			return err
		}
		_, err = s.db().TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{
			TransactItems: []types.TransactWriteItem{{Put: put}, {Update: count}},
		})
		if err == nil {
			result = next
			return nil
		}
		var canceled *types.TransactionCanceledException
		if errors.As(err, &canceled) && len(canceled.CancellationReasons) == 2 {
			todoReason, counterReason := canceled.CancellationReasons[0], canceled.CancellationReasons[1]
			todoFailed := aws.ToString(todoReason.Code) == conditionalCheckFailed
			switch {
			case todoFailed && writeIDOf(todoReason.Item) == writeID:
				result, err = s.decodeTodo(todoReason.Item)
				return err
			case todoFailed && len(todoReason.Item) == 0:
				return errkind.ErrNotFound
			case todoFailed && ifVersion != 0:
				return errkind.ErrVersionMismatch
			case todoFailed, aws.ToString(counterReason.Code) == conditionalCheckFailed:
				// Another write came between the reads and this one.
				return errSeqMoved
			}
		}
		return classifyWrite(err)
	})
	return result, err
}

// DeleteTodo deletes the todo id of owner, under the same conditions as
// UpdateTodo, leaves a tombstone in its place for the store's tombstone
// TTL, takes it off owner's count of todos, and returns the todo as it
// was, whose attachments' objects the caller then deletes. It reads the
// todo first and deletes it at the version read, so that what it returns
// is what it deleted: an attachment added in between makes it read again.
// The tombstone holds the delete's write ID: a retry that finds no todo
// reads it to tell its own earlier delete (success, with a zero todo when
// that was another request's attempt) from another's (errkind.ErrNotFound).
//
// IAM: dynamodb:DeleteItem, dynamodb:PutItem, dynamodb:UpdateItem
// IAM keys: USER#*
func (s *Store) DeleteTodo(ctx context.Context, owner, id string, ifVersion int64) (todo.Todo, error) {
	writeID := newWriteID()
	if ifVersion != 0 {
		writeID = requestWriteID("delete", id, strconv.FormatInt(ifVersion, 10))
	}
	var deleted todo.Todo
	err := s.sequenced(ctx, owner, func(c counters) error {
		deleted = todo.Todo{}
		item, err := s.getTodoItem(ctx, owner, id)
		if errors.Is(err, errkind.ErrNotFound) {
			return s.deletedBy(ctx, owner, id, writeID)
		}
		if err != nil {
			return err
		}
		cur, err := s.decodeTodo(item)
		if err != nil {
			return err
		}
		if ifVersion != 0 && cur.Version != ifVersion {
			return errkind.ErrVersionMismatch
		}
		expr, err := expression.NewBuilder().WithCondition(versionCondition(cur.Version)).Build()
		if err != nil {
			return fmt.Errorf("store: build condition: %w", err)
		}
		now := s.now()
		tomb, err := attributevalue.MarshalMap(tombstoneItem{
			PK: keys.UserPK(owner), SK: keys.TombstoneSK(id), Type: typeTombstone, ID: id,
			DeletedAt: todo.Timestamp(now), WriteID: writeID, ExpiresAt: now.Add(s.tombstoneTTL).Unix(),
			SeqKey: keys.SeqKey(c.Seq + 1),
		})
		if err != nil {
			return fmt.Errorf("store: marshal tombstone: %w", err)
		}
		uncount, err := s.counterUpdate(owner, c.Seq, -1, 0)
		if err != nil {
			return err
		}
		_, err = s.db().TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{
			TransactItems: []types.TransactWriteItem{
				{Update: uncount},
				{Delete: &types.Delete{
					TableName:                           aws.String(s.table),
					Key:                                 todoKey(owner, id),
					ConditionExpression:                 expr.Condition(),
					ExpressionAttributeNames:            expr.Names(),
					ExpressionAttributeValues:           expr.Values(),
					ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
				}},
				{Put: &types.Put{TableName: aws.String(s.table), Item: tomb}},
			},
		})
		if err == nil {
			deleted = cur
			return nil
		}
		var canceled *types.TransactionCanceledException
		if errors.As(err, &canceled) && len(canceled.CancellationReasons) == 3 {
			reasons := canceled.CancellationReasons
			switch {
			case aws.ToString(reasons[1].Code) == conditionalCheckFailed && len(reasons[1].Item) != 0 && ifVersion != 0:
				return errkind.ErrVersionMismatch
			case aws.ToString(reasons[1].Code) == conditionalCheckFailed && len(reasons[1].Item) != 0:
				// Changed since the read: read it again.
				return errSeqMoved
			case aws.ToString(reasons[1].Code) == conditionalCheckFailed:
				if err := s.deletedBy(ctx, owner, id, writeID); err != nil {
					return err
				}
				// This delete's own earlier attempt, of the todo read.
				deleted = cur
				return nil
			case aws.ToString(reasons[0].Code) == conditionalCheckFailed:
				return errSeqMoved
			}
		}
		return classifyWrite(err)
	})
	return deleted, err
}

// deletedBy tells, for a delete that found no todo, whether the delete with
// writeID made it so (nil) or the todo was never there or deleted by
// another request (errkind.ErrNotFound).
//
// IAM: dynamodb:GetItem
// IAM keys: USER#*
func (s *Store) deletedBy(ctx context.Context, owner, id, writeID string) error {
	out, err := s.db().GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      aws.String(s.table),
		Key:            itemKey(keys.UserPK(owner), keys.TombstoneSK(id)),
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return classifyWrite(err)
	}
	if writeIDOf(out.Item) == writeID {
		return nil
	}
	return errkind.ErrNotFound
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
			return errkind.ErrNotFound
		}
		return errkind.ErrVersionMismatch
	}
	return classifyWrite(err)
}

// conditionalCheckFailed is the code of a transaction item whose condition
// failed.
const conditionalCheckFailed = "ConditionalCheckFailed"

// newWriteID returns a write ID of its own for one write.
func newWriteID() string { return rand.Text() }

// requestWriteID returns the write ID of a request that a client may send
// again: the same parts give the same ID.
func requestWriteID(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// writeIDOf returns the write ID an item holds, "" for none.
func writeIDOf(item map[string]types.AttributeValue) string {
	if v, ok := item["writeId"].(*types.AttributeValueMemberS); ok {
		return v.Value
	}
	return ""
}
