package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	"github.com/example/serverless-todo/internal/local/stack"
)

// subject is one binary the benchmarks measure: a function of the template
// or a baseline.
type subject struct {
	// Name is the function's logical ID, or the baseline's name.
	Name string
	// Baseline marks the floors the functions are compared with.
	Baseline bool
	// Host is the bootstrap built for this machine, which the benchmarks
	// run.
	Host string
	// Lambda is the linux/arm64 bootstrap, which Lambda would run, and
	// Symbolic the same built with its symbol table, for the size
	// breakdown; both empty for sdkcall, which is never deployed.
	Lambda, Symbolic string
	// ZipBytes is the size of Lambda zipped as sam deploy zips it.
	ZipBytes int64
}

// The baselines, in bench/baseline: hello, the smallest aws-lambda-go
// function; sdkfloor, which also builds a DynamoDB client in init; and
// sdkcall, a plain program doing a route's DynamoDB work with the SDK alone.
const (
	hello    = "hello"
	sdkFloor = "sdkfloor"
	sdkCall  = "sdkcall"
)

// buildAll builds every function of cfg and the baselines, for this machine
// and for Lambda, with the Makefile's own recipe: for a function, its
// build-<LogicalId> target, the one sam build runs; for a baseline, the same
// command with the baseline's package in place of the function's. The
// Lambda builds are built once more with their symbol table, for the size
// breakdown. It builds as many at a time as the machine has cores.
func buildAll(ctx context.Context, cfg *stack.Config, dir string) ([]*subject, error) {
	if len(cfg.Functions) == 0 {
		return nil, errors.New("bench: template.yaml has no functions")
	}
	type job struct {
		s       *subject
		codeDir string
		target  string // the Makefile target whose recipe builds it
		replace string // for a baseline, its package, in place of the function's
		lambda  bool
	}
	var jobs []job
	for _, f := range cfg.Functions {
		if f.BuildMethod != "makefile" {
			return nil, fmt.Errorf("bench: %s has BuildMethod %q; only makefile builds can be measured", f.Name, f.BuildMethod)
		}
		jobs = append(jobs, job{s: &subject{Name: f.Name}, codeDir: f.CodeDir, target: "build-" + f.Name, lambda: true})
	}
	first := cfg.Functions[0]
	for _, b := range []string{hello, sdkFloor, sdkCall} {
		jobs = append(jobs, job{
			s:       &subject{Name: b, Baseline: true},
			codeDir: first.CodeDir, target: "build-" + first.Name,
			replace: "./bench/baseline/" + b,
			lambda:  b != sdkCall,
		})
	}

	var wg sync.WaitGroup
	errs := make([]error, len(jobs))
	slots := make(chan struct{}, runtime.NumCPU())
	for i, j := range jobs {
		wg.Go(func() {
			slots <- struct{}{}
			defer func() { <-slots }()
			if err := build(ctx, dir, j.s, j.codeDir, j.target, j.replace, j.lambda); err != nil {
				errs[i] = fmt.Errorf("bench: build %s: %w", j.s.Name, err)
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	out := make([]*subject, len(jobs))
	for i, j := range jobs {
		out[i] = j.s
	}
	return out, nil
}

// build builds s for this machine and, if lambda is set, for Lambda, and
// zips the Lambda build.
func build(ctx context.Context, dir string, s *subject, codeDir, target, replace string, lambda bool) error {
	hostDir := filepath.Join(dir, "host", s.Name)
	// LAMBDA_ENV, given on the command line, overrides the Makefile's
	// GOOS and GOARCH with this machine's, as make dev builds; every
	// other flag stays the Makefile's.
	hostEnv := "LAMBDA_ENV=GOOS=" + runtime.GOOS + " GOARCH=" + runtime.GOARCH + " CGO_ENABLED=0"
	script, err := recipe(ctx, codeDir, target, replace, "ARTIFACTS_DIR="+hostDir, hostEnv)
	if err != nil {
		return err
	}
	if err := runScript(ctx, codeDir, script); err != nil {
		return err
	}
	s.Host = filepath.Join(hostDir, "bootstrap")
	if !lambda {
		return nil
	}

	lambdaDir := filepath.Join(dir, "lambda", s.Name)
	if script, err = recipe(ctx, codeDir, target, replace, "ARTIFACTS_DIR="+lambdaDir); err != nil {
		return err
	}
	if err := runScript(ctx, codeDir, script); err != nil {
		return err
	}
	s.Lambda = filepath.Join(lambdaDir, "bootstrap")
	if s.ZipBytes, err = zipSize(ctx, s.Lambda); err != nil {
		return err
	}

	// The same build, symbols kept: -s drops the symbol table, -w the
	// DWARF data, neither of which changes the code.
	symDir := filepath.Join(dir, "symbolic", s.Name)
	if script, err = recipe(ctx, codeDir, target, replace, "ARTIFACTS_DIR="+symDir); err != nil {
		return err
	}
	kept := strings.Replace(script, "-s -w", "", 1)
	if kept == script {
		return fmt.Errorf("the recipe of %s does not strip with -s -w, so the size breakdown cannot keep the symbols: %s", target, script)
	}
	if err := runScript(ctx, codeDir, kept); err != nil {
		return err
	}
	s.Symbolic = filepath.Join(symDir, "bootstrap")
	return nil
}

// recipe returns the commands make would run for target, with the
// function's package replaced when replace is set.
func recipe(ctx context.Context, dir, target, replace string, vars ...string) (string, error) {
	cmd := stack.Make(ctx, dir, append([]string{"-s", "-n", target}, vars...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("make -n %s: %w: %s", target, err, stderr.Bytes())
	}
	script := strings.TrimSpace(string(out))
	if replace == "" {
		return script, nil
	}
	fields := strings.Fields(script)
	pkg := fields[len(fields)-1]
	if !strings.HasPrefix(pkg, "./functions/") {
		return "", fmt.Errorf("make -n %s: %q does not end in a function's package", target, script)
	}
	return strings.TrimSuffix(script, pkg) + replace, nil
}

func runScript(ctx context.Context, dir, script string) error {
	cmd := exec.CommandContext(ctx, "sh", "-c", script)
	cmd.Dir = dir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s: %w\n%s", script, err, out.Bytes())
	}
	return nil
}

// zipSize returns the size of the bootstrap zipped as make build zips it,
// with Info-ZIP's zip, whose deflate is zlib's: the compression sam
// package and sam deploy use (Python's zipfile, ZIP_DEFLATED, zlib's
// default level). Go's own deflate would make zips a few percent larger.
func zipSize(ctx context.Context, bootstrap string) (int64, error) {
	dir := filepath.Dir(bootstrap)
	zipped := filepath.Join(dir, "bootstrap.zip")
	if err := os.Remove(zipped); err != nil && !errors.Is(err, os.ErrNotExist) {
		return 0, err
	}
	cmd := exec.CommandContext(ctx, "zip", "-q", "-X", zipped, filepath.Base(bootstrap))
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		return 0, fmt.Errorf("zip (which make build uses too): %w: %s", err, out)
	}
	st, err := os.Stat(zipped)
	if err != nil {
		return 0, err
	}
	return st.Size(), nil
}
