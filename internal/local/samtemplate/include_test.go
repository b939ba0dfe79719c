package samtemplate_test

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/example/serverless-todo/internal/local/samtemplate"
)

func writeFile(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "api.yaml")
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestLoadIncludeReadsLongFormIntrinsics(t *testing.T) {
	path := writeFile(t, `openapi: 3.0.3
paths:
  /hello:
    get:
      x-amazon-apigateway-integration:
        uri:
          Fn::Sub: arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${HelloFunction.Arn}/invocations
        timeoutInMillis: 3000
x-amazon-apigateway-cors:
  allowOrigins:
    Ref: Origins
`)
	doc, err := samtemplate.LoadInclude(path)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"openapi": "3.0.3",
		"paths": map[string]any{"/hello": map[string]any{"get": map[string]any{
			"x-amazon-apigateway-integration": map[string]any{
				"uri":             map[string]any{"Fn::Sub": "arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${HelloFunction.Arn}/invocations"},
				"timeoutInMillis": int64(3000),
			},
		}}},
		"x-amazon-apigateway-cors": map[string]any{"allowOrigins": map[string]any{"Ref": "Origins"}},
	}
	if !reflect.DeepEqual(doc, want) {
		t.Errorf("LoadInclude = %#v\nwant %#v", doc, want)
	}
}

func TestLoadIncludeRefusesWhatAWSIncludeRefuses(t *testing.T) {
	tests := []struct {
		name    string
		content string
		want    string
	}{
		{"a short-form Ref", "a:\n  b: !Ref Origins\n", "line 2: AWS::Include does not read the short form !Ref"},
		{"a short-form Sub in a list", "a:\n  - x\n  - !Sub '${AWS::Region}'\n", "line 3: AWS::Include does not read the short form !Sub"},
		{"a document that is not a mapping", "- a\n- b\n", "is not a mapping"},
		{"malformed YAML", "a: [b\n", "yaml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := samtemplate.LoadInclude(writeFile(t, tt.content))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("LoadInclude = %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestParseIntegrationNamesTheInvokedFunction(t *testing.T) {
	const uri = "arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${HelloFunction.Arn}/invocations"
	tests := []struct {
		name string
		v    any
		want samtemplate.Integration
	}{
		{
			name: "a Lambda proxy integration",
			v:    map[string]any{"type": "aws_proxy", "httpMethod": "POST", "payloadFormatVersion": "2.0", "uri": map[string]any{"Fn::Sub": uri}},
			want: samtemplate.Integration{Type: "aws_proxy", HTTPMethod: "POST", PayloadFormatVersion: "2.0", URI: map[string]any{"Fn::Sub": uri}, Function: "HelloFunction"},
		},
		{
			name: "a version written as a number",
			v:    map[string]any{"payloadFormatVersion": 1.5},
			want: samtemplate.Integration{PayloadFormatVersion: "1.5"},
		},
		{
			name: "a literal ARN names no function of the template",
			v:    map[string]any{"uri": "arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/arn:aws:lambda:eu-west-1:123456789012:function:Hello/invocations"},
			want: samtemplate.Integration{URI: "arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/arn:aws:lambda:eu-west-1:123456789012:function:Hello/invocations"},
		},
		{
			name: "a function's name instead of its ARN",
			v:    map[string]any{"uri": map[string]any{"Fn::Sub": strings.Replace(uri, ".Arn", "", 1)}},
			want: samtemplate.Integration{URI: map[string]any{"Fn::Sub": strings.Replace(uri, ".Arn", "", 1)}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := samtemplate.ParseIntegration(tt.v)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ParseIntegration = %#v\nwant %#v", got, tt.want)
			}
		})
	}
	if _, err := samtemplate.ParseIntegration(nil); err == nil || !strings.Contains(err.Error(), "has no x-amazon-apigateway-integration") {
		t.Errorf("ParseIntegration(nil) = %v, want an error", err)
	}
}
