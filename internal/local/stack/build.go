package stack

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"
)

// hostBuildEnv replaces the Makefile's LAMBDA_ENV, which cross-compiles for
// Lambda's arm64 Linux, with this machine's platform. The rest of the
// recipe (flags, tags, package) is the one sam build runs.
var hostBuildEnv = "LAMBDA_ENV=GOOS=" + runtime.GOOS + " GOARCH=" + runtime.GOARCH + " CGO_ENABLED=0"

// Build builds, for this machine, every function that has no Path: it
// runs the build-<Name> target of the Makefile in the function's CodeDir,
// the target sam build runs, into dir/<Name>/bootstrap, and sets Path.
// The builds run at once; Go's build cache makes an unchanged function
// cheap to build again.
func (c *Config) Build(ctx context.Context, dir string) error {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	var wg sync.WaitGroup
	errs := make([]error, len(c.Functions))
	for i := range c.Functions {
		f := &c.Functions[i]
		if f.Path != "" {
			continue
		}
		wg.Go(func() {
			out := filepath.Join(dir, f.Name)
			if errs[i] = build(ctx, f, out); errs[i] == nil {
				f.Path = filepath.Join(out, "bootstrap")
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

func build(ctx context.Context, f *Function, artifacts string) error {
	if f.BuildMethod != "makefile" {
		return fmt.Errorf("stack: %s has BuildMethod %q; only makefile builds can be run here", f.Name, f.BuildMethod)
	}
	if err := os.MkdirAll(artifacts, 0o755); err != nil {
		return fmt.Errorf("stack: %w", err)
	}
	cmd := Make(ctx, f.CodeDir, "build-"+f.Name, "ARTIFACTS_DIR="+artifacts, hostBuildEnv)
	stopGroupOnCancel(cmd)
	cmd.WaitDelay = 5 * time.Second
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("stack: build %s: %w", f.Name, context.Cause(ctx))
		}
		return fmt.Errorf("stack: build %s: %s: %w\n%s", f.Name, strings.Join(cmd.Args, " "), err, out.Bytes())
	}
	return nil
}

// Make returns the command that runs make with args in dir, the Makefile's
// folder. Its environment leaves out what a make that runs this program
// (make dev, make bench) passes on to the makes it starts: its
// command-line variables and jobserver would reach this make as if given
// to it.
func Make(ctx context.Context, dir string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, "make", append([]string{"--no-print-directory"}, args...)...)
	cmd.Dir = dir
	cmd.Env = slices.DeleteFunc(os.Environ(), func(kv string) bool {
		name, _, _ := strings.Cut(kv, "=")
		return name == "MAKEFLAGS" || name == "MFLAGS" || name == "MAKELEVEL"
	})
	return cmd
}
