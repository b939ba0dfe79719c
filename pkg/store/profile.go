package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/example/serverless-todo/pkg/errkind"
	"github.com/example/serverless-todo/pkg/keys"
	"github.com/example/serverless-todo/pkg/profile"
)

// Item types of profiles and username claims.
const (
	typeProfile  = "profile"
	typeUsername = "username"
)

// profileItem is a profile as the table stores it, in its owner's
// partition.
type profileItem struct {
	PK   string `dynamodbav:"PK"`
	SK   string `dynamodbav:"SK"`
	Type string `dynamodbav:"type"`
	profile.Profile
}

// usernameItem is the claim on a username: the partition of the
// username's case-folded form, holding who owns it.
type usernameItem struct {
	PK    string `dynamodbav:"PK"`
	SK    string `dynamodbav:"SK"`
	Type  string `dynamodbav:"type"`
	Owner string `dynamodbav:"owner"`
}

// GetProfile returns owner's profile, read consistently, or
// errkind.ErrNotFound when they never wrote one.
//
// IAM: dynamodb:GetItem
// IAM keys: USER#*
func (s *Store) GetProfile(ctx context.Context, owner string) (profile.Profile, error) {
	out, err := s.db().GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      aws.String(s.table),
		Key:            itemKey(keys.UserPK(owner), keys.ProfileSK),
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return profile.Profile{}, classify(err)
	}
	if out.Item == nil {
		return profile.Profile{}, errkind.ErrNotFound
	}
	var it profileItem
	if err := attributevalue.UnmarshalMap(out.Item, &it); err != nil {
		return profile.Profile{}, fmt.Errorf("store: unmarshal profile: %w", err)
	}
	return it.Profile, nil
}

// profileAttempts bounds how often UpdateProfile without ifVersion reads
// the profile again after another write came between its read and its
// write.
const profileAttempts = 5

// UpdateProfile applies a valid patch to owner's profile, creating it when
// they have none, and returns the profile as stored. With ifVersion not
// zero, a profile at another version (or none) is
// errkind.ErrVersionMismatch; without, a write that another came between
// reads the profile again, a few times before errkind.ErrConflict.
//
// The profile's put, the claim on a new username and the release of the
// old one commit in one transaction, with a check that the account is not
// deleted: a username is never claimed without its owner's profile naming
// it, nor kept by a profile that no longer does. A username another user
// holds, in any case, is errkind.ErrUsernameTaken; a deleted account is
// errkind.ErrAccountDeleted. The transaction's ClientRequestToken makes
// the SDK's retries of it idempotent.
//
// IAM: dynamodb:PutItem, dynamodb:DeleteItem, dynamodb:ConditionCheckItem
// IAM keys: USER#*, USERNAME#*
func (s *Store) UpdateProfile(ctx context.Context, owner string, p *profile.Patch, ifVersion int64) (profile.Profile, error) {
	for range profileAttempts {
		old, err := s.GetProfile(ctx, owner)
		if err != nil && !errors.Is(err, errkind.ErrNotFound) {
			return profile.Profile{}, err
		}
		if ifVersion != 0 && old.Version != ifVersion {
			return profile.Profile{}, errkind.ErrVersionMismatch
		}
		updated := p.Apply(old, s.now())
		w, err := s.profileWrite(owner, old, updated)
		if err != nil {
			return profile.Profile{}, err
		}
		// The order kinds follows: the failure a failed condition of each
		// item means. A release that fails finds the old claim no longer
		// the profile's: the profile changed meanwhile.
		items := []types.TransactWriteItem{{ConditionCheck: w.alive}, {Put: w.profile}}
		kinds := []error{errkind.ErrAccountDeleted, errkind.ErrVersionMismatch}
		if w.claim != nil {
			items = append(items, types.TransactWriteItem{Put: w.claim})
			kinds = append(kinds, errkind.ErrUsernameTaken)
		}
		if w.release != nil {
			items = append(items, types.TransactWriteItem{Delete: w.release})
			kinds = append(kinds, errkind.ErrVersionMismatch)
		}
		_, err = s.db().TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{
			TransactItems:      items,
			ClientRequestToken: aws.String(newWriteID()),
		})
		var canceled *types.TransactionCanceledException
		if errors.As(err, &canceled) {
			switch why := profileFailure(canceled.CancellationReasons, kinds); {
			case errors.Is(why, errkind.ErrVersionMismatch) && ifVersion == 0:
				continue
			case why != nil:
				return profile.Profile{}, why
			}
		}
		if isConflict(err) {
			continue
		}
		if err != nil {
			return profile.Profile{}, classifyWrite(err)
		}
		return updated, nil
	}
	return profile.Profile{}, errkind.ErrConflict
}

// profileWrite is what takes owner's profile from old to updated: the
// check that the account is not deleted, the profile's put at old's
// version, and, when the username changes, the claim on the new one and
// the release of the old.
type profileWrite struct {
	alive   *types.ConditionCheck
	profile *types.Put
	claim   *types.Put
	release *types.Delete
}

func (s *Store) profileWrite(owner string, old, updated profile.Profile) (profileWrite, error) {
	var w profileWrite
	var err error
	if w.alive, err = s.accountAlive(owner); err != nil {
		return w, err
	}
	cond := expression.AttributeNotExists(expression.Name("PK"))
	if old.Version != 0 {
		cond = expression.Name("version").Equal(expression.Value(old.Version))
	}
	if w.profile, err = s.newPut(profileItem{PK: keys.UserPK(owner), SK: keys.ProfileSK, Type: typeProfile, Profile: updated}, cond); err != nil {
		return w, err
	}
	oldKey, newKey := profile.UsernameKey(old.Username), profile.UsernameKey(updated.Username)
	if newKey == oldKey {
		return w, nil
	}
	if newKey != "" {
		mine := expression.Name("owner").Equal(expression.Value(owner))
		w.claim, err = s.newPut(usernameItem{PK: keys.UsernamePK(newKey), SK: keys.UsernameSK, Type: typeUsername, Owner: owner},
			expression.AttributeNotExists(expression.Name("PK")).Or(mine))
		if err != nil {
			return w, err
		}
	}
	if oldKey != "" {
		if w.release, err = s.releaseUsername(owner, oldKey); err != nil {
			return w, err
		}
	}
	return w, nil
}

// profileFailure is why UpdateProfile's transaction was canceled: the
// kind of failure of its first item whose condition failed, from kinds,
// in the transaction's order; nil when no condition failed (a conflict,
// say).
func profileFailure(reasons []types.CancellationReason, kinds []error) error {
	for i, r := range reasons {
		if aws.ToString(r.Code) == conditionalCheckFailed && i < len(kinds) {
			return kinds[i]
		}
	}
	return nil
}

// releaseUsername is the delete of owner's claim on the username key,
// which holds only while the claim is theirs.
func (s *Store) releaseUsername(owner, key string) (*types.Delete, error) {
	expr, err := expression.NewBuilder().WithCondition(expression.Name("owner").Equal(expression.Value(owner))).Build()
	if err != nil {
		return nil, fmt.Errorf("store: build condition: %w", err)
	}
	return &types.Delete{
		TableName:                           aws.String(s.table),
		Key:                                 itemKey(keys.UsernamePK(key), keys.UsernameSK),
		ConditionExpression:                 expr.Condition(),
		ExpressionAttributeNames:            expr.Names(),
		ExpressionAttributeValues:           expr.Values(),
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	}, nil
}

// accountAlive is the check, in a transaction, that owner's account is not
// deleted: that their counters item has no deletedAt.
func (s *Store) accountAlive(owner string) (*types.ConditionCheck, error) {
	expr, err := expression.NewBuilder().WithCondition(expression.AttributeNotExists(expression.Name("deletedAt"))).Build()
	if err != nil {
		return nil, fmt.Errorf("store: build condition: %w", err)
	}
	return &types.ConditionCheck{
		TableName:                aws.String(s.table),
		Key:                      itemKey(keys.UserPK(owner), keys.CountersSK),
		ConditionExpression:      expr.Condition(),
		ExpressionAttributeNames: expr.Names(),
	}, nil
}
