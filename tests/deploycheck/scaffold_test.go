package deploycheck

import (
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/example/serverless-todo/internal/deps"
	"github.com/example/serverless-todo/internal/scaffold"
)

// copyTree copies what a function builds and the drift tests read into dst:
// the module, pkg/, internal/, cmd/, functions/, and the three files.
func copyTree(t *testing.T, dst string) {
	t.Helper()
	for _, name := range []string{"go.mod", "go.sum", "template.yaml", "openapi.yaml", "Makefile", "pkg", "internal", "functions"} {
		err := filepath.WalkDir(filepath.Join(root, name), func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(root, path)
			if d.IsDir() {
				return os.MkdirAll(filepath.Join(dst, rel), 0o755)
			}
			in, err := os.Open(path)
			if err != nil {
				return err
			}
			defer in.Close()
			out, err := os.Create(filepath.Join(dst, rel))
			if err != nil {
				return err
			}
			if _, err := io.Copy(out, in); err != nil {
				out.Close()
				return err
			}
			return out.Close()
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// problemsIn runs every check on the repository in dir.
func problemsIn(t *testing.T, dir string) []string {
	t.Helper()
	r, err := loadRepo(dir)
	if err != nil {
		t.Fatalf("the repository does not load: %v", err)
	}
	var all []string
	for _, c := range checks {
		for _, p := range c.run(r) {
			all = append(all, c.name+": "+p)
		}
	}
	return all
}

// TestANewRouteIsFourPlaces adds a route as the README's "Add a route"
// section says, with the scaffold, to a copy of the repository: the drift
// tests accept it, its dependencies are pinned, and it builds and passes
// its own tests. Left without any of its three file edits, one run of the
// checks names every file that lacks its part.
func TestANewRouteIsFourPlaces(t *testing.T) {
	for _, r := range []scaffold.Route{
		{Name: "stats", Key: "GET /stats"},
		{Name: "ping", Key: "GET /ping", Public: true},
		{Name: "todo-share", Key: "POST /todos/{id}/share"},
	} {
		t.Run(r.Key, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			copyTree(t, dir)
			if _, err := scaffold.Add(dir, r, scaffold.All); err != nil {
				t.Fatal(err)
			}
			if problems := problemsIn(t, dir); len(problems) > 0 {
				t.Errorf("the drift tests do not accept the scaffold's route:\n%s", strings.Join(problems, "\n"))
			}
			got, err := deps.List(dir, r.Name)
			if err != nil {
				t.Fatal(err)
			}
			pinned, err := os.ReadFile(filepath.Join(dir, "functions", r.Name, deps.File))
			if err != nil || !slices.Equal(got, deps.Parse(pinned)) {
				t.Errorf("its %s (%v) is not what it links: %v", deps.File, err, got)
			}
			test := exec.Command("go", "test", "-count=1", "./functions/"+r.Name)
			test.Dir = dir
			if out, err := test.CombinedOutput(); err != nil {
				t.Errorf("go test ./functions/%s: %v\n%s", r.Name, err, out)
			}
		})
	}

	me := scaffold.Route{Name: "stats", Key: "GET /stats"}
	for _, tc := range []struct {
		name  string
		edits scaffold.Edits
		// missing are the files the problems must name.
		missing []string
	}{
		{"only the folder", scaffold.Edits{}, []string{"openapi.yaml", "template.yaml", "Makefile"}},
		{"without template.yaml", scaffold.Edits{OpenAPI: true, Makefile: true}, []string{"template.yaml"}},
		{"without openapi.yaml", scaffold.Edits{Template: true, Makefile: true}, []string{"openapi.yaml"}},
		{"without the Makefile", scaffold.Edits{OpenAPI: true, Template: true}, []string{"Makefile"}},
		{"with template.yaml only", scaffold.Edits{Template: true}, []string{"openapi.yaml", "Makefile"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			copyTree(t, dir)
			if _, err := scaffold.Add(dir, me, tc.edits); err != nil {
				t.Fatal(err)
			}
			problems := problemsIn(t, dir)
			for _, file := range tc.missing {
				found := false
				for _, p := range problems {
					found = found || strings.Contains(p, file)
				}
				if !found {
					t.Errorf("no problem names %s, which lacks the route's part:\n%s", file, strings.Join(problems, "\n"))
				}
			}
			if len(problems) == 0 {
				t.Error("no problem reported")
			}
			t.Logf("reported:\n%s", strings.Join(problems, "\n"))
		})
	}
}
