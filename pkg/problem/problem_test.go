package problem_test

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/example/serverless-todo/pkg/problem"
)

func TestCutKeepsWholeCharacters(t *testing.T) {
	tests := []struct {
		in   string
		n    int
		want string
	}{
		{"short", 64, "short"},
		{strings.Repeat("a", 64), 64, strings.Repeat("a", 64)},
		{strings.Repeat("a", 65), 64, strings.Repeat("a", 61) + "…"},
		{strings.Repeat("é", 40), 64, strings.Repeat("é", 30) + "…"},
	}
	for _, tt := range tests {
		got := problem.Cut(tt.in, tt.n)
		if got != tt.want || len(got) > tt.n || !utf8.ValidString(got) {
			t.Errorf("Cut(%d bytes, %d) = %q (%d bytes), want %q", len(tt.in), tt.n, got, len(got), tt.want)
		}
	}
}

func TestInvalidBoundsWhatItEchoes(t *testing.T) {
	huge := strings.Repeat("x", 65000)
	var errs []problem.FieldError
	for range 100 {
		errs = append(errs, problem.FieldError{Field: huge, Message: "is not allowed"})
	}
	p := problem.Invalid("The body has members this API does not know.", errs...)
	body, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	if len(body) > 4096 || len(p.Errors) != problem.MaxErrors || len(p.Error()) > 4096 {
		t.Errorf("a problem of %d bytes (error text %d) with %d errors, want at most 4 KB and %d errors", len(body), len(p.Error()), len(p.Errors), problem.MaxErrors)
	}
	if !strings.Contains(p.Detail, "the first 20 of 100 errors") {
		t.Errorf("detail %q does not say errors were left out", p.Detail)
	}
	for _, e := range p.Errors {
		if len(e.Field) > problem.MaxFieldBytes {
			t.Fatalf("a field of %d bytes", len(e.Field))
		}
	}
}
