// Command newfunction adds a route to the API as a new function: its folder
// under functions/, made from a working template, and its operation in
// openapi.yaml, its resources in template.yaml and its build target in the
// Makefile. make function runs it:
//
//	make function NAME=me ROUTE="GET /me"          # behind the JWT authorizer
//	make function NAME=ping ROUTE="GET /ping" PUBLIC=1
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/example/serverless-todo/internal/scaffold"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "newfunction:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout io.Writer) error {
	flags := flag.NewFlagSet("newfunction", flag.ContinueOnError)
	name := flags.String("name", "", "the function's `folder` under functions/, like me")
	route := flags.String("route", "", `the route, like "GET /me"`)
	public := flags.Bool("public", false, "answer without a token, as the contact form does")
	dir := flags.String("dir", ".", "the repository's root")
	if err := flags.Parse(args); err != nil {
		return err
	}
	if *name == "" || *route == "" {
		return errors.New(`give the folder and the route: make function NAME=me ROUTE="GET /me"`)
	}
	r := scaffold.Route{Name: *name, Key: *route, Public: *public}
	written, err := scaffold.Add(*dir, r, scaffold.All)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Added %s as functions/%s:\n", *route, *name)
	for _, f := range written {
		fmt.Fprintln(stdout, "  "+f)
	}
	fmt.Fprintf(stdout, "\nIt answers already: make dev serves it, go test ./functions/%s tests it. Then make it the route's own:\n"+
		"  - write its handler in functions/%[1]s, and its responses in openapi.yaml;\n"+
		"  - if it uses the table, open the store in main.go and give its role the DynamoDB actions the\n"+
		"    store's methods declare (make test names them);\n"+
		"  - run make deps when it links something new, and make test.\n", *name)
	return nil
}
