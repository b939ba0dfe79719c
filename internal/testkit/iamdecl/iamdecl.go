// Package iamdecl reads the IAM actions that this repository's code says
// it calls. A method or function that calls an AWS API declares, in its
// doc comment, every IAM action it calls itself:
//
//	// GetTodo returns the todo id of owner ...
//	//
//	// IAM: dynamodb:GetItem
//	func (s *Store) GetTodo(...)
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
	// Decl is its declaration, for checks of what its body calls.
	Decl *ast.FuncDecl
	// Pos is where it is, for messages.
	Pos token.Position
}

const marker = "IAM:"

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
			if actions == nil {
				continue
			}
			sym := importPath + "." + symbolName(fn)
			out[sym] = Declaration{Symbol: sym, Actions: actions, Decl: fn, Pos: fset.Position(fn.Pos())}
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
	var actions []string
	for line := range strings.SplitSeq(doc, "\n") {
		rest, ok := strings.CutPrefix(strings.TrimSpace(line), marker)
		if !ok {
			continue
		}
		for a := range strings.SplitSeq(rest, ",") {
			a = strings.TrimSpace(a)
			service, op, ok := strings.Cut(a, ":")
			if !ok || service == "" || op == "" || strings.ContainsAny(a, " *") {
				return nil, fmt.Errorf("IAM line names %q, not an action like dynamodb:GetItem", a)
			}
			actions = append(actions, a)
		}
	}
	slices.Sort(actions)
	return slices.Compact(actions), nil
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
