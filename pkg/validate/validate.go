// Package validate checks decoded request bodies against the rules in their
// struct tags (github.com/go-playground/validator/v10) and reports every
// failure in one 400 problem whose fields are named as the client spells them.
//
// Besides the validator's own tags it knows two for free text: line (no
// control characters at all) and text (no control characters but tab, line
// feed and carriage return), so that NUL bytes and terminal escapes never
// reach the table.
package validate

import (
	"errors"
	"reflect"
	"strings"
	"unicode"

	"github.com/go-playground/validator/v10"

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
	// Both only fail on what a person cannot have typed into a text field.
	_ = v.RegisterValidation("line", func(fl validator.FieldLevel) bool {
		return !strings.ContainsFunc(fl.Field().String(), unicode.IsControl)
	})
	_ = v.RegisterValidation("text", func(fl validator.FieldLevel) bool {
		return !strings.ContainsFunc(fl.Field().String(), func(r rune) bool {
			return unicode.IsControl(r) && r != '\t' && r != '\n' && r != '\r'
		})
	})
	return &Validator{v: v}
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
		return "must not contain control characters"
	case "text":
		return "must not contain control characters other than tab and line breaks"
	default:
		return "is invalid (" + fe.Tag() + ")"
	}
}
