package samtemplate

import (
	"errors"
	"fmt"
	"os"
	"regexp"

	"go.yaml.in/yaml/v3"
)

// LoadInclude reads a file that an AWS::Include transform inserts into the
// template, such as an HTTP API's OpenAPI definition (see
// HTTPAPI.DefinitionLocation), into plain values as Parse reads a
// template, intrinsic functions included. AWS::Include does not read YAML
// short forms such as !Ref, so a file using one is refused, as
// CloudFormation would refuse it.
func LoadInclude(path string) (map[string]any, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("samtemplate: %w", err)
	}
	return ParseInclude(data, path)
}

// ParseInclude is LoadInclude of data, read from the file path names.
func ParseInclude(data []byte, path string) (map[string]any, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("samtemplate: %s: %w", path, err)
	}
	if n := shortForm(&doc); n != nil {
		return nil, fmt.Errorf("samtemplate: %s: line %d: AWS::Include does not read the short form %s; write the function out (Fn::Sub, Ref, ...)", path, n.Line, n.Tag)
	}
	v, err := value(&doc)
	if err != nil {
		return nil, fmt.Errorf("samtemplate: %s: %w", path, err)
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("samtemplate: %s is not a mapping", path)
	}
	return m, nil
}

// shortForm returns the first node under n tagged with a short-form
// intrinsic function, or nil.
func shortForm(n *yaml.Node) *yaml.Node {
	if isShortForm(n.Tag) {
		return n
	}
	for _, c := range n.Content {
		if found := shortForm(c); found != nil {
			return found
		}
	}
	return nil
}

// Integration is an OpenAPI operation's x-amazon-apigateway-integration:
// how API Gateway reaches the operation's backend.
type Integration struct {
	// Type is aws_proxy for a Lambda proxy integration.
	Type string
	// HTTPMethod is how API Gateway calls the backend: POST for Lambda.
	HTTPMethod string
	// PayloadFormatVersion is the event format, 1.0 or 2.0.
	PayloadFormatVersion string
	// URI is the uri member, unresolved.
	URI any
	// Function is the logical ID of the template's function that URI
	// invokes, X in
	// Fn::Sub: arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${X.Arn}/invocations;
	// empty when URI is anything else.
	Function string
}

var invocationURI = regexp.MustCompile(`^arn:\$\{AWS::Partition\}:apigateway:\$\{AWS::Region\}:lambda:path/2015-03-31/functions/\$\{([A-Za-z0-9]+)\.Arn\}/invocations$`)

// ParseIntegration reads the value of an x-amazon-apigateway-integration.
func ParseIntegration(v any) (Integration, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return Integration{}, errors.New("has no x-amazon-apigateway-integration")
	}
	var ig Integration
	for _, s := range []struct {
		dst *string
		key string
	}{
		{&ig.Type, "type"},
		{&ig.HTTPMethod, "httpMethod"},
		{&ig.PayloadFormatVersion, "payloadFormatVersion"},
	} {
		if m[s.key] == nil {
			continue
		}
		var err error
		if *s.dst, err = Literal(m[s.key]); err != nil {
			return Integration{}, fmt.Errorf("integration %s: %w", s.key, err)
		}
	}
	ig.URI = m["uri"]
	if name, arg, ok := Intrinsic(ig.URI); ok && name == "Fn::Sub" {
		if format, ok := arg.(string); ok {
			if match := invocationURI.FindStringSubmatch(format); match != nil {
				ig.Function = match[1]
			}
		}
	}
	return ig, nil
}
