package store

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/example/serverless-todo/pkg/errkind"
	"github.com/example/serverless-todo/pkg/keys"
)

// counters is a user's COUNTERS item: how many todos they keep, and the
// sequence number of the last write of one of their todos. Once the
// account is deleted it is the account's marker (DeletedAt set), which
// every write of the user's data checks in its own transaction: see
// DeleteAccount.
type counters struct {
	Todos     int    `dynamodbav:"todos"`
	Seq       int64  `dynamodbav:"seq"`
	DeletedAt string `dynamodbav:"deletedAt,omitempty"`
}

// readCounters reads owner's counters, consistently; zero when the user
// has none yet, errkind.ErrAccountDeleted once the account is deleted.
//
// IAM: dynamodb:GetItem
// IAM keys: USER#*
func (s *Store) readCounters(ctx context.Context, owner string) (counters, error) {
	out, err := s.db().GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      aws.String(s.table),
		Key:            itemKey(keys.UserPK(owner), keys.CountersSK),
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return counters{}, classify(err)
	}
	var c counters
	if err := attributevalue.UnmarshalMap(out.Item, &c); err != nil {
		return counters{}, fmt.Errorf("store: unmarshal counters: %w", err)
	}
	if c.DeletedAt != "" {
		return counters{}, errkind.ErrAccountDeleted
	}
	return c, nil
}

// counterUpdate is the change a write of one of owner's todos makes to
// their counters, in the write's own transaction: the sequence number
// moves from prev to prev+1, under the condition that it is still prev,
// and the count of todos by delta. With maxTodos above 0 it also holds
// only while the count is below maxTodos, so that a user never keeps
// more, and only while the account is not deleted. A failed condition
// returns the counters (ALL_OLD), for counterFailure to tell a lost race
// from a full quota or a deleted account.
func (s *Store) counterUpdate(owner string, prev int64, delta, maxTodos int) (*types.Update, error) {
	seq, todos := expression.Name("seq"), expression.Name("todos")
	update := expression.Set(seq, expression.Value(prev+1)).
		Set(expression.Name("type"), expression.Value(typeCounters))
	if delta != 0 {
		update = update.Add(todos, expression.Value(delta))
	}
	cond := seq.Equal(expression.Value(prev))
	if prev == 0 {
		cond = expression.AttributeNotExists(seq)
	}
	if maxTodos > 0 {
		cond = cond.And(expression.AttributeNotExists(todos).Or(todos.LessThan(expression.Value(maxTodos))))
	}
	cond = cond.And(expression.AttributeNotExists(expression.Name("deletedAt")))
	expr, err := expression.NewBuilder().WithUpdate(update).WithCondition(cond).Build()
	if err != nil {
		return nil, fmt.Errorf("store: build update: %w", err)
	}
	return &types.Update{
		TableName:                           aws.String(s.table),
		Key:                                 itemKey(keys.UserPK(owner), keys.CountersSK),
		UpdateExpression:                    expr.Update(),
		ConditionExpression:                 expr.Condition(),
		ExpressionAttributeNames:            expr.Names(),
		ExpressionAttributeValues:           expr.Values(),
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	}, nil
}

// errSeqMoved is a write that lost the race for the user's next sequence
// number: another write of theirs committed between the read of the
// counters and this write's transaction. The write reads them again.
var errSeqMoved = errors.New("store: the user's sequence number moved")

// counterFailure is what the failed condition of counterUpdate, at prev,
// means: errSeqMoved when the sequence number is no longer prev, else
// errkind.ErrQuotaReached.
func counterFailure(r types.CancellationReason, prev int64) error {
	if _, deleted := r.Item["deletedAt"]; deleted {
		return errkind.ErrAccountDeleted
	}
	if v, ok := r.Item["seq"].(*types.AttributeValueMemberN); ok && v.Value == strconv.FormatInt(prev, 10) {
		return errkind.ErrQuotaReached
	}
	if _, ok := r.Item["seq"]; !ok && prev == 0 && len(r.Item) > 0 {
		return errkind.ErrQuotaReached
	}
	return errSeqMoved
}

// writeAttempts bounds how often a write of a todo reads the counters
// again after losing the race for the next sequence number, or after a
// transaction in its way; the pauses between them grow from pauseBase to
// pauseCap, about two seconds in all at most, well within a function's
// timeout.
const (
	writeAttempts = 12
	pauseBase     = 4 * time.Millisecond
	pauseCap      = 250 * time.Millisecond
)

// backOff waits before the attempt-th try of a call (none before the
// first): a random pause that grows with each attempt from pauseBase to
// pauseCap (full jitter), so that calls that collided spread out. An end
// of ctx first is its error, classified.
func backOff(ctx context.Context, attempt int) error {
	if attempt == 0 {
		return nil
	}
	select {
	case <-ctx.Done():
		return classify(ctx.Err())
	case <-time.After(time.Duration(rand.Int64N(int64(min(pauseCap, pauseBase<<attempt))))):
		return nil
	}
}

// sequenced runs write with the user's counters as they are now, again
// when it reports errSeqMoved or a transaction conflict, after a random
// pause that grows with each attempt (full jitter), so that writes that
// collided spread out: the writes of one user take their sequence numbers
// one at a time, and each commits with its own. It gives up with
// errkind.ErrConflict, when nothing was written.
func (s *Store) sequenced(ctx context.Context, owner string, write func(c counters) error) error {
	for attempt := range writeAttempts {
		if err := backOff(ctx, attempt); err != nil {
			return err
		}
		c, err := s.readCounters(ctx, owner)
		if err != nil {
			return err
		}
		err = write(c)
		if !errors.Is(err, errSeqMoved) && !isConflict(err) {
			return err
		}
	}
	return errkind.ErrConflict
}
