// Package validate checks decoded request bodies against the rules in their
// struct tags (github.com/go-playground/validator/v10) and reports every
// failure in one 400 problem whose fields are named as the client spells them.
//
// Besides the validator's own tags it knows four for text people type:
//
//   - line: no control characters, format characters (zero-width spaces,
//     bidi overrides, tag characters) or line and paragraph separators;
//     the zero-width joiner and non-joiner, which emoji sequences and some
//     scripts need, are the only format characters allowed;
//   - text: what line allows, and tab, line feed and carriage return;
//   - visible: at least one letter, digit, punctuation mark or symbol, so
//     that a title of spaces or combining marks alone is refused;
//   - unquoted: no double quote, for email addresses, whose quoted local
//     parts ("a b"@example.com) the email tag accepts and mail clients
//     show misleadingly.
//
// So NUL bytes, terminal escapes and text that hides or reorders itself
// (invoice \u202egnp.exe) never reach the table or the owner's phone.
// openapi.yaml's patterns say the same, and a test keeps them in step.
//
// And one for the names that identify users: username allows ASCII
// letters, digits, _ and . only (min and max bound its length), so that
// one username cannot pass for another by a look-alike letter and folds
// to one case exactly (profile.UsernameKey).
package validate

import (
	"errors"
	"reflect"
	"strings"
	"unicode"

	"github.com/go-playground/validator/v10"
	"golang.org/x/text/unicode/norm"

	"github.com/example/serverless-todo/pkg/problem"
)

// Validator checks structs. Build one per process with New: it caches what
// it learns of each struct type.
type Validator struct {
	v *validator.Validate
}

// New returns a Validator that names fields by their json tags.
func New() *Validator {
	v := validator.New(validator.WithRequiredStructEnabled())
	v.RegisterTagNameFunc(func(f reflect.StructField) string {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			return ""
		}
		return name
	})
	// They only fail on what a person cannot have meant to type.
	_ = v.RegisterValidation("line", func(fl validator.FieldLevel) bool {
		return !strings.ContainsFunc(fl.Field().String(), func(r rune) bool { return !lineRune(r) })
	})
	_ = v.RegisterValidation("text", func(fl validator.FieldLevel) bool {
		return !strings.ContainsFunc(fl.Field().String(), func(r rune) bool {
			return !lineRune(r) && r != '\t' && r != '\n' && r != '\r'
		})
	})
	_ = v.RegisterValidation("visible", func(fl validator.FieldLevel) bool {
		return strings.ContainsFunc(fl.Field().String(), func(r rune) bool {
			return unicode.In(r, unicode.L, unicode.N, unicode.P, unicode.S)
		})
	})
	_ = v.RegisterValidation("unquoted", func(fl validator.FieldLevel) bool {
		return !strings.Contains(fl.Field().String(), `"`)
	})
	_ = v.RegisterValidation("username", func(fl validator.FieldLevel) bool {
		return !strings.ContainsFunc(fl.Field().String(), func(r rune) bool { return !usernameRune(r) })
	})
	return &Validator{v: v}
}

// usernameRune reports whether r may be in a username: an ASCII letter or
// digit, _ or .
func usernameRune(r rune) bool {
	return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || r == '_' || r == '.'
}

// lineRune reports whether r may be in a line of text: anything but
// control and format characters and line and paragraph separators, except
// the zero-width non-joiner and joiner.
func lineRune(r rune) bool {
	if r == '\u200c' || r == '\u200d' {
		return true
	}
	return !unicode.In(r, unicode.Cc, unicode.Cf, unicode.Zl, unicode.Zp)
}

// Struct validates every field of s, a pointer to a struct.
func (v *Validator) Struct(s any) error {
	return report(v.v.Struct(s))
}

// Fields validates only the named fields (Go field names) of s, for a patch
// that sets some fields and leaves the others alone.
func (v *Validator) Fields(s any, fields ...string) error {
	if len(fields) == 0 {
		return nil
	}
	return report(v.v.StructPartial(s, fields...))
}

// Compose returns s in Unicode's composed form (NFC), so that the same
// words are stored as the same characters whatever the client's keyboard
// sent: e and a combining acute accent become é. It is the validator's so
// that only the functions that validate a body link the Unicode tables.
func (v *Validator) Compose(s string) string { return norm.NFC.String(s) }

// report turns the validator's errors into a problem.
func report(err error) error {
	if err == nil {
		return nil
	}
	var verrs validator.ValidationErrors
	if !errors.As(err, &verrs) {
		// InvalidValidationError: a programming error, not the client's.
		return err
	}
	out := make([]problem.FieldError, 0, len(verrs))
	for _, fe := range verrs {
		out = append(out, problem.FieldError{Field: fieldName(fe), Message: message(fe)})
	}
	return problem.Invalid("The request body has invalid fields.", out...)
}

// fieldName drops the struct's own name from the namespace: New.tags[2] is
// tags[2] to the client.
func fieldName(fe validator.FieldError) string {
	ns := fe.Namespace()
	if _, rest, ok := strings.Cut(ns, "."); ok {
		return rest
	}
	return ns
}

// message says in words what the rule wants, without echoing the value: a
// contact message or a title must never end up in an error body or a log.
func message(fe validator.FieldError) string {
	isList := fe.Kind() == reflect.Slice || fe.Kind() == reflect.Array
	switch fe.Tag() {
	case "required":
		return "is required"
	case "max":
		if isList {
			return "must have at most " + fe.Param() + " items"
		}
		return "must be at most " + fe.Param() + " characters"
	case "min":
		if isList {
			return "must have at least " + fe.Param() + " items"
		}
		return "must be at least " + fe.Param() + " characters"
	case "unique":
		return "must not repeat an item"
	case "email":
		return "must be an email address"
	case "datetime":
		return "must be an RFC 3339 date-time, like 2026-01-02T15:04:05Z"
	case "line":
		return "must not contain control or invisible formatting characters, or line breaks"
	case "text":
		return "must not contain control or invisible formatting characters other than tab and line breaks"
	case "visible":
		return "must contain a visible character"
	case "unquoted":
		return "must not have a quoted part"
	case "username":
		return "must be only ASCII letters, digits, _ and ."
	case "e164":
		return "must be a phone number in E.164 form: +, the country code and the number, without spaces"
	case "startswith":
		return "must start with " + fe.Param()
	default:
		return "is invalid (" + fe.Tag() + ")"
	}
}
