package store_test

import (
	"go/ast"
	"slices"
	"strings"
	"testing"

	"github.com/example/serverless-todo/internal/testkit/iamdecl"
	"github.com/example/serverless-todo/pkg/keys"
)

// transactionItems are the members of a TransactWriteItem and the IAM action
// that authorizes each inside a transaction.
var transactionItems = map[string]string{
	"Put":            "dynamodb:PutItem",
	"Update":         "dynamodb:UpdateItem",
	"Delete":         "dynamodb:DeleteItem",
	"ConditionCheck": "dynamodb:ConditionCheckItem",
}

// readDeclarations reads this package's IAM declarations by symbol, and
// every method and function by its name within the package.
func readDeclarations(t *testing.T) (map[string]iamdecl.Declaration, map[string]*ast.FuncDecl) {
	t.Helper()
	decls, err := iamdecl.Read(".", "github.com/example/serverless-todo/pkg/store")
	if err != nil {
		t.Fatal(err)
	}
	methods, err := iamdecl.Methods(".")
	if err != nil {
		t.Fatal(err)
	}
	return decls, methods
}

// TestIAMLinesNameExactlyTheCallsOfTheirMethod holds each method's IAM line
// to what its body calls on the DynamoDB client, so that the roles the
// drift tests derive from the lines are exactly what the code needs: a
// call added without its action, or an action left after its call went,
// fails here.
func TestIAMLinesNameExactlyTheCallsOfTheirMethod(t *testing.T) {
	decls, methods := readDeclarations(t)
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

// partitionOf names, for each key builder of pkg/keys that makes a
// partition key, the dynamodb:LeadingKeys pattern of what it makes.
var partitionOf = map[string]string{
	"UserPK":         keys.UserPrefix + "*",
	"ContactPK":      keys.ContactPrefix + "*",
	"ContactLimitPK": keys.ContactLimitPrefix + "*",
	"UsernamePK":     keys.UsernamePrefix + "*",
}

// TestIAMKeysLinesNameExactlyThePartitionsTheirCallsReach holds each IAM
// keys line to the partition keys built on the way to its method's calls:
// by the method itself, by what it calls in this package, and by every
// method that calls it. The drift tests condition each role on the lines
// of the code it links, so a new partition written without its line is
// refused by IAM in AWS; this test makes it fail here first.
func TestIAMKeysLinesNameExactlyThePartitionsTheirCallsReach(t *testing.T) {
	decls, methods := readDeclarations(t)
	built := map[string][]string{}
	calls := map[string][]string{}
	for sym, fn := range methods {
		ast.Inspect(fn.Body, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			switch f := call.Fun.(type) {
			case *ast.Ident:
				if methods[f.Name] != nil {
					calls[sym] = append(calls[sym], f.Name)
				}
			case *ast.SelectorExpr:
				if pkg, ok := f.X.(*ast.Ident); ok && pkg.Name == "keys" && strings.HasSuffix(f.Sel.Name, "PK") {
					pattern, known := partitionOf[f.Sel.Name]
					if !known {
						t.Errorf("%s calls keys.%s: add the partition it builds to partitionOf", sym, f.Sel.Name)
					}
					built[sym] = append(built[sym], pattern)
					return true
				}
				for other := range methods {
					if strings.HasSuffix(other, "."+f.Sel.Name) {
						calls[sym] = append(calls[sym], other)
					}
				}
			}
			return true
		})
	}
	// reach is each method and what it calls, directly or not.
	reach := map[string]map[string]bool{}
	var walk func(from, sym string)
	walk = func(from, sym string) {
		if reach[from][sym] {
			return
		}
		reach[from][sym] = true
		for _, c := range calls[sym] {
			walk(from, c)
		}
	}
	for sym := range methods {
		reach[sym] = map[string]bool{}
		walk(sym, sym)
	}
	for sym := range methods {
		d, ok := decls["github.com/example/serverless-todo/pkg/store."+sym]
		if !ok || d.LeadingKeys == nil {
			continue
		}
		// What is built in any chain of calls that goes through sym.
		var want []string
		for from := range methods {
			if !reach[from][sym] {
				continue
			}
			for r := range reach[from] {
				if reach[r][sym] || reach[sym][r] {
					want = append(want, built[r]...)
				}
			}
		}
		slices.Sort(want)
		want = slices.Compact(want)
		if !slices.Equal(d.LeadingKeys, want) {
			t.Errorf("%s reaches partitions %v, its IAM keys line declares %v", sym, want, d.LeadingKeys)
		}
	}
}
