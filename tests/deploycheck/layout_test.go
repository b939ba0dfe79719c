package deploycheck

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestTheREADMELayoutIsTheTree holds the README's layout table to the
// tree: every Go package has a row (function folders share one), and every
// path the table names exists.
func TestTheREADMELayoutIsTheTree(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(readme), "\n### Layout\n")
	if !ok {
		t.Fatal("README.md has no Layout section")
	}
	section, _, _ = strings.Cut(section, "\n### ")
	var named []string
	quoted := regexp.MustCompile("`([^`]+)`")
	for line := range strings.SplitSeq(section, "\n") {
		if !strings.HasPrefix(line, "| `") {
			continue
		}
		first, _, _ := strings.Cut(strings.TrimPrefix(line, "| "), " | ")
		for _, m := range quoted.FindAllStringSubmatch(first, -1) {
			named = append(named, strings.TrimSuffix(m[1], "/"))
		}
	}
	if len(named) == 0 {
		t.Fatal("the Layout table names nothing")
	}
	for _, path := range named {
		dir, _, wildcard := strings.Cut(path, "/<")
		if !wildcard {
			dir = path
		}
		if _, err := os.Stat(filepath.Join(root, dir)); err != nil {
			t.Errorf("README.md's layout names %s, which does not exist", path)
		}
	}
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		switch name := d.Name(); {
		case rel != "." && (strings.HasPrefix(name, ".") || name == "node_modules" || name == "testdata" || name == "build"):
			return filepath.SkipDir
		}
		if files, _ := filepath.Glob(filepath.Join(path, "*.go")); len(files) == 0 {
			return nil
		}
		rel = filepath.ToSlash(rel)
		// A row X/<name> stands for every package X/<something>.
		if !slices.Contains(named, rel) && !slices.Contains(named, filepath.ToSlash(filepath.Dir(rel))+"/<name>") {
			t.Errorf("README.md's layout has no row for the package %s", rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
