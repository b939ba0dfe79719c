package store_test

import (
	"go/ast"
	"slices"
	"testing"

	"github.com/example/serverless-todo/internal/testkit/iamdecl"
)

// transactionItems are the members of a TransactWriteItem and the IAM action
// that authorizes each inside a transaction.
var transactionItems = map[string]string{
	"Put":            "dynamodb:PutItem",
	"Update":         "dynamodb:UpdateItem",
	"Delete":         "dynamodb:DeleteItem",
	"ConditionCheck": "dynamodb:ConditionCheckItem",
}

// TestIAMLinesNameExactlyTheCallsOfTheirMethod holds each method's IAM line
// to what its body calls on the DynamoDB client, so that the roles the
// drift tests derive from the lines are exactly what the code needs: a
// call added without its action, or an action left after its call went,
// fails here.
func TestIAMLinesNameExactlyTheCallsOfTheirMethod(t *testing.T) {
	decls, err := iamdecl.Read(".", "github.com/example/serverless-todo/pkg/store")
	if err != nil {
		t.Fatal(err)
	}
	methods, err := iamdecl.Methods(".")
	if err != nil {
		t.Fatal(err)
	}
	for sym, fn := range methods {
		called := calledActions(fn)
		declared := decls["github.com/example/serverless-todo/pkg/store."+sym].Actions
		if !slices.Equal(called, declared) {
			t.Errorf("%s calls %v, its IAM line declares %v", sym, called, declared)
		}
	}
	if len(decls) == 0 {
		t.Fatal("no IAM lines read: the test reads nothing")
	}
}

// isClient reports whether e is the store's client: s.client or s.db().
func isClient(e ast.Expr) bool {
	if call, ok := e.(*ast.CallExpr); ok {
		e = call.Fun
		if sel, ok := e.(*ast.SelectorExpr); ok {
			return sel.Sel.Name == "db"
		}
		return false
	}
	sel, ok := e.(*ast.SelectorExpr)
	return ok && sel.Sel.Name == "client"
}

// calledActions returns the IAM actions of the DynamoDB calls in fn's
// body: s.client.<Operation>(...), and for a transaction the kinds of item
// it writes.
func calledActions(fn *ast.FuncDecl) []string {
	var out []string
	transaction := false
	ast.Inspect(fn.Body, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok {
			return true
		}
		sel, ok := call.Fun.(*ast.SelectorExpr)
		if !ok {
			return true
		}
		// The client is s.client, or s.db() once warm; its Options is
		// its own configuration, not a call to DynamoDB.
		if isClient(sel.X) && sel.Sel.Name != "Options" {
			if sel.Sel.Name == "TransactWriteItems" {
				transaction = true
			} else {
				out = append(out, "dynamodb:"+sel.Sel.Name)
			}
		}
		return true
	})
	if transaction {
		ast.Inspect(fn.Body, func(n ast.Node) bool {
			if kv, ok := n.(*ast.KeyValueExpr); ok {
				if key, ok := kv.Key.(*ast.Ident); ok && transactionItems[key.Name] != "" {
					out = append(out, transactionItems[key.Name])
				}
			}
			return true
		})
	}
	slices.Sort(out)
	return slices.Compact(out)
}
