// Package lambdatest builds the test function that the tests of the local
// Lambda service, the gateway and the stack run as a real Lambda function.
// Its behaviour is chosen by each event; see testdata/fn.
package lambdatest

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// BuildFunction builds the test function for this machine, as a Lambda
// bootstrap (static, without the RPC shim), into dir and returns its path.
func BuildFunction(dir string) (string, error) {
	_, self, _, ok := runtime.Caller(0)
	if !ok {
		return "", errors.New("lambdatest: cannot locate the test function's source")
	}
	src := filepath.Join(filepath.Dir(self), "testdata", "fn")
	out := filepath.Join(dir, "bootstrap")
	cmd := exec.Command("go", "build", "-tags", "lambda.norpc", "-o", out, ".")
	cmd.Dir = src
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("lambdatest: go build: %w\n%s", err, b)
	}
	return out, nil
}

// Main runs a test package whose tests need the test function: it builds
// the function into a temporary folder, sets *path to it, runs the tests,
// removes the folder and exits. A failed build fails the run.
func Main(m *testing.M, path *string) {
	os.Exit(run(m, path))
}

func run(m *testing.M, path *string) int {
	dir, err := os.MkdirTemp("", "lambdatest-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	if *path, err = BuildFunction(dir); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return m.Run()
}
