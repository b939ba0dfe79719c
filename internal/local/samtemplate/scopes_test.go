package samtemplate_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/example/serverless-todo/internal/local/samtemplate"
)

func TestResolveScopes(t *testing.T) {
	const doc = `paths:
  /todos:
    get:
      security:
        - jwt:
            - Ref: JwtScope
            - literal/scope
      x-amazon-apigateway-integration:
        uri:
          Fn::Sub: arn:${Fn}
    post:
      security: []
  /other:
    delete:
      security:
        - jwt: [literal]
`
	resolve := func(v any) (string, error) {
		m, ok := v.(map[string]any)
		if !ok || m["Ref"] != "JwtScope" {
			return "", fmt.Errorf("unexpected %v", v)
		}
		return `scope "quoted"`, nil
	}
	got, err := samtemplate.ResolveScopes([]byte(doc), resolve)
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Replace(doc, `            - Ref: JwtScope`, `            - "scope \"quoted\""`, 1)
	if string(got) != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if strings.Count(string(got), "\n") != strings.Count(doc, "\n") {
		t.Error("the line count changed")
	}
}

func TestResolveScopesRefuses(t *testing.T) {
	tests := []struct {
		name, doc, want string
	}{
		{"a function over two lines", "paths:\n  /a:\n    get:\n      security:\n        - jwt:\n            - Fn::If:\n                - C\n                - a\n                - b\n", "line 6: write the intrinsic function of a scope as a list item in block style, on one line"},
		{"a function in flow style", "paths:\n  /a:\n    get:\n      security:\n        - jwt: [{Ref: JwtScope}]\n", "line 5: write the intrinsic function"},
		{"what resolve refuses", "paths:\n  /a:\n    get:\n      security:\n        - jwt:\n            - Ref: Nope\n", "line 6: no such parameter"},
		{"a document that is not a mapping", "- a\n", "not a mapping"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := samtemplate.ResolveScopes([]byte(tt.doc), func(any) (string, error) { return "", errors.New("no such parameter") })
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want one saying %q", err, tt.want)
			}
		})
	}
}
