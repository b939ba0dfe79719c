package deploycheck

import (
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// goRelease reads the first match of pattern's one group in file.
func goRelease(t *testing.T, file, pattern string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, file))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(pattern).FindSubmatch(b)
	if m == nil {
		t.Errorf("%s: no line matches %s", file, pattern)
		return ""
	}
	return string(m[1])
}

// TestTheGoReleaseIsPinnedEverywhere holds the places that name the Go
// release to one: the standard library's fixes reach the functions only if
// every way of building them uses it, sam build's (go.mod's toolchain line)
// as much as make's and CI's.
func TestTheGoReleaseIsPinnedEverywhere(t *testing.T) {
	want := goRelease(t, "go.mod", `(?m)^toolchain (go\S+)$`)
	places := []struct{ file, pattern string }{
		{"tools/vulndb/go.mod", `(?m)^toolchain (go\S+)$`},
		{"Makefile", `(?m)^export GOTOOLCHAIN := (\S+)$`},
		{".ci/run", `(?m)^export GOTOOLCHAIN=(\S+)$`},
		{"README.md", `(?m)^export GOTOOLCHAIN=(\S+)`},
	}
	for _, p := range places {
		if got := goRelease(t, p.file, p.pattern); got != want {
			t.Errorf("%s names Go %s, go.mod's toolchain line %s: make them one", p.file, got, want)
		}
	}
	if got := runtime.Version(); got != want {
		t.Errorf("the tests run on %s, not on %s: run them with make test (or GOTOOLCHAIN=%s)", got, want, want)
	}
}

// TestLintAndTestRunGovulncheckOffline: make test and make lint both run
// govulncheck, against the database built from the pinned vulndb module by
// default, so CI checks for known vulnerabilities without the network.
func TestLintAndTestRunGovulncheckOffline(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(root, "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	makefile := string(b)
	for _, target := range []string{"test", "lint"} {
		m := regexp.MustCompile(`(?m)^` + target + `:(.*)$`).FindStringSubmatch(makefile)
		if m == nil || !slices.Contains(strings.Fields(m[1]), "vulncheck") {
			t.Errorf("Makefile: make %s does not depend on vulncheck", target)
		}
	}
	if !regexp.MustCompile(`(?m)^VULNDB \?= file://`).MatchString(makefile) {
		t.Error("Makefile: VULNDB does not default to the local database (file://...)")
	}
	if !regexp.MustCompile(`(?m)^\tgo tool govulncheck -db \$\(VULNDB\) \./\.\.\.$`).MatchString(makefile) {
		t.Error("Makefile: vulncheck does not run go tool govulncheck -db $(VULNDB) ./...")
	}
	pin := goRelease(t, "tools/vulndb/go.mod", `(?m)^\s*golang\.org/x/vulndb (v\S+)`)
	if readme, _ := os.ReadFile(filepath.Join(root, "README.md")); pin != "" && !strings.Contains(string(readme), "golang.org/x/vulndb@"+pin) {
		t.Errorf("README.md does not name the pinned database, golang.org/x/vulndb@%s, where it says how to move it", pin)
	}
}
