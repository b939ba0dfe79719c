package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/example/serverless-todo/pkg/errkind"
	"github.com/example/serverless-todo/pkg/keys"
	"github.com/example/serverless-todo/pkg/profile"
)

// DeleteAccount marks owner's account deleted, at once: from then on no
// write of theirs commits (errkind.ErrAccountDeleted), whatever token it
// comes with, because every write of a user's data checks the mark in its
// own transaction. PurgeAccount then deletes what the account holds,
// which no write can add to any more. The mark is the user's counters item
// and carries nothing but the dates; it expires by TTL after keepFor,
// which must outlast every token issued before the deletion, so that
// none can write once it is gone. A user who never wrote has no counters
// until the mark creates them.
//
// With ifVersion not zero, the deletion holds only while the profile is
// at that version (errkind.ErrVersionMismatch otherwise): the client
// confirms it deletes the account it last saw. Deleting again keeps the
// first deletion's date.
//
// IAM: dynamodb:UpdateItem, dynamodb:ConditionCheckItem
// IAM keys: USER#*
func (s *Store) DeleteAccount(ctx context.Context, owner string, ifVersion int64, keepFor time.Duration) (deletedAt time.Time, err error) {
	now := s.now().UTC()
	deletedAtName := expression.Name("deletedAt")
	update := expression.Set(deletedAtName, expression.IfNotExists(deletedAtName, expression.Value(now.Format(time.RFC3339Nano)))).
		Set(expression.Name("expiresAt"), expression.Value(now.Add(keepFor).Unix())).
		Set(expression.Name("type"), expression.Value(typeCounters))
	expr, err := expression.NewBuilder().WithUpdate(update).Build()
	if err != nil {
		return time.Time{}, fmt.Errorf("store: build update: %w", err)
	}
	mark := &types.Update{
		TableName:                 aws.String(s.table),
		Key:                       itemKey(keys.UserPK(owner), keys.CountersSK),
		UpdateExpression:          expr.Update(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
	}
	if ifVersion == 0 {
		out, err := s.db().UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName: mark.TableName, Key: mark.Key, UpdateExpression: mark.UpdateExpression,
			ExpressionAttributeNames: mark.ExpressionAttributeNames, ExpressionAttributeValues: mark.ExpressionAttributeValues,
			ReturnValues: types.ReturnValueUpdatedNew,
		})
		if err != nil {
			return time.Time{}, classifyWrite(err)
		}
		if v, ok := out.Attributes["deletedAt"].(*types.AttributeValueMemberS); ok {
			if first, err := time.Parse(time.RFC3339Nano, v.Value); err == nil {
				return first, nil
			}
		}
		return now, nil
	}
	check, err := expression.NewBuilder().WithCondition(expression.Name("version").Equal(expression.Value(ifVersion))).Build()
	if err != nil {
		return time.Time{}, fmt.Errorf("store: build condition: %w", err)
	}
	_, err = s.db().TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{
		TransactItems: []types.TransactWriteItem{
			{ConditionCheck: &types.ConditionCheck{
				TableName:                 aws.String(s.table),
				Key:                       itemKey(keys.UserPK(owner), keys.ProfileSK),
				ConditionExpression:       check.Condition(),
				ExpressionAttributeNames:  check.Names(),
				ExpressionAttributeValues: check.Values(),
			}},
			{Update: mark},
		},
		ClientRequestToken: aws.String(newWriteID()),
	})
	var canceled *types.TransactionCanceledException
	if errors.As(err, &canceled) && len(canceled.CancellationReasons) > 0 && aws.ToString(canceled.CancellationReasons[0].Code) == conditionalCheckFailed {
		return time.Time{}, errkind.ErrVersionMismatch
	}
	return now, classifyWrite(err)
}

// Purge sizes: BatchWriteItem takes at most 25 deletes, and a few batches
// in flight at once keep a purge of thousands of items to seconds.
const (
	batchSize     = 25
	purgeParallel = 4
	purgeAttempts = 8
)

// PurgeAccount deletes, after DeleteAccount, up to limit of what owner's
// account holds: the claim on their username first (while the profile
// still names it), then every item of their partition but the mark (the
// todos, tombstones, idempotency records and the profile), read a page at
// a time and deleted in batches. It reports done when nothing is left
// but the mark, which it strips to its dates; otherwise the caller runs it
// again (another invocation) until it is. It is idempotent: a run that
// crashed half-way leaves the rest for the next one, and a run after done
// finds nothing to do. It refuses an account that is not marked deleted,
// so that a stray message can never purge a live one.
//
// IAM: dynamodb:Query
// IAM keys: USER#*, USERNAME#*
func (s *Store) PurgeAccount(ctx context.Context, owner string, limit int) (done bool, deleted int, err error) {
	if _, err := s.readCounters(ctx, owner); !errors.Is(err, errkind.ErrAccountDeleted) {
		if err != nil {
			return false, 0, err
		}
		return false, 0, fmt.Errorf("store: purge of %s, whose account is not deleted", owner)
	}
	if err := s.releaseProfileUsername(ctx, owner); err != nil {
		return false, 0, err
	}
	var start map[string]types.AttributeValue
	for deleted < limit {
		out, err := s.db().Query(ctx, &dynamodb.QueryInput{
			TableName:                 aws.String(s.table),
			KeyConditionExpression:    aws.String("PK = :pk"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":pk": &types.AttributeValueMemberS{Value: keys.UserPK(owner)}},
			ProjectionExpression:      aws.String("PK, SK"),
			ConsistentRead:            aws.Bool(true),
			ExclusiveStartKey:         start,
			Limit:                     aws.Int32(int32(min(1000, limit-deleted+1))),
		})
		if err != nil {
			return false, deleted, classify(err)
		}
		var doomed []map[string]types.AttributeValue
		for _, it := range out.Items {
			if sk, _ := it["SK"].(*types.AttributeValueMemberS); sk != nil && sk.Value == keys.CountersSK {
				continue
			}
			doomed = append(doomed, it)
		}
		if err := s.deleteAll(ctx, doomed); err != nil {
			return false, deleted, err
		}
		deleted += len(doomed)
		if out.LastEvaluatedKey == nil {
			return true, deleted, s.stripMark(ctx, owner)
		}
		start = out.LastEvaluatedKey
	}
	return false, deleted, nil
}

// releaseProfileUsername deletes the claim on the username owner's profile
// names, if the claim is still theirs.
//
// IAM: dynamodb:DeleteItem
// IAM keys: USER#*, USERNAME#*
func (s *Store) releaseProfileUsername(ctx context.Context, owner string) error {
	p, err := s.GetProfile(ctx, owner)
	if errors.Is(err, errkind.ErrNotFound) || (err == nil && p.Username == "") {
		return nil
	}
	if err != nil {
		return err
	}
	release, err := s.releaseUsername(owner, profile.UsernameKey(p.Username))
	if err != nil {
		return err
	}
	_, err = s.db().DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName: release.TableName, Key: release.Key, ConditionExpression: release.ConditionExpression,
		ExpressionAttributeNames: release.ExpressionAttributeNames, ExpressionAttributeValues: release.ExpressionAttributeValues,
	})
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		// Gone already (an earlier run), or never this user's.
		return nil
	}
	return classifyWrite(err)
}

// deleteAll deletes the items of the keys, purgeParallel batches at a time.
func (s *Store) deleteAll(ctx context.Context, items []map[string]types.AttributeValue) error {
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	sem := make(chan struct{}, purgeParallel)
	for i := 0; i < len(items); i += batchSize {
		batch := items[i:min(i+batchSize, len(items))]
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			if err := s.deleteBatch(ctx, batch); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// deleteBatch deletes up to 25 items in one BatchWriteItem, and what
// DynamoDB leaves unprocessed (throttled) again after a growing pause.
//
// IAM: dynamodb:BatchWriteItem
// IAM keys: USER#*
func (s *Store) deleteBatch(ctx context.Context, items []map[string]types.AttributeValue) error {
	reqs := make([]types.WriteRequest, len(items))
	for i, k := range items {
		reqs[i] = types.WriteRequest{DeleteRequest: &types.DeleteRequest{Key: k}}
	}
	for attempt := range purgeAttempts {
		if err := backOff(ctx, attempt); err != nil {
			return err
		}
		out, err := s.db().BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{s.table: reqs}})
		if err != nil {
			return classifyWrite(err)
		}
		if reqs = out.UnprocessedItems[s.table]; len(reqs) == 0 {
			return nil
		}
	}
	return fmt.Errorf("%w: %s items left unprocessed", errkind.ErrUnavailable, strconv.Itoa(len(reqs)))
}

// stripMark leaves in owner's mark only what refuses their writes: the
// counts and the sequence go with the data they counted.
//
// IAM: dynamodb:UpdateItem
// IAM keys: USER#*
func (s *Store) stripMark(ctx context.Context, owner string) error {
	_, err := s.db().UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                aws.String(s.table),
		Key:                      itemKey(keys.UserPK(owner), keys.CountersSK),
		UpdateExpression:         aws.String("REMOVE #seq, #todos"),
		ConditionExpression:      aws.String("attribute_exists(#deletedAt)"),
		ExpressionAttributeNames: map[string]string{"#seq": "seq", "#todos": "todos", "#deletedAt": "deletedAt"},
	})
	return classifyWrite(err)
}
