// Package dbtest gives a test package a real DynamoDB: DynamoDB Local,
// started once per test binary unless AWS_ENDPOINT_URL_DYNAMODB already
// points at one, and a fresh table per test, so tests never see each
// other's items.
//
// Use it from TestMain:
//
//	func TestMain(m *testing.M) { dbtest.Main(m) }
package dbtest

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/example/serverless-todo/internal/local/dynamodblocal"
	"github.com/example/serverless-todo/internal/local/samtemplate"
	"github.com/example/serverless-todo/pkg/awsconfig"
	"github.com/example/serverless-todo/pkg/store"
)

// Main runs the package's tests with DynamoDB Local and exits. Without
// DynamoDB Local (not installed, or no Java) the run fails: a missing
// prerequisite is never a reason to skip.
func Main(m *testing.M) {
	os.Exit(Run(m))
}

// Run is Main without the exit, for a TestMain that has its own setup to
// undo once the tests are done. It returns the exit code.
func Run(m *testing.M) int {
	if os.Getenv(store.EnvEndpoint) == "" {
		srv, err := dynamodblocal.Start(context.Background(), dynamodblocal.Options{})
		if err != nil {
			fmt.Fprintf(os.Stderr, "dbtest: cannot start DynamoDB Local (run `make test`, which installs it, or set %s): %v\n", store.EnvEndpoint, err)
			return 1
		}
		defer srv.Stop()
		// The environment carries the endpoint to store.Open and to function
		// processes the tests start.
		os.Setenv(store.EnvEndpoint, srv.Endpoint)
	}
	return m.Run()
}

// Endpoint returns the DynamoDB endpoint the tests use.
func Endpoint() string { return os.Getenv(store.EnvEndpoint) }

// Getenv is an environment for store.Open and a function's run, as the
// local Lambda service gives one: the test endpoint, a Region and local
// credentials, plus the given variables, which win.
func Getenv(vars map[string]string) func(string) string {
	return func(k string) string {
		if v, ok := vars[k]; ok {
			return v
		}
		switch k {
		case store.EnvEndpoint:
			return Endpoint()
		case awsconfig.EnvRegion:
			return "us-east-1"
		case awsconfig.EnvAccessKeyID, awsconfig.EnvSecretAccessKey:
			return "local"
		}
		return ""
	}
}

// Client returns a patient client of the test DynamoDB, for a test's own
// reads and writes (dynamodblocal.Client).
func Client(tb testing.TB) *dynamodb.Client {
	tb.Helper()
	return dynamodblocal.Client(Endpoint())
}

// Table is a table of the test DynamoDB.
type Table struct {
	Name   string
	Client *dynamodb.Client
}

// NewTable creates an empty table with the product's schema; the test's
// cleanup deletes it.
func NewTable(tb testing.TB) *Table {
	tb.Helper()
	t := &Table{Name: "test-" + strings.ToLower(rand.Text()), Client: Client(tb)}
	if err := CreateTable(context.Background(), t.Client, t.Name); err != nil {
		tb.Fatalf("dbtest: %v", err)
	}
	tb.Cleanup(func() {
		_, _ = t.Client.DeleteTable(context.Background(), &dynamodb.DeleteTableInput{TableName: aws.String(t.Name)})
	})
	return t
}

// Store returns the product's store of the table.
func (t *Table) Store() *store.Store { return store.New(t.Client, t.Name) }

// CreateTable creates a table as template.yaml defines the product's table
// (keys, billing mode, time to live), so tests run on the schema that is
// deployed and no other.
func CreateTable(ctx context.Context, c *dynamodb.Client, name string) error {
	def, err := tableDefinition()
	if err != nil {
		return err
	}
	return dynamodblocal.CreateTable(ctx, c, def, name)
}

// tableDefinition reads the table's definition from the repository's
// template.yaml once per test binary.
var tableDefinition = sync.OnceValues(func() (samtemplate.Table, error) {
	dir, err := os.Getwd()
	if err != nil {
		return samtemplate.Table{}, err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return samtemplate.Table{}, errors.New("dbtest: no go.mod above the working directory")
		}
		dir = parent
	}
	tmpl, err := samtemplate.Load(filepath.Join(dir, "template.yaml"))
	if err != nil {
		return samtemplate.Table{}, err
	}
	tables, err := tmpl.Tables()
	if err != nil {
		return samtemplate.Table{}, err
	}
	if len(tables) != 1 {
		return samtemplate.Table{}, fmt.Errorf("dbtest: template.yaml has %d tables, want 1", len(tables))
	}
	return tables[0], nil
})

// Items returns every item in the table. Only tests scan: they check that a
// rejected request wrote nothing.
func (t *Table) Items(tb testing.TB) []map[string]types.AttributeValue {
	tb.Helper()
	var items []map[string]types.AttributeValue
	p := dynamodb.NewScanPaginator(t.Client, &dynamodb.ScanInput{TableName: aws.String(t.Name), ConsistentRead: aws.Bool(true)})
	for p.HasMorePages() {
		out, err := p.NextPage(context.Background())
		if err != nil {
			tb.Fatalf("dbtest: scan %s: %v", t.Name, err)
		}
		items = append(items, out.Items...)
	}
	return items
}
