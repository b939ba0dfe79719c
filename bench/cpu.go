package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/perf/benchfmt"

	"github.com/example/serverless-todo/pkg/store"
)

// goBenchmark is one result line of go test -bench -benchmem.
type goBenchmark struct {
	NsPerOp     float64
	BytesPerOp  int64
	AllocsPerOp int64
}

// handlerCPU runs every function's Go benchmarks: BenchmarkHandle, the
// handler with DynamoDB's answers replayed in process, and its
// BenchmarkSDK* floor, the bare SDK call doing the same DynamoDB work. It
// builds the test binaries once, then runs each count times, the packages
// taking turns, as go test would run them, in the package's folder. It
// returns, by package folder (create, get, ...) and benchmark name without
// its Benchmark prefix (Handle, SDKGetItem, ...), the run with the median
// time.
func handlerCPU(ctx context.Context, root, dir, endpoint, benchtime string, count int) (map[string]map[string]goBenchmark, error) {
	const pattern = "./functions/..."
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	// A trailing separator: -o names the folder of every package's test
	// binary.
	build := exec.CommandContext(ctx, "go", "test", "-c", "-o", dir+string(filepath.Separator), pattern)
	build.Dir = root

	if out, err := build.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("go test -c %s: %w\n%s", pattern, err, out)
	}
	list := exec.CommandContext(ctx, "go", "list", "-f", "{{.Dir}}", pattern)
	list.Dir = root
	out, err := list.Output()
	if err != nil {
		return nil, fmt.Errorf("go list %s: %w", pattern, err)
	}
	pkgDirs := strings.Fields(string(out))

	var all bytes.Buffer
	for range count {
		for _, pkgDir := range pkgDirs {
			bin := filepath.Join(dir, filepath.Base(pkgDir)+".test")
			cmd := exec.CommandContext(ctx, bin, "-test.run", "^$", "-test.bench", ".", "-test.benchmem", "-test.benchtime", benchtime)
			cmd.Dir = pkgDir
			// One DynamoDB Local for every package, rather than one
			// each: the benchmarks only record its answers.
			cmd.Env = append(os.Environ(), store.EnvEndpoint+"="+endpoint)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			if err != nil {
				return nil, fmt.Errorf("%s: %w\n%s%s", bin, err, out, stderr.Bytes())
			}
			all.Write(out)
		}
	}
	runs, err := parseBenchmarks(all.Bytes())
	if err != nil {
		return nil, err
	}
	res := map[string]map[string]goBenchmark{}
	for pkg, byName := range runs {
		res[pkg] = map[string]goBenchmark{}
		for name, rs := range byName {
			res[pkg][name] = medianRun(rs)
		}
	}
	return res, nil
}

// medianRun returns the run with the median time (the lower middle one
// of an even count).
func medianRun(runs []goBenchmark) goBenchmark {
	sorted := slices.Clone(runs)
	slices.SortFunc(sorted, func(a, b goBenchmark) int {
		switch {
		case a.NsPerOp < b.NsPerOp:
			return -1
		case a.NsPerOp > b.NsPerOp:
			return 1
		}
		return 0
	})
	return sorted[(len(sorted)-1)/2]
}

// parseBenchmarks reads go test's benchmark output with benchfmt, the Go
// project's reader of that format: each benchmark once per -count, with
// ns/op, B/op and allocs/op. It returns the runs by the package's last path
// element and the benchmark's name, without its Benchmark prefix and
// GOMAXPROCS suffix.
func parseBenchmarks(out []byte) (map[string]map[string][]goBenchmark, error) {
	res := map[string]map[string][]goBenchmark{}
	r := benchfmt.NewReader(bytes.NewReader(out), "go test -bench")
	for r.Scan() {
		switch rec := r.Result().(type) {
		case *benchfmt.SyntaxError:
			return nil, fmt.Errorf("bench: %w", rec)
		case *benchfmt.Result:
			pkg := rec.GetConfig("pkg")
			if pkg == "" {
				return nil, fmt.Errorf("bench: benchmark %s before any pkg: line", rec.Name)
			}
			pkg = pkg[strings.LastIndex(pkg, "/")+1:]
			// The values as go test wrote them, not as benchfmt tidies
			// them (ns/op into sec/op).
			values := map[string]float64{}
			for _, v := range rec.Values {
				if v.OrigUnit != "" {
					values[v.OrigUnit] = v.OrigValue
				} else {
					values[v.Unit] = v.Value
				}
			}
			ns, ok1 := values["ns/op"]
			b, ok2 := values["B/op"]
			allocs, ok3 := values["allocs/op"]
			if !ok1 || !ok2 || !ok3 {
				return nil, fmt.Errorf("bench: benchmark %s lacks ns/op, B/op or allocs/op (run with -benchmem)", rec.Name)
			}
			name := string(rec.Name.Base())
			if res[pkg] == nil {
				res[pkg] = map[string][]goBenchmark{}
			}
			res[pkg][name] = append(res[pkg][name], goBenchmark{NsPerOp: ns, BytesPerOp: int64(b), AllocsPerOp: int64(allocs)})
		}
	}
	if err := r.Err(); err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	return res, nil
}
