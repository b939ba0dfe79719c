package store

import (
	"context"
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

// ChangeSet is one answer to a client that synchronizes: the todos
// created or changed since its token, in full, and the ids of those
// deleted, in the order the changes were made.
type ChangeSet struct {
	Items      []todo.Todo
	DeletedIDs []string
	// Token is what the client sends next.
	Token string
	// HasMore says that more changes are waiting: call again at once.
	HasMore bool
}

// Changes returns owner's changes since token (empty: from the
// beginning, every live todo and no deletion), at most limit of them.
//
// # No change is missed
//
// Every write of a todo (create, update, delete) takes the user's next
// sequence number in one transaction with the user's counters, under the
// condition that the counter is still where the write read it: DynamoDB's
// transactions are serializable, so the writes of one user commit one at
// a time, in the order of their numbers, and each leaves its number on the
// item it wrote (the todo, or the tombstone of a deleted one) in the index
// keys.BySeq. A write stamped by a clock could commit after a reader has
// passed its stamp; a number cannot be passed that way. Changes first
// reads the counter, seq C, consistently: every write numbered up to C has
// committed by then, and every later write commits after. It then reads
// the index from the token's number up to C, strongly consistent, so it
// sees each of those writes, and hands out a token at C (or at the last
// change it returned, when the page is full), after which the next call
// starts. A write numbered above C is after the token and comes then. An
// item written several times holds only its last number, so it comes
// once, as it is now, in the first answer whose range holds that number.
//
// # Deletions
//
// A tombstone records a deletion for the store's tombstone TTL. A token
// carries the time from which it vouches for the tombstones: the write
// time of the last change it covers, or the time the counter was read,
// less a minute for the clocks of the functions that wrote them. Once
// that is further back than the TTL, a deletion after the token may have
// expired unseen, and the token is errkind.ErrSyncTokenExpired.
//
// IAM: dynamodb:Query
// IAM keys: USER#*
func (s *Store) Changes(ctx context.Context, owner, token string, limit int) (ChangeSet, error) {
	pk := keys.UserPK(owner)
	now := s.now()
	var from syncToken
	if token != "" {
		var err error
		if from, err = decodeSyncToken(pk, token); err != nil {
			return ChangeSet{}, err
		}
		if now.Sub(time.UnixMilli(from.Since)) >= s.tombstoneTTL {
			return ChangeSet{}, errkind.ErrSyncTokenExpired
		}
	}
	c, err := s.readCounters(ctx, owner)
	if err != nil {
		return ChangeSet{}, err
	}
	if from.Seq > c.Seq {
		return ChangeSet{}, errkind.ErrInvalidSyncToken
	}
	readAt := now.Add(-clockSkew).UnixMilli()
	out := ChangeSet{Items: []todo.Todo{}, DeletedIDs: []string{}}
	next := syncToken{PK: pk, Seq: c.Seq, Since: readAt}
	if from.Seq < c.Seq {
		key := expression.Key("PK").Equal(expression.Value(pk)).
			And(expression.Key(keys.SeqKeyAttr).Between(expression.Value(keys.SeqKey(from.Seq+1)), expression.Value(keys.SeqKey(c.Seq))))
		expr, err := expression.NewBuilder().WithKeyCondition(key).Build()
		if err != nil {
			return ChangeSet{}, fmt.Errorf("store: build query: %w", err)
		}
		in := &dynamodb.QueryInput{
			TableName:                 aws.String(s.table),
			IndexName:                 aws.String(keys.BySeq),
			KeyConditionExpression:    expr.KeyCondition(),
			ExpressionAttributeNames:  expr.Names(),
			ExpressionAttributeValues: expr.Values(),
			ScanIndexForward:          aws.Bool(true),
			ConsistentRead:            aws.Bool(true),
		}
		var items []map[string]types.AttributeValue
		for len(items) <= limit {
			in.Limit = aws.Int32(int32(limit + 1 - len(items)))
			page, err := s.db().Query(ctx, in)
			if err != nil {
				return ChangeSet{}, classify(err)
			}
			items = append(items, page.Items...)
			if page.LastEvaluatedKey == nil {
				break
			}
			in.ExclusiveStartKey = page.LastEvaluatedKey
		}
		if len(items) > limit {
			items, out.HasMore = items[:limit], true
		}
		for _, item := range items {
			var ch change
			if err := attributevalue.UnmarshalMap(item, &ch); err != nil {
				return ChangeSet{}, fmt.Errorf("store: unmarshal change: %w", err)
			}
			if ch.Type == typeTombstone {
				// A client syncing from nothing has none of the deleted.
				if token != "" {
					out.DeletedIDs = append(out.DeletedIDs, ch.ID)
				}
			} else {
				t, err := s.decodeTodo(item)
				if err != nil {
					return ChangeSet{}, err
				}
				out.Items = append(out.Items, t)
			}
			if out.HasMore {
				seq, ok := keys.SeqOf(ch.SeqKey)
				at, err := ch.writtenAt()
				if !ok || err != nil {
					return ChangeSet{}, fmt.Errorf("store: change %q of %s: unreadable number or time: %v", ch.SeqKey, pk, err)
				}
				next.Seq, next.Since = seq, at.Add(-clockSkew).UnixMilli()
			}
		}
	}
	out.Token = encodeSyncToken(next)
	return out, nil
}

// clockSkew is how far the clocks of the functions that stamp writes may
// be from the one that reads them, and then some.
const clockSkew = time.Minute

// change is what Changes reads of a todo or a tombstone.
type change struct {
	Type      string `dynamodbav:"type"`
	ID        string `dynamodbav:"id"`
	SeqKey    string `dynamodbav:"seqKey"`
	UpdatedAt string `dynamodbav:"updatedAt"`
	DeletedAt string `dynamodbav:"deletedAt"`
}

// writtenAt is when the change was made, by the clock of the function
// that made it.
func (c change) writtenAt() (time.Time, error) {
	at := c.UpdatedAt
	if c.Type == typeTombstone {
		at = c.DeletedAt
	}
	return time.Parse(time.RFC3339Nano, at)
}

// syncToken is where a client's next sync starts: after the write with
// number Seq, vouching for the tombstones of deletions since Since (Unix
// milliseconds). Like a cursor it names the partition, so that another
// user's token is refused.
type syncToken struct {
	PK    string `json:"pk"`
	Seq   int64  `json:"seq"`
	Since int64  `json:"since"`
}

func encodeSyncToken(t syncToken) string { return encodeOpaque(t) }

// decodeSyncToken returns the token s names, or
// errkind.ErrInvalidSyncToken unless it is a token of partition pk.
func decodeSyncToken(pk, s string) (syncToken, error) {
	var t syncToken
	if !decodeOpaque(s, &t) || t.PK != pk || t.Seq < 0 || t.Since <= 0 {
		return syncToken{}, errkind.ErrInvalidSyncToken
	}
	return t, nil
}
