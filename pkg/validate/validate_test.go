package validate_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/example/serverless-todo/pkg/contact"
	"github.com/example/serverless-todo/pkg/problem"
	"github.com/example/serverless-todo/pkg/todo"
	"github.com/example/serverless-todo/pkg/validate"
)

func ptr[T any](v T) *T { return &v }

// fields returns the fields a validation problem names, failing on any other
// error.
func fields(t *testing.T, err error) []string {
	t.Helper()
	if err == nil {
		return nil
	}
	var p *problem.Problem
	if !errors.As(err, &p) || p.Status != 400 {
		t.Fatalf("error %v is not a 400 problem", err)
	}
	var out []string
	for _, e := range p.Errors {
		if e.Message == "" {
			t.Errorf("field %s has no message", e.Field)
		}
		out = append(out, e.Field)
	}
	return out
}

func TestStructNamesFieldsAsTheClientSpellsThem(t *testing.T) {
	v := validate.New()
	tests := []struct {
		name string
		in   todo.New
		want []string
	}{
		{"valid", todo.New{Title: "a", Notes: "line\nbreak\ttab", DueAt: ptr("2026-01-02T03:04:05.123+01:00"), Tags: []string{"x", "y"}}, nil},
		{"missing title", todo.New{}, []string{"title"}},
		{"title too long", todo.New{Title: strings.Repeat("é", 201)}, []string{"title"}},
		{"title at the limit in characters, not bytes", todo.New{Title: strings.Repeat("é", 200)}, nil},
		{"title with NUL", todo.New{Title: "a\x00b"}, []string{"title"}},
		{"title with a newline", todo.New{Title: "a\nb"}, []string{"title"}},
		{"notes with an escape character", todo.New{Title: "a", Notes: "\x1b[31mred"}, []string{"notes"}},
		{"notes too long", todo.New{Title: "a", Notes: strings.Repeat("n", 2001)}, []string{"notes"}},
		{"dueAt not RFC 3339", todo.New{Title: "a", DueAt: ptr("tomorrow")}, []string{"dueAt"}},
		{"dueAt without a zone", todo.New{Title: "a", DueAt: ptr("2026-01-02T03:04:05")}, []string{"dueAt"}},
		{"dueAt empty", todo.New{Title: "a", DueAt: ptr("")}, []string{"dueAt"}},
		{"eleven tags", todo.New{Title: "a", Tags: []string{"1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11"}}, []string{"tags"}},
		{"repeated tag", todo.New{Title: "a", Tags: []string{"x", "x"}}, []string{"tags"}},
		{"empty tag", todo.New{Title: "a", Tags: []string{"x", ""}}, []string{"tags[1]"}},
		{"long tag", todo.New{Title: "a", Tags: []string{strings.Repeat("t", 33)}}, []string{"tags[0]"}},
		{"everything wrong", todo.New{Notes: strings.Repeat("n", 2001), DueAt: ptr("x")}, []string{"title", "notes", "dueAt"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := fields(t, v.Struct(&tt.in)); !slices.Equal(got, tt.want) {
				t.Fatalf("fields = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestFieldsValidatesOnlyTheNamedFields(t *testing.T) {
	v := validate.New()
	in := todo.New{Title: "", Notes: strings.Repeat("n", 2001)}
	if got := fields(t, v.Fields(&in, "Notes")); !slices.Equal(got, []string{"notes"}) {
		t.Fatalf("fields = %v, want [notes]: the empty title is not part of the check", got)
	}
	if err := v.Fields(&in); err != nil {
		t.Fatalf("no fields: %v", err)
	}
}

func TestContactForm(t *testing.T) {
	v := validate.New()
	tests := []struct {
		name string
		in   contact.Form
		want []string
	}{
		{"valid", contact.Form{Name: "Ann", Email: "ann@example.com", Message: "Hello\nthere"}, nil},
		{"all missing", contact.Form{}, []string{"name", "email", "message"}},
		{"not an email", contact.Form{Name: "Ann", Email: "ann", Message: "m"}, []string{"email"}},
		{"email too long", contact.Form{Name: "Ann", Email: strings.Repeat("a", 243) + "@example.com", Message: "m"}, []string{"email"}},
		{"name too long", contact.Form{Name: strings.Repeat("n", 101), Email: "a@b.co", Message: "m"}, []string{"name"}},
		{"message too long", contact.Form{Name: "n", Email: "a@b.co", Message: strings.Repeat("m", 5001)}, []string{"message"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := fields(t, v.Struct(&tt.in)); !slices.Equal(got, tt.want) {
				t.Fatalf("fields = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestMessagesNeverEchoTheValue(t *testing.T) {
	v := validate.New()
	secret := strings.Repeat("secret ", 1000)
	err := v.Struct(&contact.Form{Name: "n", Email: "a@b.co", Message: secret})
	if err == nil || strings.Contains(err.Error(), "secret") {
		t.Fatalf("error %v echoes the message", err)
	}
}
