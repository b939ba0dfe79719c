package main

import "testing"

func TestSymbolPackage(t *testing.T) {
	tests := map[string]string{
		"net/http.(*Client).Do":                                         "net/http",
		"runtime.mallocgc":                                              "runtime",
		"type:*net/http.Client":                                         "net/http",
		"type:github.com/aws/smithy-go/middleware.Stack":                "github.com/aws/smithy-go/middleware",
		"go:itab.*net/http.Transport,net/http.RoundTripper":             "net/http",
		"github.com/aws/aws-sdk-go-v2/service/dynamodb.(*Client).Query": "github.com/aws/aws-sdk-go-v2/service/dynamodb",
		"github.com/go-playground/validator/v10.map.init.12":            "github.com/go-playground/validator/v10",
		"slices.SortFunc[go.shape.[]string,go.shape.string]":            "slices",
		"vendor/golang.org/x/net/idna.idnaValues":                       "vendor/golang.org/x/net/idna",
		"go:func.*":   "",
		"go:string.*": "",
		"type:*":      "",
	}
	for name, want := range tests {
		if got := symbolPackage(name); got != want {
			t.Errorf("symbolPackage(%q) = %q, want %q", name, got, want)
		}
	}
}

func TestModuleOfTakesTheLongestModulePath(t *testing.T) {
	modules := []string{"github.com/example/serverless-todo", "github.com/aws/aws-sdk-go-v2", "github.com/aws/aws-sdk-go-v2/service/dynamodb", "github.com/aws/smithy-go"}
	tests := map[string]string{
		"github.com/aws/aws-sdk-go-v2/service/dynamodb/types": "github.com/aws/aws-sdk-go-v2/service/dynamodb",
		"github.com/aws/aws-sdk-go-v2/service/dynamodb":       "github.com/aws/aws-sdk-go-v2/service/dynamodb",
		"github.com/aws/aws-sdk-go-v2/aws/retry":              "github.com/aws/aws-sdk-go-v2",
		"github.com/aws/smithy-gopher":                        stdModule,
		"github.com/example/serverless-todo/pkg/store":        "github.com/example/serverless-todo",
		"net/http":                     stdModule,
		"vendor/golang.org/x/net/idna": stdModule,
	}
	for pkg, want := range tests {
		if got := moduleOf(pkg, modules); got != want {
			t.Errorf("moduleOf(%q) = %q, want %q", pkg, got, want)
		}
	}
}
