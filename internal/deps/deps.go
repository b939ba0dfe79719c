// Package deps lists what a function links, as Lambda's build of it does
// (linux/arm64 with the Makefile's build tags): the packages of this
// repository, and the modules of others. Each function folder keeps that
// list in its deps.txt, which the drift tests hold the build to, so a new
// dependency shows in review as a changed line, not as a larger zip
// nobody notices.
package deps

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
)

// File is the list's name in a function's folder.
const File = "deps.txt"

// Module is this repository's Go module.
const Module = "github.com/example/serverless-todo"

// Tags are the build tags of the Makefile's LAMBDA_FLAGS.
const Tags = "lambda.norpc,validator_novalidatefn"

// header opens every list: what it is and how to write it again.
const header = "# What this function links for Lambda (go list -deps, linux/arm64):\n" +
	"# this repository's packages and the modules of others. Written by\n" +
	"# make deps; the drift tests fail when the build links anything else.\n"

// List returns what functions/<folder> of the repository in dir links,
// sorted.
func List(dir, folder string) ([]string, error) {
	cmd := exec.Command("go", "list", "-deps", "-tags", Tags,
		"-f", `{{if not .Standard}}{{if eq .Module.Path "`+Module+`"}}{{.ImportPath}}{{else}}{{.Module.Path}}{{end}}{{end}}`,
		"./functions/"+folder)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH=arm64", "CGO_ENABLED=0")
	b, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return nil, fmt.Errorf("go list -deps ./functions/%s: %w\n%s", folder, err, ee.Stderr)
		}
		return nil, fmt.Errorf("go list -deps ./functions/%s: %w", folder, err)
	}
	return parse(string(b)), nil
}

// Format writes a list as its deps.txt holds it.
func Format(list []string) []byte {
	return []byte(header + strings.Join(list, "\n") + "\n")
}

// Parse reads a deps.txt.
func Parse(data []byte) []string { return parse(string(data)) }

func parse(s string) []string {
	var out []string
	for line := range strings.SplitSeq(s, "\n") {
		line = strings.TrimSpace(line)
		if line != "" && !strings.HasPrefix(line, "#") {
			out = append(out, line)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}
