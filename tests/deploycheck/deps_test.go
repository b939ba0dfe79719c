package deploycheck

import (
	"errors"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/example/serverless-todo/internal/deps"
)

var update = flag.Bool("update", false, "write each function's deps.txt from its build (make deps)")

// TestFunctionsLinkOnlyWhatTheirDepsListSays holds each function's build to
// its deps.txt, so that a dependency added to a function, directly or
// through a package of pkg/, fails here until someone looks at it and
// records it with make deps.
func TestFunctionsLinkOnlyWhatTheirDepsListSays(t *testing.T) {
	r, err := loadRepo(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, folder := range r.folders {
		t.Run(folder, func(t *testing.T) {
			t.Parallel()
			got, err := deps.List(root, folder)
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(root, "functions", folder, deps.File)
			if *update {
				if err := os.WriteFile(path, deps.Format(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			data, err := os.ReadFile(path)
			if errors.Is(err, fs.ErrNotExist) {
				t.Fatalf("functions/%s/%s is missing: run make deps to write it", folder, deps.File)
			}
			if err != nil {
				t.Fatal(err)
			}
			added, removed := sameSet(got, deps.Parse(data))
			for _, d := range added {
				t.Errorf("functions/%s now links %s, which %s does not list: if it must, run make deps", folder, d, deps.File)
			}
			for _, d := range removed {
				t.Errorf("functions/%s no longer links %s: run make deps", folder, d)
			}
			if len(added)+len(removed) == 0 && !slices.Equal(data, deps.Format(got)) {
				t.Errorf("functions/%s/%s is not as make deps writes it: run make deps", folder, deps.File)
			}
		})
	}
}
