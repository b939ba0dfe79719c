package e2e

import (
	"bufio"
	"bytes"
	_ "embed"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"text/template"
	"time"
)

// figures are what the reliability tests measured, by test: how many
// requests, which statuses, how many faults. With RELIABILITY_REPORT set,
// TestMain renders them into that file (make reliability: RELIABILITY.md)
// once every test has passed.
var figures = struct {
	sync.Mutex
	m map[string]map[string]any
}{m: map[string]map[string]any{}}

// recordFigures keeps a test's figures for the report.
func recordFigures(test string, v map[string]any) {
	figures.Lock()
	defer figures.Unlock()
	figures.m[test] = v
}

//go:embed reliability.md.tmpl
var reliabilityTemplate string

// fuzzResult is one fuzz target's run, read from make fuzz's output.
type fuzzResult struct {
	Package, Target string
	Execs           int64
	Result          string
}

// writeReliability renders the figures into path, with the fuzz results
// from the log of make fuzz at fuzzLog and govulncheck's findings from the
// log of make vulncheck at vulnLog.
func writeReliability(path, fuzzLog, fuzzTime, vulnLog string) error {
	fuzz, err := readFuzzLog(fuzzLog)
	if err != nil {
		return err
	}
	vulns, err := readVulncheckLog(vulnLog)
	if err != nil {
		return err
	}
	pin, err := vulndbPin()
	if err != nil {
		return err
	}
	figures.Lock()
	defer figures.Unlock()
	pushover := map[string]map[string]any{}
	for name, f := range figures.m {
		if rest, ok := strings.CutPrefix(name, "pushover: "); ok {
			pushover["Contact form with "+rest] = f
		}
	}
	tmpl, err := template.New("reliability").Option("missingkey=error").Funcs(template.FuncMap{
		"statuses": formatStatuses,
		"total": func(m map[string]int) int {
			n := 0
			for _, v := range m {
				n += v
			}
			return n
		},
		"fuzzExecs": func(rs []fuzzResult) string {
			var n int64
			for _, r := range rs {
				n += r.Execs
			}
			return fmt.Sprintf("%d", n)
		},
		"fuzzFailures": func(rs []fuzzResult) int {
			n := 0
			for _, r := range rs {
				if r.Result != "pass" {
					n++
				}
			}
			return n
		},
	}).Parse(reliabilityTemplate)
	if err != nil {
		return err
	}
	var out bytes.Buffer
	err = tmpl.Execute(&out, map[string]any{
		"Date":      time.Now().UTC().Format("2006-01-02"),
		"GoVersion": runtime.Version(),
		"CPU":       cpuName(),
		"FuzzTime":  fuzzTime,
		"Fuzz":      fuzz,
		"F":         figures.m,
		"Pushover":  pushover,
		"Vulns":     vulns,
		"VulnDB":    pin,
	})
	if err != nil {
		return err
	}
	return os.WriteFile(path, out.Bytes(), 0o644)
}

// formatStatuses writes a count by status as "200: 1, 412: 49".
func formatStatuses(m any) string {
	v := reflect.ValueOf(m)
	var parts []string
	for _, k := range v.MapKeys() {
		parts = append(parts, fmt.Sprintf("%v: %v", k, v.MapIndex(k)))
	}
	slices.Sort(parts)
	return strings.Join(parts, ", ")
}

// readVulncheckLog reads how many vulnerabilities govulncheck found the
// code to reach.
func readVulncheckLog(path string) (int, error) {
	if path == "" {
		return 0, fmt.Errorf("no govulncheck log: run make reliability")
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	if m := regexp.MustCompile(`Your code is affected by (\d+) vulnerabilit`).FindSubmatch(data); m != nil {
		return strconv.Atoi(string(m[1]))
	}
	if bytes.Contains(data, []byte("No vulnerabilities found.")) {
		return 0, nil
	}
	return 0, fmt.Errorf("%s: not govulncheck's output", path)
}

// vulndbPin returns the version of golang.org/x/vulndb that tools/vulndb
// pins.
func vulndbPin() (string, error) {
	data, err := os.ReadFile(filepath.Join(root, "tools", "vulndb", "go.mod"))
	if err != nil {
		return "", err
	}
	m := regexp.MustCompile(`(?m)^\s*golang\.org/x/vulndb (v\S+)`).FindSubmatch(data)
	if m == nil {
		return "", fmt.Errorf("tools/vulndb/go.mod pins no golang.org/x/vulndb")
	}
	return string(m[1]), nil
}

var (
	fuzzHeader = regexp.MustCompile(`^== (\S+) (Fuzz\w+)$`)
	fuzzExecs  = regexp.MustCompile(`execs: (\d+)`)
)

// readFuzzLog reads make fuzz's output: a "== package target" line before
// each target's go test output.
func readFuzzLog(path string) ([]fuzzResult, error) {
	if path == "" {
		return nil, fmt.Errorf("no fuzz log: run make reliability")
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var out []fuzzResult
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := sc.Text()
		if m := fuzzHeader.FindStringSubmatch(line); m != nil {
			out = append(out, fuzzResult{Package: strings.TrimPrefix(m[1], "./"), Target: m[2], Result: "did not finish"})
			continue
		}
		if len(out) == 0 {
			continue
		}
		cur := &out[len(out)-1]
		if m := fuzzExecs.FindStringSubmatch(line); m != nil {
			fmt.Sscan(m[1], &cur.Execs)
		}
		switch {
		case strings.HasPrefix(line, "ok "):
			cur.Result = "pass"
		case strings.HasPrefix(line, "--- FAIL") || strings.HasPrefix(line, "FAIL"):
			cur.Result = "FAIL"
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s holds no fuzz runs", path)
	}
	return out, sc.Err()
}

// cpuName is the processor's model and how many there are.
func cpuName() string {
	data, _ := os.ReadFile("/proc/cpuinfo")
	for line := range strings.SplitSeq(string(data), "\n") {
		if name, ok := strings.CutPrefix(line, "model name"); ok {
			return fmt.Sprintf("%s, %d cores", strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(name), ":")), runtime.NumCPU())
		}
	}
	return fmt.Sprintf("%s/%s, %d cores", runtime.GOOS, runtime.GOARCH, runtime.NumCPU())
}
