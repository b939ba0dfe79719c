// Package iamdecl reads the IAM actions that this repository's code says
// it calls. A method or function that calls an AWS API declares, in its
// doc comment, every IAM action it calls itself:
//
//	// GetTodo returns the todo id of owner ...
//	//
//	// IAM: dynamodb:GetItem
//	// IAM keys: USER#*
//	func (s *Store) GetTodo(...)
//
// A method that calls DynamoDB also declares, on an IAM keys line, the
// partition keys it reaches, as the patterns of a dynamodb:LeadingKeys
// condition: the drift tests let its role reach only those partitions.
//
// The drift tests give each function's role exactly the actions declared by
// the code its binary links, and each package that declares checks its
// declarations against its calls.
package iamdecl

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Declaration is what one method or function declares.
type Declaration struct {
	// Symbol is its name as the linker writes it, like
	// github.com/example/serverless-todo/pkg/store.(*Store).GetTodo.
	Symbol string
	// Actions are the IAM actions it declares, like dynamodb:GetItem.
	Actions []string
	// LeadingKeys are the partition key patterns it declares, like
	// USER#*; set whenever Actions name a DynamoDB action.
	LeadingKeys []string
	// Decl is its declaration, for checks of what its body calls.
	Decl *ast.FuncDecl
	// Pos is where it is, for messages.
	Pos token.Position
}

const (
	marker     = "IAM:"
	keysMarker = "IAM keys:"
)

// Read parses the non-test Go files of the package in dir, whose import
// path is importPath, and returns the declaration of each method and
// function that has an IAM line, by symbol.
func Read(dir, importPath string) (map[string]Declaration, error) {
	fset, files, err := parse(dir)
	if err != nil {
		return nil, err
	}
	out := map[string]Declaration{}
	for _, f := range files {
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Doc == nil {
				continue
			}
			actions, err := actionsOf(fn.Doc.Text())
			if err != nil {
				return nil, fmt.Errorf("%s: %s: %w", fset.Position(fn.Pos()), fn.Name.Name, err)
			}
			leading, err := leadingKeysOf(fn.Doc.Text())
			if err != nil {
				return nil, fmt.Errorf("%s: %s: %w", fset.Position(fn.Pos()), fn.Name.Name, err)
			}
			callsDynamoDB := slices.ContainsFunc(actions, func(a string) bool { return strings.HasPrefix(a, "dynamodb:") })
			switch {
			case callsDynamoDB && leading == nil:
				return nil, fmt.Errorf("%s: %s: declares DynamoDB actions but no %s line naming the partition keys it reaches", fset.Position(fn.Pos()), fn.Name.Name, keysMarker)
			case !callsDynamoDB && leading != nil:
				return nil, fmt.Errorf("%s: %s: has an %s line but declares no DynamoDB action", fset.Position(fn.Pos()), fn.Name.Name, keysMarker)
			}
			if actions == nil {
				continue
			}
			sym := importPath + "." + symbolName(fn)
			out[sym] = Declaration{Symbol: sym, Actions: actions, LeadingKeys: leading, Decl: fn, Pos: fset.Position(fn.Pos())}
		}
	}
	return out, nil
}

// Methods returns every method and function of the non-test Go files of
// the package in dir, by linker name within the package ((*T).M), whether
// it declares IAM actions or not: the checks of a package's declarations
// look at all of them.
func Methods(dir string) (map[string]*ast.FuncDecl, error) {
	_, files, err := parse(dir)
	if err != nil {
		return nil, err
	}
	out := map[string]*ast.FuncDecl{}
	for _, f := range files {
		for _, d := range f.Decls {
			if fn, ok := d.(*ast.FuncDecl); ok && fn.Body != nil {
				out[symbolName(fn)] = fn
			}
		}
	}
	return out, nil
}

// parse parses the package's non-test Go files, with their comments.
func parse(dir string) (*token.FileSet, []*ast.File, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, nil, err
	}
	fset := token.NewFileSet()
	var files []*ast.File
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(dir, name), nil, parser.ParseComments)
		if err != nil {
			return nil, nil, err
		}
		files = append(files, f)
	}
	return fset, files, nil
}

// actionsOf reads the IAM line of a doc comment: nil when it has none.
func actionsOf(doc string) ([]string, error) {
	return markedList(doc, marker, func(a string) error {
		service, op, ok := strings.Cut(a, ":")
		if !ok || service == "" || op == "" || strings.ContainsAny(a, " *") {
			return fmt.Errorf("IAM line names %q, not an action like dynamodb:GetItem", a)
		}
		return nil
	})
}

// leadingKeysOf reads the IAM keys line of a doc comment: nil when it has
// none. A pattern is a literal prefix followed by *, like USER#*, so that a
// role never reaches a partition its code does not name.
func leadingKeysOf(doc string) ([]string, error) {
	return markedList(doc, keysMarker, func(k string) error {
		prefix, ok := strings.CutSuffix(k, "*")
		if !ok || prefix == "" || strings.ContainsAny(prefix, " *?") {
			return fmt.Errorf("%s line names %q, not a partition key pattern like USER#*", keysMarker, k)
		}
		return nil
	})
}

// markedList reads the comma-separated items of the lines of doc that
// start with marker, each checked by check, sorted and without repeats:
// nil when no line has the marker.
func markedList(doc, marker string, check func(string) error) ([]string, error) {
	var items []string
	for line := range strings.SplitSeq(doc, "\n") {
		rest, ok := strings.CutPrefix(strings.TrimSpace(line), marker)
		if !ok {
			continue
		}
		for item := range strings.SplitSeq(rest, ",") {
			item = strings.TrimSpace(item)
			if err := check(item); err != nil {
				return nil, err
			}
			items = append(items, item)
		}
	}
	slices.Sort(items)
	return slices.Compact(items), nil
}

// symbolName is the linker's name of a function within its package:
// F, T.M or (*T).M.
func symbolName(fn *ast.FuncDecl) string {
	if fn.Recv == nil || len(fn.Recv.List) == 0 {
		return fn.Name.Name
	}
	switch t := fn.Recv.List[0].Type.(type) {
	case *ast.StarExpr:
		if id, ok := t.X.(*ast.Ident); ok {
			return "(*" + id.Name + ")." + fn.Name.Name
		}
	case *ast.Ident:
		return t.Name + "." + fn.Name.Name
	}
	return fn.Name.Name
}
