package store

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/example/serverless-todo/pkg/contact"
	"github.com/example/serverless-todo/pkg/keys"
)

type contactItem struct {
	PK      string `dynamodbav:"PK"`
	SK      string `dynamodbav:"SK"`
	Type    string `dynamodbav:"type"`
	WriteID string `dynamodbav:"writeId"`
	contact.Message
}

// PutContact stores a new contact message. A retry that finds the message
// its first attempt stored succeeds.
func (s *Store) PutContact(ctx context.Context, m contact.Message) error {
	writeID := newWriteID()
	put, err := s.newPut(contactItem{PK: keys.ContactPK(m.ID), SK: keys.ContactSK, Type: typeContact, WriteID: writeID, Message: m},
		expression.AttributeNotExists(expression.Name("PK")))
	if err != nil {
		return err
	}
	if err := s.put(ctx, put); !madeBy(err, writeID) {
		return classifyWrite(err)
	}
	return nil
}

// SetContactNotified records whether the owner was told of message id and,
// if a notification failed, why. It sets the same values however often it
// runs, so a retry of it is harmless.
//
// IAM: dynamodb:UpdateItem
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
