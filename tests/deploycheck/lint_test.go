package deploycheck

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/example/serverless-todo/internal/local/samtemplate"
)

// tool returns the path of a linter. A missing one fails the test, with
// how to install it: a check that did not run must not look like one that
// passed.
func tool(t *testing.T, path, install string) string {
	t.Helper()
	found, err := exec.LookPath(path)
	if err != nil {
		t.Fatalf("%s is not installed (%v); %s", path, err, install)
	}
	return found
}

const cfnLintInstall = "install cfn-lint 1.x (pip install cfn-lint), which brings the SAM translator"

// cfnLint runs cfn-lint on a template and returns its findings when it
// finds an error or a warning. Informational findings (exit status 8 alone)
// pass.
func cfnLint(t *testing.T, template string) (string, bool) {
	t.Helper()
	bin := tool(t, "cfn-lint", cfnLintInstall)
	out, err := exec.Command(bin, "--format", "parseable", "--", template).CombinedOutput()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return string(out), true
	case errors.As(err, &exit):
		return string(out), exit.ExitCode()&^8 == 0
	}
	t.Fatalf("cfn-lint: %v", err)
	return "", false
}

// processedTemplate writes template.yaml of dir into a new file with
// openapi.yaml in place of the AWS::Include of the API's definition, as
// CloudFormation sees it when the SAM transform runs. Linting it lets
// cfn-lint's SAM translation read the routes, the authorizer and CORS.
func processedTemplate(t *testing.T, dir string) string {
	t.Helper()
	var tpl, api yaml.Node
	for name, node := range map[string]*yaml.Node{"template.yaml": &tpl, "openapi.yaml": &api} {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := yaml.Unmarshal(data, node); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	body := lookup(tpl.Content[0], "Resources", apiID, "Properties", "DefinitionBody")
	if body == nil {
		t.Fatalf("template.yaml has no Resources.%s.Properties.DefinitionBody", apiID)
	}
	*body = *api.Content[0]
	out, err := yaml.Marshal(&tpl)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "processed.yaml")
	if err := os.WriteFile(path, out, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// lookup follows mapping keys from a YAML mapping node.
func lookup(n *yaml.Node, keys ...string) *yaml.Node {
	for _, key := range keys {
		if n == nil || n.Kind != yaml.MappingNode {
			return nil
		}
		var next *yaml.Node
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == key {
				next = n.Content[i+1]
			}
		}
		n = next
	}
	return n
}

// lintForms are the two ways the template is linted: as written, and with
// the OpenAPI document included.
var lintForms = []struct {
	name     string
	template func(t *testing.T, dir string) string
}{
	{"as written", func(t *testing.T, dir string) string { return filepath.Join(dir, "template.yaml") }},
	{"with openapi.yaml included", processedTemplate},
}

func TestTemplatePassesCfnLint(t *testing.T) {
	for _, form := range lintForms {
		t.Run(form.name, func(t *testing.T) {
			if out, ok := cfnLint(t, form.template(t, root)); !ok {
				t.Errorf("cfn-lint found errors or warnings:\n%s", out)
			}
		})
	}
}

func TestCfnLintCatchesMistakes(t *testing.T) {
	tests := []struct {
		name string
		edit edit
		form int
		want string
	}{
		{"a tracing mode Lambda does not know", edit{"template.yaml", "    Tracing: Active", "    Tracing: Sometimes"}, 0, "'Sometimes' is not one of"},
		{"openapi.yaml naming a parameter the template lacks", edit{"openapi.yaml", "    Ref: CorsAllowOrigins", "    Ref: CorsOrigins"}, 1, "'CorsOrigins' is not one of"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := mutate(t, tt.edit)
			out, ok := cfnLint(t, lintForms[tt.form].template(t, dir))
			if ok || !strings.Contains(out, tt.want) {
				t.Errorf("cfn-lint passed = %v with %q, want a finding about %s", ok, out, tt.want)
			}
		})
	}
}

// redocly returns the path of the Redocly CLI that make tools installs.
func redocly(t *testing.T) string {
	t.Helper()
	bin, err := filepath.Abs(filepath.Join(root, "node_modules", ".bin", "redocly"))
	if err != nil {
		t.Fatal(err)
	}
	return tool(t, bin, "run `make tools`, which installs it from package-lock.json")
}

// resolvedOpenAPI writes openapi.yaml of dir as make lint and make docs
// read it, with its routes' scopes resolved, to a new file.
func resolvedOpenAPI(t *testing.T, dir string) string {
	t.Helper()
	tpl, err := samtemplate.Load(filepath.Join(dir, "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	data, err := openAPIOf(dir, tpl)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "openapi.yaml")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// redoclyLint runs Redocly's linter with the repository's configuration on
// openapi.yaml of dir and returns its findings unless there are none.
func redoclyLint(t *testing.T, dir string) (string, bool) {
	t.Helper()
	bin := redocly(t)
	config, err := filepath.Abs(filepath.Join(root, "redocly.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	resolved := resolvedOpenAPI(t, dir)
	cmd := exec.Command(bin, "lint", "--format=json", "--config", config, resolved)
	cmd.Dir = dir
	out, err := cmd.Output()
	var report struct {
		Totals struct{ Errors, Warnings int }
	}
	if jsonErr := json.Unmarshal(out, &report); jsonErr != nil {
		t.Fatalf("redocly lint: %v, %v: %s", err, jsonErr, out)
	}
	return string(out), report.Totals.Errors == 0 && report.Totals.Warnings == 0
}

func TestOpenAPIPassesRedoclyLint(t *testing.T) {
	if out, ok := redoclyLint(t, root); !ok {
		t.Errorf("redocly lint found problems:\n%s", out)
	}
}

func TestRedoclyLintCatchesMistakes(t *testing.T) {
	tests := []struct {
		name string
		edit edit
		want string
	}{
		{"an example its schema rejects", edit{"openapi.yaml", "                  title: Buy milk\n", "                  title: 42\n"}, "no-invalid-media-type-examples"},
		{"an operation without an error response", edit{"openapi.yaml", "        '400':\n          $ref: '#/components/responses/BadRequest'\n        '401':\n          $ref: '#/components/responses/Unauthorized'\n        '403':\n          $ref: '#/components/responses/Forbidden'\n        '429':\n          $ref: '#/components/responses/TooManyRequests'\n        '500':\n          $ref: '#/components/responses/InternalServerError'\n        '503':\n          $ref: '#/components/responses/ServiceUnavailable'\n      x-amazon-apigateway-integration:\n        type: aws_proxy\n        httpMethod: POST\n        payloadFormatVersion: '2.0'\n        uri:\n          Fn::Sub: arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${ListTodosFunction.Arn}/invocations", "      x-amazon-apigateway-integration:\n        type: aws_proxy\n        httpMethod: POST\n        payloadFormatVersion: '2.0'\n        uri:\n          Fn::Sub: arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${ListTodosFunction.Arn}/invocations"}, "operation-4xx-response"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := mutate(t, tt.edit)
			out, ok := redoclyLint(t, dir)
			if ok || !strings.Contains(out, tt.want) {
				t.Errorf("redocly lint passed = %v with %s, want a %s problem", ok, out, tt.want)
			}
		})
	}
}

// TestNeitherRedoclyNorTheDocsPageSendTelemetry: the CLI reads telemetry
// from redocly.yaml, and with it off renders the page make docs builds with
// the option that keeps it from posting to Redocly's collector from every
// reader's browser.
func TestNeitherRedoclyNorTheDocsPageSendTelemetry(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(root, "redocly.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var config struct {
		Telemetry string `yaml:"telemetry"`
	}
	if err := yaml.Unmarshal(data, &config); err != nil {
		t.Fatal(err)
	}
	if config.Telemetry != "off" {
		t.Errorf("redocly.yaml: telemetry is %q; set telemetry: off", config.Telemetry)
	}
	page := filepath.Join(t.TempDir(), "index.html")
	cmd := exec.Command(redocly(t), "build-docs", resolvedOpenAPI(t, root), "--inlineBundle", "--output", page)
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("redocly build-docs: %v\n%s", err, out)
	}
	html, err := os.ReadFile(page)
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^\s*const __redoc_options = (\{.*\});$`).FindSubmatch(html)
	if m == nil {
		t.Fatal("the docs page has no __redoc_options: has Redocly changed how it renders options? Check that it still honours disableTelemetry")
	}
	var options struct {
		DisableTelemetry bool `json:"disableTelemetry"`
	}
	if err := json.Unmarshal(m[1], &options); err != nil || !options.DisableTelemetry {
		t.Errorf("the docs page's options %s do not turn telemetry off (err %v): telemetry: off in redocly.yaml should give them disableTelemetry", m[1], err)
	}
}
