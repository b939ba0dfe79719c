// Package problem describes API errors as RFC 9457 problem details, the one
// error body every function returns.
package problem

import (
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"
)

// A problem body stays small whatever the input: a field that names what
// the client sent, such as an unknown member, is cut to MaxFieldBytes, and
// a problem lists at most MaxErrors fields.
const (
	MaxFieldBytes = 64
	MaxErrors     = 20
)

// ContentType is the media type of a problem body.
const ContentType = "application/problem+json"

// Problem is an RFC 9457 problem detail. It is an error, so request parsing
// and validation return it and the response package writes it as it is.
type Problem struct {
	// Type is about:blank: the status code says what kind of problem it is,
	// and Errors says which fields were wrong.
	Type   string       `json:"type"`
	Title  string       `json:"title"`
	Status int          `json:"status"`
	Detail string       `json:"detail,omitempty"`
	Errors []FieldError `json:"errors,omitempty"`
	// RetryAfter is the Retry-After header's seconds for a 429, 0 for
	// none.
	RetryAfter int `json:"-"`
}

// FieldError names one input that was wrong, as the client spells it: a JSON
// member (title, tags[2]), a query parameter (limit) or a header (If-Match).
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// New returns a problem with the given status and a detail for the client.
// The detail must never carry internal error text.
func New(status int, detail string) *Problem {
	return &Problem{Type: "about:blank", Title: http.StatusText(status), Status: status, Detail: detail}
}

// Invalid returns a 400 problem listing the fields that were wrong: the
// first MaxErrors, each field cut to MaxFieldBytes.
func Invalid(detail string, errs ...FieldError) *Problem {
	p := New(http.StatusBadRequest, detail)
	if len(errs) > MaxErrors {
		p.Detail += " (the first " + strconv.Itoa(MaxErrors) + " of " + strconv.Itoa(len(errs)) + " errors)"
		errs = errs[:MaxErrors]
	}
	p.Errors = make([]FieldError, len(errs))
	for i, e := range errs {
		p.Errors[i] = FieldError{Field: Cut(e.Field, MaxFieldBytes), Message: e.Message}
	}
	return p
}

// Cut returns s cut to at most n bytes, at a character boundary, with
// "…" in place of what it leaves out: the way to echo what a client sent.
func Cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	const ellipsis = "…"
	end := max(0, n-len(ellipsis))
	for end > 0 && !utf8.RuneStart(s[end]) {
		end--
	}
	return s[:end] + ellipsis
}

// InvalidField returns a 400 problem for one wrong field.
func InvalidField(field, message string) *Problem {
	return Invalid("The request has an invalid "+field+".", FieldError{Field: field, Message: message})
}

func (p *Problem) Error() string {
	var b strings.Builder
	b.WriteString(p.Title)
	if p.Detail != "" {
		b.WriteString(": ")
		b.WriteString(p.Detail)
	}
	for _, e := range p.Errors {
		b.WriteString("; ")
		b.WriteString(e.Field)
		b.WriteString(" ")
		b.WriteString(e.Message)
	}
	return b.String()
}
