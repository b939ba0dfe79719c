package samtemplate

import (
	"bytes"
	"encoding/json"
	"fmt"

	"go.yaml.in/yaml/v3"
)

// OperationMethods are the members of an OpenAPI path item that are
// operations, with the method of the HTTP API route key each becomes.
var OperationMethods = map[string]string{
	"get": "GET", "put": "PUT", "post": "POST", "delete": "DELETE",
	"options": "OPTIONS", "head": "HEAD", "patch": "PATCH",
	"x-amazon-apigateway-any-method": "ANY",
}

// ResolveScopes returns the OpenAPI document src, a file that an
// AWS::Include inserts, with each intrinsic function among the scopes of
// its operations' security requirements replaced by the string resolve
// gives for it, as CloudFormation resolves it before API Gateway imports
// the document.
//
// A route's scope (Ref: JwtScope) is the one place where the document
// holds an intrinsic function and OpenAPI wants a literal; everywhere else
// they sit in x-amazon-apigateway-* extensions, which OpenAPI tools leave
// alone. So the result is the document as those tools read it: the linter,
// the rendered docs and kin-openapi. Each function must be written on one
// line, and its value takes that line's place, so that every line number a
// tool reports for the result holds for src too.
func ResolveScopes(src []byte, resolve func(v any) (string, error)) ([]byte, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		return nil, fmt.Errorf("samtemplate: %w", err)
	}
	if len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, fmt.Errorf("samtemplate: the OpenAPI document is not a mapping")
	}
	lines := bytes.SplitAfter(src, []byte("\n"))
	for _, op := range operations(doc.Content[0]) {
		security := member(op, "security")
		if security == nil || security.Kind != yaml.SequenceNode {
			continue
		}
		for _, req := range security.Content {
			if req.Kind != yaml.MappingNode {
				continue
			}
			for i := 1; i < len(req.Content); i += 2 {
				scopes := req.Content[i]
				for _, scope := range scopes.Content {
					if scope.Kind == yaml.ScalarNode {
						continue
					}
					// A block mapping on one line ends where the line
					// does; in flow style, the line goes on after it.
					if last := lastLine(scope); last != scope.Line || scopes.Style&yaml.FlowStyle != 0 || scope.Style&yaml.FlowStyle != 0 {
						return nil, fmt.Errorf("samtemplate: line %d: write the intrinsic function of a scope as a list item in block style, on one line: - Ref: Name", scope.Line)
					}
					v, err := value(scope)
					if err != nil {
						return nil, fmt.Errorf("samtemplate: %w", err)
					}
					s, err := resolve(v)
					if err != nil {
						return nil, fmt.Errorf("samtemplate: line %d: %w", scope.Line, err)
					}
					// A JSON string is a YAML double-quoted scalar.
					quoted, _ := json.Marshal(s)
					line := lines[scope.Line-1]
					end := bytes.TrimRight(line, "\r\n")
					lines[scope.Line-1] = append(append(line[:scope.Column-1:scope.Column-1], quoted...), line[len(end):]...)
				}
			}
		}
	}
	return bytes.Join(lines, nil), nil
}

// operations returns the operation objects of the document's paths.
func operations(root *yaml.Node) []*yaml.Node {
	var ops []*yaml.Node
	paths := member(root, "paths")
	if paths == nil || paths.Kind != yaml.MappingNode {
		return nil
	}
	for i := 1; i < len(paths.Content); i += 2 {
		item := paths.Content[i]
		if item.Kind != yaml.MappingNode {
			continue
		}
		for j := 0; j+1 < len(item.Content); j += 2 {
			if _, ok := OperationMethods[item.Content[j].Value]; ok && item.Content[j+1].Kind == yaml.MappingNode {
				ops = append(ops, item.Content[j+1])
			}
		}
	}
	return ops
}

// member returns the value of key in mapping n, or nil.
func member(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

func lastLine(n *yaml.Node) int {
	last := n.Line
	for _, c := range n.Content {
		last = max(last, lastLine(c))
	}
	return last
}
