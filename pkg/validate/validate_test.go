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

// TestTextThatHidesOrReordersItselfIsRefused: what reaches the owner's phone
// and other users' screens is what it looks like, and a title says
// something.
func TestTextThatHidesOrReordersItselfIsRefused(t *testing.T) {
	v := validate.New()
	tests := []struct {
		name string
		in   todo.New
		want []string
	}{
		{"a title of zero-width spaces", todo.New{Title: "\u200b\u200b"}, []string{"title"}},
		{"a title of a word joiner and a BOM", todo.New{Title: "\u2060\ufeff"}, []string{"title"}},
		{"a title with a bidi override", todo.New{Title: "invoice \u202egnp.exe"}, []string{"title"}},
		{"a title with a bidi isolate", todo.New{Title: "a \u2066b\u2069"}, []string{"title"}},
		{"a title with a right-to-left mark", todo.New{Title: "a\u200fb"}, []string{"title"}},
		{"a title with a line separator", todo.New{Title: "a\u2028b"}, []string{"title"}},
		{"a title with a paragraph separator", todo.New{Title: "a\u2029b"}, []string{"title"}},
		{"a title of combining marks alone", todo.New{Title: "\u0301\u0301"}, []string{"title"}},
		{"a title of no-break spaces", todo.New{Title: "\u00a0\u3000"}, []string{"title"}},
		{"a title hiding tag characters", todo.New{Title: "hi\U000e0041\U000e0042"}, []string{"title"}},
		{"a title with a soft hyphen", todo.New{Title: "in\u00advoice"}, []string{"title"}},
		{"notes with a bidi override", todo.New{Title: "a", Notes: "x\u202ey"}, []string{"notes"}},
		{"notes with a zero-width space", todo.New{Title: "a", Notes: "x\u200b"}, []string{"notes"}},
		{"a tag of a space", todo.New{Title: "a", Tags: []string{" "}}, []string{"tags[0]"}},
		{"a tag with a trailing zero-width space", todo.New{Title: "a", Tags: []string{"home\u200b"}}, []string{"tags[0]"}},
		// What people write.
		{"an emoji sequence with joiners", todo.New{Title: "family 👨\u200d👩\u200d👧", Tags: []string{"👍🏽"}}, nil},
		{"Persian with a non-joiner", todo.New{Title: "می\u200cخواهم"}, nil},
		{"Arabic and Hebrew", todo.New{Title: "مرحبا שלום", Notes: "a\tb\r\nc"}, nil},
		{"a combining accent on a letter", todo.New{Title: "cafe\u0301"}, nil},
		{"a title with private-use and new characters", todo.New{Title: "\uf8ff logo"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := tt.in
			if got := fields(t, n.Validate(v)); !slices.Equal(got, tt.want) {
				t.Errorf("fields %v, want %v", got, tt.want)
			}
		})
	}
}

func TestValidTextIsStoredComposedAndTrimmed(t *testing.T) {
	v := validate.New()
	n := todo.New{Title: "  cafe\u0301 ", Notes: "re\u0301sume\u0301", Tags: []string{" home ", "cafe\u0301"}}
	if err := n.Validate(v); err != nil {
		t.Fatal(err)
	}
	if n.Title != "café" || n.Notes != "résumé" || !slices.Equal(n.Tags, []string{"home", "café"}) {
		t.Errorf("got %q %q %q, want the trimmed, composed (NFC) text", n.Title, n.Notes, n.Tags)
	}
	f := contact.Form{Name: " Rene\u0301 ", Email: "rene@example.com", Message: "Merci\u0301"}
	if err := f.Validate(v); err != nil || f.Name != "René" || f.Message != "Mercí" {
		t.Errorf("form %+v, %v: want composed text", f, err)
	}
}

func TestContactFormRefusesWhatHidesInIt(t *testing.T) {
	v := validate.New()
	tests := []struct {
		name string
		in   contact.Form
		want []string
	}{
		{"a quoted local part", contact.Form{Name: "A", Email: `"john doe"@example.com`, Message: "m"}, []string{"email"}},
		{"a quoted local part hiding another address", contact.Form{Name: "A", Email: `"a@evil.example"@example.com`, Message: "m"}, []string{"email"}},
		{"a name of zero-width spaces", contact.Form{Name: "\u200b", Email: "a@example.com", Message: "m"}, []string{"name"}},
		{"a name with a bidi override", contact.Form{Name: "Bob \u202eteb", Email: "a@example.com", Message: "m"}, []string{"name"}},
		{"a message of zero-width spaces and breaks", contact.Form{Name: "A", Email: "a@example.com", Message: "\u200b\n\u200b"}, []string{"message"}},
		{"a message with a line separator", contact.Form{Name: "A", Email: "a@example.com", Message: "a\u2028b"}, []string{"message"}},
		{"a plain form", contact.Form{Name: "Ann", Email: "ann+todo@example.com", Message: "Hello\nthere"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := tt.in
			if got := fields(t, f.Validate(v)); !slices.Equal(got, tt.want) {
				t.Errorf("fields %v, want %v", got, tt.want)
			}
		})
	}
}

// TestUsernameAllowsASCIILettersDigitsUnderscoreAndDotOnly: a username
// cannot pass for another by a look-alike letter, and folds to one case
// exactly.
func TestUsernameAllowsASCIILettersDigitsUnderscoreAndDotOnly(t *testing.T) {
	v := validate.New()
	type body struct {
		Username string `json:"username" validate:"username"`
	}
	tests := []struct {
		in   string
		want []string
	}{
		{"Ada.L_1815", nil},
		{"azAZ09_.", nil},
		{"", nil}, // its length is min's and max's
		{"ada l", []string{"username"}},
		{"ada-l", []string{"username"}},
		{"ada@l", []string{"username"}},
		{"adé", []string{"username"}},
		{"\u0430da", []string{"username"}},           // a Cyrillic a
		{"\uff41\uff44\uff41", []string{"username"}}, // fullwidth letters
		{"ada\u200b", []string{"username"}},
		{"ada\x00", []string{"username"}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := fields(t, v.Struct(&body{Username: tt.in})); !slices.Equal(got, tt.want) {
				t.Fatalf("fields = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestEveryRuleHasAMessageOfItsOwn(t *testing.T) {
	v := validate.New()
	type body struct {
		Username string `json:"username" validate:"username"`
		Phone    string `json:"phone" validate:"e164"`
		Plus     string `json:"plus" validate:"startswith=+"`
	}
	err := v.Struct(&body{Username: "a-b", Phone: "x", Plus: "1"})
	var p *problem.Problem
	if !errors.As(err, &p) || len(p.Errors) != 3 {
		t.Fatalf("err = %v, want three field errors", err)
	}
	for _, e := range p.Errors {
		if strings.HasPrefix(e.Message, "is invalid (") {
			t.Errorf("%s: %q is the fallback message", e.Field, e.Message)
		}
	}
}
