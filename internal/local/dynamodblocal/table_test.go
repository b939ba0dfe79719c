package dynamodblocal_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/example/serverless-todo/internal/local/dynamodblocal"
	"github.com/example/serverless-todo/internal/local/samtemplate"
	"github.com/example/serverless-todo/internal/testkit/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// TestCreateTableMakesTheTemplatesTable creates the table in DynamoDB Local
// from the template alone and reads back what DynamoDB made of it.
func TestCreateTableMakesTheTemplatesTable(t *testing.T) {
	tpl, err := samtemplate.Load(filepath.Join("..", "samtemplate", "testdata", "app.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	tables, err := tpl.Tables()
	if err != nil {
		t.Fatal(err)
	}
	def := tables[0]
	ctx := context.Background()
	client := dbtest.Client(t)
	name := "dynamodblocal-" + strings.ToLower(rand.Text())
	if err := dynamodblocal.CreateTable(ctx, client, def, name); err != nil {
		t.Fatalf("CreateTable: %v", err)
	}
	t.Cleanup(func() {
		_, _ = client.DeleteTable(context.Background(), &dynamodb.DeleteTableInput{TableName: aws.String(name)})
	})
	desc := &dynamodb.DescribeTableInput{TableName: aws.String(name)}
	out, err := client.DescribeTable(ctx, desc)
	if err != nil {
		t.Fatal(err)
	}
	var keys, attrs []string
	for _, k := range out.Table.KeySchema {
		keys = append(keys, aws.ToString(k.AttributeName)+" "+string(k.KeyType))
	}
	for _, a := range out.Table.AttributeDefinitions {
		attrs = append(attrs, aws.ToString(a.AttributeName)+" "+string(a.AttributeType))
	}
	sort.Strings(attrs)
	if want := []string{"PK HASH", "SK RANGE"}; !reflect.DeepEqual(keys, want) {
		t.Errorf("key schema = %v, want %v", keys, want)
	}
	if want := []string{"PK S", "SK S", "byName S"}; !reflect.DeepEqual(attrs, want) {
		t.Errorf("attribute definitions = %v, want %v", attrs, want)
	}
	var indexes []string
	for _, ix := range out.Table.LocalSecondaryIndexes {
		var ks []string
		for _, k := range ix.KeySchema {
			ks = append(ks, aws.ToString(k.AttributeName)+" "+string(k.KeyType))
		}
		indexes = append(indexes, fmt.Sprintln(aws.ToString(ix.IndexName), ks, ix.Projection.ProjectionType, ix.Projection.NonKeyAttributes))
	}
	if want := []string{"ByName [PK HASH byName RANGE] INCLUDE [name]\n"}; !reflect.DeepEqual(indexes, want) {
		t.Errorf("local secondary indexes = %v, want %v", indexes, want)
	}
	if s := out.Table.BillingModeSummary; s == nil || s.BillingMode != types.BillingModePayPerRequest {
		t.Errorf("billing mode = %+v, want PAY_PER_REQUEST", s)
	}
	got, err := client.DescribeTimeToLive(ctx, &dynamodb.DescribeTimeToLiveInput{TableName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	if d := got.TimeToLiveDescription; d == nil || aws.ToString(d.AttributeName) != "expiresAt" || d.TimeToLiveStatus != types.TimeToLiveStatusEnabled {
		t.Errorf("time to live = %+v, want expiresAt ENABLED", d)
	}
}

func TestUpdateTimeToLiveInputIsNilWithoutATimeToLive(t *testing.T) {
	src := "Resources:\n  T:\n    Type: AWS::DynamoDB::Table\n    Properties:\n      KeySchema: [{AttributeName: PK, KeyType: HASH}]\n"
	tpl, err := samtemplate.Parse([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	tables, err := tpl.Tables()
	if err != nil {
		t.Fatal(err)
	}
	if in := dynamodblocal.UpdateTimeToLiveInput(tables[0], "t"); in != nil {
		t.Errorf("UpdateTimeToLiveInput = %+v, want nil", in)
	}
}
