package secret_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/example/serverless-todo/internal/local/stack"
	"github.com/example/serverless-todo/internal/testkit/mototest"
	"github.com/example/serverless-todo/pkg/awsconfig"
	"github.com/example/serverless-todo/pkg/errkind"
	"github.com/example/serverless-todo/pkg/secret"
)

func TestMain(m *testing.M) {
	code := m.Run()
	mototest.Stop()
	os.Exit(code)
}

// env is a function's environment with Secrets Manager at endpoint.
func env(endpoint string) func(string) string {
	return func(k string) string {
		switch k {
		case awsconfig.EnvRegion:
			return "us-east-1"
		case awsconfig.EnvAccessKeyID, awsconfig.EnvSecretAccessKey:
			return "local"
		case awsconfig.EndpointVariable(secret.EndpointService):
			return endpoint
		}
		return ""
	}
}

func TestASecretIsReadOnceAndKept(t *testing.T) {
	endpoint := mototest.Endpoint(t)
	ctx := context.Background()
	name := "secret-test-" + t.Name()
	if err := stack.CreateSecrets(ctx, endpoint, []stack.Secret{{Name: name, Value: `{"token":"v1"}`}}); err != nil {
		t.Fatal(err)
	}
	s, err := secret.Open(env(endpoint), name)
	if err != nil {
		t.Fatal(err)
	}
	var v struct{ Token string }
	if err := s.JSON(ctx, &v); err != nil || v.Token != "v1" {
		t.Fatalf("JSON = %+v, %v; want token v1", v, err)
	}
	// A new value in Secrets Manager does not reach a running
	// environment: the value is read once per execution environment.
	if err := stack.CreateSecrets(ctx, endpoint, []stack.Secret{{Name: name, Value: `{"token":"v2"}`}}); err != nil {
		t.Fatal(err)
	}
	if got, err := s.String(ctx); err != nil || got != `{"token":"v1"}` {
		t.Errorf("String = %q, %v; want the value read first", got, err)
	}
	fresh, _ := secret.Open(env(endpoint), name)
	if got, err := fresh.String(ctx); err != nil || got != `{"token":"v2"}` {
		t.Errorf("a new environment reads %q, %v; want the new value", got, err)
	}
}

func TestASecretThatCannotBeReadIsAnErrorThatQuotesNoValue(t *testing.T) {
	endpoint := mototest.Endpoint(t)
	ctx := context.Background()
	if err := stack.CreateSecrets(ctx, endpoint, []stack.Secret{{Name: "not-json", Value: "hunter2-SECRET"}}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, endpoint, id string
		unavailable        bool
	}{
		{"a secret that does not exist", endpoint, "no-such-secret", false},
		{"Secrets Manager unreachable", "http://127.0.0.1:1", "no-such-secret", true},
		{"a value that is not JSON", endpoint, "not-json", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := secret.Open(env(tt.endpoint), tt.id)
			if err != nil {
				t.Fatal(err)
			}
			var v map[string]string
			err = s.JSON(ctx, &v)
			if err == nil || !strings.Contains(err.Error(), tt.id) || strings.Contains(err.Error(), "SECRET") {
				t.Fatalf("err = %v, want one naming %s and quoting no value", err, tt.id)
			}
			if got := errors.Is(err, errkind.ErrUnavailable); got != tt.unavailable {
				t.Errorf("errors.Is(err, ErrUnavailable) = %v, want %v: %v", got, tt.unavailable, err)
			}
		})
	}
}

func TestOpenNeedsASecretID(t *testing.T) {
	if _, err := secret.Open(env("http://127.0.0.1:1"), ""); err == nil {
		t.Error("Open without an ID succeeded")
	}
}
