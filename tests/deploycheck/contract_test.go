package deploycheck

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/oklog/ulid/v2"

	"github.com/example/serverless-todo/internal/testkit/apitest"
	"github.com/example/serverless-todo/pkg/contact"
	"github.com/example/serverless-todo/pkg/request"
	"github.com/example/serverless-todo/pkg/todo"
	"github.com/example/serverless-todo/pkg/validate"
)

// API Gateway HTTP APIs do not validate requests against openapi.yaml, so
// the functions' validators are what clients really meet. These tests keep
// the two in step: from each request schema they derive bodies at and just
// past every limit the schema states (required members, lengths, item
// counts, uniqueness, formats, types, nullability, unknown members), and
// require the schema and the functions' own decoding and validation to
// accept and refuse exactly the same ones. Change a limit on one side only
// and a body at the old or new limit is judged differently.

func init() {
	// kin-openapi knows the email format but only checks it when asked.
	openapi3.DefineStringFormatValidator("email", openapi3.NewRegexpFormatValidator(openapi3.FormatOfStringForEmail))
}

// schemaAccepts reports whether the schema accepts a JSON body.
func schemaAccepts(s *openapi3.Schema, body []byte) bool {
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return false
	}
	return s.VisitJSON(v, openapi3.EnableFormatValidation()) == nil
}

// bodyEvent is a request carrying body as application/json.
func bodyEvent(body []byte) apitest.Request {
	return apitest.Request{Method: "POST", Path: "/", Body: string(body)}
}

func TestRequestSchemasAgreeWithTheValidators(t *testing.T) {
	r, err := loadRepo(root)
	if err != nil {
		t.Fatal(err)
	}
	v := validate.New()
	tests := []struct {
		schema string
		valid  map[string]any
		// accepts runs the functions' own reading of a body.
		accepts func(body []byte) error
	}{
		{"NewTodo", map[string]any{"title": "t"}, func(body []byte) error {
			var n todo.New
			ev := bodyEvent(body).Event()
			if err := request.DecodeJSON(&ev, &n); err != nil {
				return err
			}
			return n.Validate(v)
		}},
		{"TodoPatch", map[string]any{"title": "t"}, func(body []byte) error {
			var p todo.Patch
			ev := bodyEvent(body).Event()
			if err := request.DecodeMergePatch(&ev, &p); err != nil {
				return err
			}
			return p.Validate(v)
		}},
		{"ContactForm", map[string]any{"name": "n", "email": "ann@example.com", "message": "m"}, func(body []byte) error {
			var f contact.Form
			ev := bodyEvent(body).Event()
			if err := request.DecodeJSON(&ev, &f); err != nil {
				return err
			}
			return f.Validate(v)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.schema, func(t *testing.T) {
			ref := r.api.Components.Schemas[tt.schema]
			if ref == nil || ref.Value == nil {
				t.Fatalf("openapi.yaml has no schema %s", tt.schema)
			}
			s := ref.Value
			bodies := bodiesAtTheLimits(s, tt.valid)
			if len(bodies) < 10 {
				t.Fatalf("only %d bodies derived from %s", len(bodies), tt.schema)
			}
			accepted := 0
			for name, body := range bodies {
				b, _ := json.Marshal(body)
				bySchema := schemaAccepts(s, b)
				err := tt.accepts(b)
				byFunction := err == nil
				if bySchema != byFunction {
					t.Errorf("%s %s: openapi.yaml accepts it: %v; the functions accept it: %v (%v)", name, b, bySchema, byFunction, err)
				}
				if bySchema {
					accepted++
				}
			}
			if accepted == 0 || accepted == len(bodies) {
				t.Fatalf("%d of %d bodies accepted: the variants test nothing", accepted, len(bodies))
			}
		})
	}
}

// bodiesAtTheLimits derives named bodies from a valid one: each member left
// out, null, of the wrong type, and at and past each of its limits; plus an
// unknown member and the empty object.
func bodiesAtTheLimits(s *openapi3.Schema, valid map[string]any) map[string]map[string]any {
	out := map[string]map[string]any{"the valid body": valid, "the empty object": {}}
	with := func(name string, value any) map[string]any {
		b := maps.Clone(valid)
		b[name] = value
		return b
	}
	out["an unknown member"] = with("unknownMember", 1)
	for _, name := range slices.Sorted(maps.Keys(s.Properties)) {
		p := s.Properties[name].Value
		without := maps.Clone(valid)
		delete(without, name)
		out[name+" left out"] = without
		out[name+" null"] = with(name, nil)
		switch {
		case p.Type.Is("string"):
			out[name+" a number"] = with(name, 5)
			for label, value := range stringsAtTheLimits(p) {
				out[name+" "+label] = with(name, value)
			}
		case p.Type.Is("boolean"):
			out[name+" true"] = with(name, true)
			out[name+" false"] = with(name, false)
			out[name+" a string"] = with(name, "true")
		case p.Type.Is("array"):
			out[name+" a string"] = with(name, "x")
			out[name+" empty"] = with(name, []any{})
			if p.UniqueItems {
				out[name+" with a repeat"] = with(name, []any{"a", "a"})
			}
			if p.MaxItems != nil {
				n := int(*p.MaxItems)
				out[fmt.Sprint(name, " of ", n, " items")] = with(name, distinct(n))
				out[fmt.Sprint(name, " of ", n+1, " items")] = with(name, distinct(n+1))
			}
			if items := p.Items.Value; items != nil && items.Type.Is("string") {
				for label, value := range stringsAtTheLimits(items) {
					out[name+" with an item "+label] = with(name, []any{value})
				}
			}
		}
	}
	return out
}

// stringsAtTheLimits returns strings at and just past a string schema's
// length limits, in ASCII and in a two-byte character (limits count
// characters), shaped to its format.
func stringsAtTheLimits(s *openapi3.Schema) map[string]any {
	shape := func(n int, char string) string { return strings.Repeat(char, n) }
	out := map[string]any{}
	switch s.Format {
	case "date-time":
		out["a UTC date-time"] = "2027-01-02T03:04:05Z"
		out["a date-time with an offset and fraction"] = "2027-01-02T03:04:05.678+05:30"
		out["a date"] = "2027-01-02"
		out["a date-time without a zone"] = "2027-01-02T03:04:05"
		out["words"] = "next week"
		return out
	case "email":
		const domain = "@example.com"
		shape = func(n int, char string) string { return strings.Repeat(char, max(n-len(domain), 1)) + domain }
		out["an address"] = "ann@example.com"
		out["no @"] = "ann.example.com"
		out["nothing after @"] = "ann@"
	}
	out["empty"] = ""
	out["one character"] = shape(1, "a")
	if s.Format == "email" {
		out["a quoted local part"] = `"a b"@example.com`
	}
	if s.Format == "" {
		// What hides or reorders itself, and what people write: the
		// schema's pattern and the validators' rules must agree on each.
		for label, v := range map[string]string{
			"of spaces":                    "   ",
			"of zero-width spaces":         "\u200b\u200b",
			"with a bidi override":         "invoice \u202egnp.exe",
			"with a bidi isolate":          "a \u2066b\u2069",
			"with a line separator":        "a\u2028b",
			"with a paragraph separator":   "a\u2029b",
			"with a trailing BOM":          "a\ufeff",
			"with tag characters":          "a\U000e0041",
			"of combining marks":           "\u0301\u0301",
			"with a line feed":             "a\nb",
			"with a tab":                   "a\tb",
			"with a NUL":                   "a\x00b",
			"with an escape":               "a\x1b[2J",
			"of a line feed":               "\n",
			"with joined emoji":            "👨\u200d👩\u200d👧",
			"in Persian with a non-joiner": "می\u200cخواهم",
			"with a combining accent":      "cafe\u0301",
			"with a private-use character": "\uf8ff",
			"with surrounding spaces":      " a ",
		} {
			out[label] = v
		}
	}
	if s.MaxLength != nil {
		n := int(*s.MaxLength)
		out[fmt.Sprint("of ", n, " characters")] = shape(n, "a")
		out[fmt.Sprint("of ", n+1, " characters")] = shape(n+1, "a")
		if s.Format == "" {
			out[fmt.Sprint("of ", n, " two-byte characters")] = shape(n, "é")
			out[fmt.Sprint("of ", n+1, " two-byte characters")] = shape(n+1, "é")
		}
	}
	if s.MinLength > 1 {
		n := int(s.MinLength)
		out[fmt.Sprint("of ", n, " characters")] = shape(n, "a")
		out[fmt.Sprint("of ", n-1, " characters")] = shape(n-1, "a")
	}
	return out
}

func distinct(n int) []any {
	out := make([]any, n)
	for i := range out {
		out[i] = fmt.Sprint("t", i)
	}
	return out
}

// The parameters and headers the functions read: each value the schema
// accepts, the function must accept, and each it refuses, refuse.
func TestParameterSchemasAgreeWithTheFunctions(t *testing.T) {
	r, err := loadRepo(root)
	if err != nil {
		t.Fatal(err)
	}
	params := r.api.Components.Parameters
	id := ulid.Make().String()
	tests := []struct {
		param  string
		values []string
		// accepts runs the functions' own reading of the value.
		accepts func(value string) error
	}{
		{"TodoID", []string{id, "7ZZZZZZZZZZZZZZZZZZZZZZZZZ", "8ZZZZZZZZZZZZZZZZZZZZZZZZZ", id[:25], id + "0", "01ARZ3NDEKTSV4RRFFQ69G5FAU", "", "../etc"},
			func(s string) error {
				ev := apitest.Request{PathParameters: map[string]string{"id": s}}.Event()
				_, err := request.PathID(&ev, "id")
				return err
			}},
		{"IdempotencyKey", []string{"k", "5f1c7a52-0b55-4f0e-9d4a-6a3f0e3c2b9d", "!~", strings.Repeat("k", 255), strings.Repeat("k", 256), "", "a b", "clé", "a\tb"},
			func(s string) error {
				ev := apitest.Request{Headers: map[string]string{"Idempotency-Key": s}}.Event()
				_, err := request.IdempotencyKey(&ev)
				return err
			}},
		{"IfMatch", []string{`"1"`, `"42"`, "*", `"0"`, `"01"`, `W/"1"`, `"1", "2"`, `1`, `"a"`, ""},
			func(s string) error {
				if s == "" {
					return fmt.Errorf("an empty header is no condition") // the schema refuses it too
				}
				ev := apitest.Request{Headers: map[string]string{"If-Match": s}}.Event()
				_, err := request.IfMatch(&ev)
				return err
			}},
		{"IfNoneMatch", []string{`"1"`, `W/"1"`, `"1", W/"2"`, "*", `"0"`, `1`, `"1",`, `"a"`, ""},
			func(s string) error {
				if s == "" {
					return fmt.Errorf("an empty header is no condition")
				}
				ev := apitest.Request{Headers: map[string]string{"If-None-Match": s}}.Event()
				_, err := request.IfNoneMatch(&ev, 1)
				return err
			}},
	}
	for _, tt := range tests {
		t.Run(tt.param, func(t *testing.T) {
			p := params[tt.param]
			if p == nil || p.Value == nil || p.Value.Schema == nil {
				t.Fatalf("openapi.yaml has no parameter %s", tt.param)
			}
			s := p.Value.Schema.Value
			for _, value := range tt.values {
				bySchema := s.VisitJSON(value) == nil
				err := tt.accepts(value)
				if bySchema != (err == nil) {
					t.Errorf("%q: openapi.yaml accepts it: %v; the function accepts it: %v (%v)", value, bySchema, err == nil, err)
				}
			}
		})
	}
}

// GET /todos's limit has the default and bounds the list function uses.
func TestListLimitAgreesWithTheFunction(t *testing.T) {
	r, err := loadRepo(root)
	if err != nil {
		t.Fatal(err)
	}
	op := r.api.Paths.Find("/todos").Get
	for _, p := range op.Parameters {
		if p.Value.Name != "limit" {
			continue
		}
		s := p.Value.Schema.Value
		if s.Min == nil || *s.Min != 1 || s.Max == nil || *s.Max != todo.MaxPageSize || s.Default != float64(todo.DefaultPageSize) {
			t.Fatalf("limit: openapi.yaml has minimum %v, maximum %v, default %v; the function has 1, %d, %d",
				deref(s.Min), deref(s.Max), s.Default, todo.MaxPageSize, todo.DefaultPageSize)
		}
		return
	}
	t.Fatal("GET /todos has no limit parameter")
}

func deref(f *float64) any {
	if f == nil {
		return nil
	}
	return *f
}
