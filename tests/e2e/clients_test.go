package e2e

import (
	"crypto/rand"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	// What the Go client oapi-codegen generates imports: required here so
	// that go.mod keeps them, and make test downloads them, for the client
	// this test builds.
	_ "github.com/oapi-codegen/nullable"
	_ "github.com/oapi-codegen/runtime"
)

// goClientConfig is oapi-codegen's configuration for the Go client, with
// the one option not its default: nullable-type, without which a merge
// patch cannot send null (a *T with omitempty leaves a nil field out).
const goClientConfig = `package: todoapi
generate:
  client: true
  models: true
output-options:
  nullable-type: true
`

// clientDir makes a folder for generated clients inside the repository's
// build/ (where Go finds the module and Node finds node_modules), in a
// folder whose name starts with _, which ./... patterns skip.
func clientDir(t *testing.T) (dir, importPath string) {
	t.Helper()
	b := make([]byte, 6)
	rand.Read(b)
	name := "_clients-" + hex.EncodeToString(b)
	repo, err := filepath.Abs(root)
	if err != nil {
		t.Fatal(err)
	}
	dir = filepath.Join(repo, "build", name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir, "github.com/example/serverless-todo/build/" + name
}

func runIn(t *testing.T, dir string, env []string, name string, args ...string) string {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// Mobile and web teams generate their client from openapi.yaml: a Go one
// with oapi-codegen, a TypeScript one with openapi-typescript and
// openapi-fetch. Each is generated from the document as the gateway reads
// it, built (the TypeScript one type-checked under --strict), and runs the
// tour against the local API.
func TestGeneratedClientsBuildAndRunTheTour(t *testing.T) {
	t.Parallel()
	a := startAPI(t, nil, nil)
	dir, importPath := clientDir(t)
	spec := filepath.Join(dir, "openapi.yaml")
	writeFile(t, spec, string(a.cfg.OpenAPI))
	tour, err := os.ReadFile(filepath.Join("testdata", "tour.go"))
	if err != nil {
		t.Fatal(err)
	}
	tourTS, err := os.ReadFile(filepath.Join("testdata", "tour.ts"))
	if err != nil {
		t.Fatal(err)
	}
	env := []string{"API_URL=" + a.URL, "TOKEN=" + a.token(t, "client-tourist")}

	t.Run("Go, oapi-codegen", func(t *testing.T) {
		writeFile(t, filepath.Join(dir, "go", "cfg.yaml"), goClientConfig+"output: "+filepath.Join(dir, "go", "todoapi", "client.go")+"\n")
		runIn(t, root, nil, "go", "tool", "oapi-codegen", "-config", filepath.Join(dir, "go", "cfg.yaml"), spec)
		writeFile(t, filepath.Join(dir, "go", "tour", "main.go"),
			strings.Replace(string(tour), `"github.com/example/serverless-todo/build/_clients/go/todoapi"`, `"`+importPath+`/go/todoapi"`, 1))
		bin := filepath.Join(dir, "go", "tour.bin")
		runIn(t, root, nil, "go", "vet", "./build/"+filepath.Base(dir)+"/go/...")
		runIn(t, root, nil, "go", "build", "-o", bin, "./build/"+filepath.Base(dir)+"/go/tour")
		if out := runIn(t, dir, env, bin); !strings.Contains(out, "tour done: ") {
			t.Errorf("the Go tour said %q", out)
		}
	})

	t.Run("TypeScript, openapi-typescript and openapi-fetch", func(t *testing.T) {
		ts := filepath.Join(dir, "ts")
		bin := filepath.Join(filepath.Dir(filepath.Dir(dir)), "node_modules", ".bin")
		runIn(t, root, nil, filepath.Join(bin, "openapi-typescript"), spec, "-o", filepath.Join(ts, "schema.d.ts"))
		writeFile(t, filepath.Join(ts, "tour.ts"), string(tourTS))
		// ES modules, as openapi-fetch ships.
		writeFile(t, filepath.Join(ts, "package.json"), `{"type": "module"}`+"\n")
		runIn(t, ts, nil, filepath.Join(bin, "tsc"), "--strict", "--target", "es2022", "--module", "preserve",
			"--moduleResolution", "bundler", "--outDir", "out", "tour.ts")
		writeFile(t, filepath.Join(ts, "out", "package.json"), `{"type": "module"}`+"\n")
		if out := runIn(t, ts, env, "node", filepath.Join("out", "tour.js")); !strings.Contains(out, "tour done: ") {
			t.Errorf("the TypeScript tour said %q", out)
		}
	})
}
