package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/example/serverless-todo/pkg/contact"
	"github.com/example/serverless-todo/pkg/errkind"
	"github.com/example/serverless-todo/pkg/keys"
)

type contactItem struct {
	PK      string `dynamodbav:"PK"`
	SK      string `dynamodbav:"SK"`
	Type    string `dynamodbav:"type"`
	WriteID string `dynamodbav:"writeId"`
	contact.Message
}

// ContactLimit caps the messages one sender may store in an hour.
type ContactLimit struct {
	// Sender is the keyed hash of the sender's IP address.
	Sender string
	// PerHour is how many messages the sender may store in one hour of
	// the clock, in UTC; at least 1.
	PerHour int
}

// contactLimitSlack keeps a limit's counter an hour past its own hour,
// since DynamoDB deletes expired items within days rather than at once
// and the counter must never be seen reset while its hour lasts.
const contactLimitSlack = time.Hour

// PutContact stores a new contact message, unless its sender has stored
// limit.PerHour messages in this hour (of m.CreatedAt): then it stores
// nothing and returns an errkind.ErrRateLimited that says, in an
// errkind.RetryAfter, when the hour ends. The message and the count
// change in one transaction, so a count never includes a message that was
// not stored. A retry that finds the message its first attempt stored
// succeeds, without counting it twice.
//
// IAM: dynamodb:PutItem, dynamodb:UpdateItem
// IAM keys: CONTACT#*, CONTACTLIMIT#*
func (s *Store) PutContact(ctx context.Context, m contact.Message, limit ContactLimit) error {
	writeID := newWriteID()
	put, err := s.newPut(contactItem{PK: keys.ContactPK(m.ID), SK: keys.ContactSK, Type: typeContact, WriteID: writeID, Message: m},
		expression.AttributeNotExists(expression.Name("PK")))
	if err != nil {
		return err
	}
	hour := m.CreatedAt.UTC().Truncate(time.Hour)
	count := expression.Name("count")
	expr, err := expression.NewBuilder().
		WithUpdate(expression.Add(count, expression.Value(1)).
			Set(expression.Name("type"), expression.Value(typeContactLimit)).
			Set(expression.Name("expiresAt"), expression.Value(hour.Add(time.Hour+contactLimitSlack).Unix()))).
		WithCondition(expression.AttributeNotExists(count).Or(count.LessThan(expression.Value(limit.PerHour)))).
		Build()
	if err != nil {
		return fmt.Errorf("store: build update: %w", err)
	}
	_, err = s.db().TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{
		TransactItems: []types.TransactWriteItem{
			{Put: put},
			{Update: &types.Update{
				TableName:                 aws.String(s.table),
				Key:                       itemKey(keys.ContactLimitPK(limit.Sender), keys.ContactLimitSK(hour)),
				UpdateExpression:          expr.Update(),
				ConditionExpression:       expr.Condition(),
				ExpressionAttributeNames:  expr.Names(),
				ExpressionAttributeValues: expr.Values(),
			}},
		},
	})
	var canceled *types.TransactionCanceledException
	if errors.As(err, &canceled) && len(canceled.CancellationReasons) == 2 {
		msg, lim := canceled.CancellationReasons[0], canceled.CancellationReasons[1]
		switch {
		case aws.ToString(msg.Code) == conditionalCheckFailed && writeIDOf(msg.Item) == writeID:
			return nil
		case aws.ToString(lim.Code) == conditionalCheckFailed:
			return &errkind.RetryAfter{Err: errkind.ErrRateLimited, After: hour.Add(time.Hour).Sub(m.CreatedAt)}
		}
	}
	return classifyWrite(err)
}

// SetContactNotified records whether the owner was told of message id and,
// if a notification failed, why. It sets the same values however often it
// runs, so a retry of it is harmless.
//
// IAM: dynamodb:UpdateItem
// IAM keys: CONTACT#*
func (s *Store) SetContactNotified(ctx context.Context, id string, notified bool, failure string) error {
	update := expression.Set(expression.Name("notified"), expression.Value(notified))
	if failure != "" {
		update = update.Set(expression.Name("notifyError"), expression.Value(failure))
	}
	expr, err := expression.NewBuilder().
		WithUpdate(update).
		WithCondition(expression.AttributeExists(expression.Name("PK"))).
		Build()
	if err != nil {
		return fmt.Errorf("store: build update: %w", err)
	}
	_, err = s.db().UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 aws.String(s.table),
		Key:                       itemKey(keys.ContactPK(id), keys.ContactSK),
		UpdateExpression:          expr.Update(),
		ConditionExpression:       expr.Condition(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
	})
	return conditionFailure(err)
}
