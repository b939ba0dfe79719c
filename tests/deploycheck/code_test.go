package deploycheck

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/example/serverless-todo/internal/deps"
	"github.com/example/serverless-todo/internal/testkit/iamdecl"
)

// module is the repository's Go module.
const module = deps.Module

// ownerSymbol is what a function links when it reads the caller's
// identity: its routes must be behind the JWT authorizer.
const ownerSymbol = module + "/pkg/request.Owner"

// linked is what the binary of one function folder links: the symbols of
// this module, and the IAM actions they declare.
type linked struct {
	symbols map[string]bool
	actions []string
	// leadingKeys are the partition key patterns its DynamoDB calls reach.
	leadingKeys []string
	err         error
}

// code reads what each function folder of a repository links: it builds
// the function for this machine, with the Lambda build's tags, without
// inlining this module's code (so that every method called keeps its
// symbol), and lists the binary's symbols. What it reads depends only on
// the folder's code, pkg/ and the module's files, so it is kept by their
// content: copies of the repository share what they have in common.
type code struct {
	dir string
}

var (
	linkedMu    sync.Mutex
	linkedCache = map[string]*linked{}
	declsCache  = map[string]map[string]iamdecl.Declaration{}
)

// codeOf returns the code reader of the repository in dir.
func codeOf(dir string) *code { return &code{dir: dir} }

// hash is the content of the files under the given folders of the
// repository (recursively), and of the module's files.
func (c *code) hash(folders ...string) (string, error) {
	h := sha256.New()
	for _, name := range []string{"go.mod", "go.sum"} {
		b, err := os.ReadFile(filepath.Join(c.dir, name))
		if err != nil {
			return "", err
		}
		fmt.Fprintf(h, "%s %d\n", name, len(b))
		h.Write(b)
	}
	for _, folder := range folders {
		err := filepath.WalkDir(filepath.Join(c.dir, folder), func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") {
				return err
			}
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(c.dir, path)
			fmt.Fprintf(h, "%s %d\n", rel, len(b))
			h.Write(b)
			return nil
		})
		if err != nil {
			return "", err
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// declarations reads the IAM lines of every package under pkg/.
func (c *code) declarations() (map[string]iamdecl.Declaration, error) {
	key, err := c.hash("pkg")
	if err != nil {
		return nil, err
	}
	if d, ok := declsCache[key]; ok {
		return d, nil
	}
	out := map[string]iamdecl.Declaration{}
	pkgs, err := os.ReadDir(filepath.Join(c.dir, "pkg"))
	if err != nil {
		return nil, err
	}
	for _, p := range pkgs {
		if !p.IsDir() {
			continue
		}
		decls, err := iamdecl.Read(filepath.Join(c.dir, "pkg", p.Name()), module+"/pkg/"+p.Name())
		if err != nil {
			return nil, err
		}
		for sym, d := range decls {
			out[sym] = d
		}
	}
	declsCache[key] = out
	return out, nil
}

// of returns what the function in functions/<folder> links.
func (c *code) of(folder string) *linked {
	linkedMu.Lock()
	defer linkedMu.Unlock()
	key, err := c.hash("pkg", filepath.Join("functions", folder))
	if err != nil {
		return &linked{err: err}
	}
	if l, ok := linkedCache[key]; ok {
		return l
	}
	l := &linked{}
	linkedCache[key] = l
	l.symbols, l.err = c.symbols(folder)
	if l.err != nil {
		return l
	}
	decls, err := c.declarations()
	if err != nil {
		l.err = err
		return l
	}
	for sym := range l.symbols {
		l.actions = append(l.actions, decls[sym].Actions...)
		l.leadingKeys = append(l.leadingKeys, decls[sym].LeadingKeys...)
	}
	slices.Sort(l.actions)
	l.actions = slices.Compact(l.actions)
	slices.Sort(l.leadingKeys)
	l.leadingKeys = slices.Compact(l.leadingKeys)
	return l
}

func (c *code) symbols(folder string) (map[string]bool, error) {
	out, err := os.MkdirTemp("", "deploycheck-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(out)
	bin := filepath.Join(out, "bootstrap")
	build := exec.Command("go", "build", "-tags", deps.Tags,
		"-gcflags", module+"/...=-l", "-o", bin, "./functions/"+folder)
	build.Dir = c.dir
	if b, err := build.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("go build ./functions/%s: %w\n%s", folder, err, b)
	}
	nm := exec.Command("go", "tool", "nm", bin)
	b, err := nm.Output()
	if err != nil {
		return nil, fmt.Errorf("go tool nm: %w", err)
	}
	syms := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) >= 3 && strings.HasPrefix(fields[2], module+"/") {
			syms[fields[2]] = true
		}
	}
	return syms, sc.Err()
}
