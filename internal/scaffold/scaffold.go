// Package scaffold adds a route to the API the way the README's "Add a
// route" section does by hand: a function folder made from a working
// template, and its three edits, to openapi.yaml (the operation and its
// integration), template.yaml (the function, its role, log group and
// invoke permission) and the Makefile (the target sam build runs). The
// drift tests then hold the four places to one another.
package scaffold

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"text/template"
	"unicode"

	"github.com/example/serverless-todo/internal/deps"
)

// Route is the route to add.
type Route struct {
	// Name is the function's folder under functions/, like "me".
	Name string
	// Key is the route, like "GET /me".
	Key string
	// Public routes need no token; others are behind the JWT authorizer
	// and answer with the caller's identity.
	Public bool
}

// Edits chooses which of the three file edits Add writes; the folder is
// always written.
type Edits struct {
	OpenAPI, Template, Makefile bool
}

// All writes every edit.
var All = Edits{OpenAPI: true, Template: true, Makefile: true}

var (
	namePattern  = regexp.MustCompile(`^[a-z][a-z0-9]*(-[a-z0-9]+)*$`)
	routePattern = regexp.MustCompile(`^(GET|POST|PUT|PATCH|DELETE) (/[a-zA-Z0-9_.{}/-]*)$`)
)

// spec is what the templates are filled in with.
type spec struct {
	Route
	Method, Path string
	// ID is the function's logical ID, like MeFunction.
	ID string
	// Operation is the OpenAPI operationId, like getMe.
	Operation string
	// Package is the Go package of the folder.
	Package string
	// Handler is the handler type, like meHandler.
	Handler string
	// ArnPath is the path in the execute-api ARN: path parameters are *.
	ArnPath string
	// Params are the path's parameters.
	Params []string
}

// alarm is one of the alarms every function has on a Lambda metric of its
// own, tuned by the template's AlarmFunction<Metric> parameter.
type alarm struct{ Metric, Description string }

// Alarms are the function's own alarms, as template.yaml declares them for
// every function (the drift test "alarms" checks both).
func (*spec) Alarms() []alarm {
	return []alarm{
		{"Errors", "failed with a crash, a timeout or a failed record (its log group says which)"},
		{"Throttles", "was throttled, Lambda refusing invocations for want of concurrency"},
	}
}

// Add writes the route r into the repository in dir and returns the paths
// it wrote, relative to dir.
func Add(dir string, r Route, edits Edits) ([]string, error) {
	s, err := newSpec(r)
	if err != nil {
		return nil, err
	}
	folder := filepath.Join(dir, "functions", r.Name)
	if _, err := os.Stat(folder); err == nil {
		return nil, fmt.Errorf("scaffold: functions/%s exists already", r.Name)
	}
	var written []string
	if err := os.MkdirAll(folder, 0o755); err != nil {
		return nil, err
	}
	for name, tmpl := range map[string]string{
		"main.go":           mainTemplate,
		r.Name + ".go":      handlerTemplate,
		r.Name + "_test.go": testTemplate,
	} {
		if err := writeTemplate(filepath.Join(folder, name), tmpl, s); err != nil {
			return nil, err
		}
		written = append(written, filepath.Join("functions", r.Name, name))
	}
	list, err := deps.List(dir, r.Name)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(folder, deps.File), deps.Format(list), 0o644); err != nil {
		return nil, err
	}
	written = append(written, filepath.Join("functions", r.Name, deps.File))

	for _, e := range []struct {
		on   bool
		file string
		edit func([]byte, *spec) ([]byte, error)
	}{
		{edits.OpenAPI, "openapi.yaml", editOpenAPI},
		{edits.Template, "template.yaml", editTemplate},
		{edits.Makefile, "Makefile", editMakefile},
	} {
		if !e.on {
			continue
		}
		path := filepath.Join(dir, e.file)
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		out, err := e.edit(data, s)
		if err != nil {
			return nil, fmt.Errorf("scaffold: %s: %w", e.file, err)
		}
		if err := os.WriteFile(path, out, 0o644); err != nil {
			return nil, err
		}
		written = append(written, e.file)
	}
	return written, nil
}

func newSpec(r Route) (*spec, error) {
	if !namePattern.MatchString(r.Name) {
		return nil, fmt.Errorf("scaffold: NAME %q: want lower-case letters and digits, words joined by -", r.Name)
	}
	m := routePattern.FindStringSubmatch(r.Key)
	if m == nil {
		return nil, fmt.Errorf("scaffold: ROUTE %q: want a method and a path, like \"GET /me\"", r.Key)
	}
	s := &spec{Route: r, Method: m[1], Path: m[2]}
	words := strings.Split(r.Name, "-")
	var camel strings.Builder
	for _, w := range words {
		camel.WriteString(string(unicode.ToUpper(rune(w[0]))) + w[1:])
	}
	s.ID = camel.String() + "Function"
	s.Operation = strings.ToLower(s.Method) + camel.String()
	s.Package = "main"
	s.Handler = strings.ToLower(camel.String()[:1]) + camel.String()[1:] + "Handler"
	s.ArnPath = regexp.MustCompile(`\{[^}]+\}`).ReplaceAllString(s.Path, "*")
	for _, p := range regexp.MustCompile(`\{([^}]+)\}`).FindAllStringSubmatch(s.Path, -1) {
		s.Params = append(s.Params, p[1])
	}
	return s, nil
}

func writeTemplate(path, text string, s *spec) error {
	var b bytes.Buffer
	if err := template.Must(template.New(filepath.Base(path)).Parse(text)).Execute(&b, s); err != nil {
		return err
	}
	return os.WriteFile(path, b.Bytes(), 0o644)
}

func fill(text string, s *spec) ([]byte, error) {
	var b bytes.Buffer
	err := template.Must(template.New("edit").Parse(text)).Execute(&b, s)
	return b.Bytes(), err
}

// editOpenAPI adds the operation under its path, making the path item if
// the document has none.
func editOpenAPI(doc []byte, s *spec) ([]byte, error) {
	op, err := fill(operationTemplate, s)
	if err != nil {
		return nil, err
	}
	text := string(doc)
	pathLine := "  " + s.Path + ":\n"
	if i := strings.Index(text, "\n"+pathLine); i >= 0 {
		at := i + 1 + len(pathLine)
		if strings.Contains("\n"+pathItem(text[at:]), "\n    "+strings.ToLower(s.Method)+":\n") {
			return nil, fmt.Errorf("%s already has an operation %s", s.Path, s.Key)
		}
		return []byte(text[:at] + string(op) + text[at:]), nil
	}
	at := strings.Index(text, "\ncomponents:\n")
	if at < 0 {
		return nil, errors.New("no top-level components: to insert the path before")
	}
	return []byte(text[:at] + "\n" + pathLine + string(op) + text[at:]), nil
}

// pathItem returns the lines of the path item that text starts with: those
// indented deeper than its path, or empty.
func pathItem(text string) string {
	end := 0
	for end < len(text) {
		line, _, _ := strings.Cut(text[end:], "\n")
		if line != "" && !strings.HasPrefix(line, "    ") {
			break
		}
		end += len(line) + 1
	}
	return text[:min(end, len(text))]
}

// editTemplate adds the function and what it needs before the Outputs.
func editTemplate(doc []byte, s *spec) ([]byte, error) {
	res, err := fill(resourcesTemplate, s)
	if err != nil {
		return nil, err
	}
	text := string(doc)
	if strings.Contains(text, "\n  "+s.ID+":\n") {
		return nil, fmt.Errorf("it already has a resource %s", s.ID)
	}
	at := strings.Index(text, "\nOutputs:\n")
	if at < 0 {
		return nil, errors.New("no Outputs: section to insert the resources before")
	}
	text = text[:at] + "\n" + string(res) + text[at:]
	if s.Public {
		// A public route gets the public form's lower throttling.
		settings := "      RouteSettings:\n"
		i := strings.Index(text, settings)
		if i < 0 {
			return nil, errors.New("no RouteSettings in the HTTP API to throttle a public route in")
		}
		limits, err := fill(publicThrottlingTemplate, s)
		if err != nil {
			return nil, err
		}
		i += len(settings)
		text = text[:i] + string(limits) + text[i:]
	}
	return []byte(text), nil
}

// editMakefile adds the function's build target after the others.
func editMakefile(doc []byte, s *spec) ([]byte, error) {
	target, err := fill(makeTemplate, s)
	if err != nil {
		return nil, err
	}
	text := string(doc)
	re := regexp.MustCompile(`(?m)^build-[A-Za-z0-9]+Function:.*\n`)
	all := re.FindAllStringIndex(text, -1)
	if len(all) == 0 {
		return nil, errors.New("no build-<Function> targets to add one after")
	}
	at := all[len(all)-1][1]
	return []byte(text[:at] + string(target) + text[at:]), nil
}
