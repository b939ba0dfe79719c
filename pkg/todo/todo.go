// Package todo defines a user's todo: what the API returns, the body that
// creates one, and the merge patch that changes one. The validation rules are
// the struct tags of New; the patch is checked against the same rules.
package todo

import (
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/example/serverless-todo/pkg/attachment"
	"github.com/example/serverless-todo/pkg/mergepatch"
	"github.com/example/serverless-todo/pkg/problem"
)

// Page sizes of GET /todos: the limit is optional and bounded so that a page
// stays small and quick to read.
const (
	DefaultPageSize = 20
	MaxPageSize     = 100
)

// Todo is a todo as the API returns it and the table stores it (beside its
// PK and SK). Empty optional fields are left out of both.
type Todo struct {
	ID        string   `json:"id" dynamodbav:"id"`
	Title     string   `json:"title" dynamodbav:"title"`
	Notes     string   `json:"notes,omitempty" dynamodbav:"notes,omitempty"`
	Done      bool     `json:"done" dynamodbav:"done"`
	DueAt     string   `json:"dueAt,omitempty" dynamodbav:"dueAt,omitempty"`
	Tags      []string `json:"tags,omitempty" dynamodbav:"tags,omitempty"`
	CreatedAt string   `json:"createdAt" dynamodbav:"createdAt"`
	UpdatedAt string   `json:"updatedAt" dynamodbav:"updatedAt"`
	Version   int64    `json:"version" dynamodbav:"version"`
	// Attachments are the todo's photos' metadata, in the order they
	// were added: lists show them without another read.
	Attachments []attachment.Attachment `json:"attachments,omitempty" dynamodbav:"attachments,omitempty"`
}

// Touch returns t one version on, changed at now: what every change of a
// todo, its own fields' or its attachments', makes of it.
func (t Todo) Touch(now time.Time) Todo {
	t.UpdatedAt = Timestamp(now)
	t.Version++
	return t
}

// New is the body of POST /todos. Its tags are the rules for every todo
// field, on create and on update; openapi.yaml states the same limits and a
// test keeps the two in step.
type New struct {
	Title string   `json:"title" validate:"required,max=200,line,visible"`
	Notes string   `json:"notes" validate:"max=2000,text"`
	Done  bool     `json:"done"`
	DueAt *string  `json:"dueAt" validate:"omitnil,datetime=2006-01-02T15:04:05Z07:00"`
	Tags  []string `json:"tags" validate:"max=10,unique,dive,min=1,max=32,line,visible"`
}

// Normalize trims the title and the tags, whose length limits count what
// is left.
func (n *New) Normalize() {
	n.Title = strings.TrimSpace(n.Title)
	trimAll(n.Tags)
}

// compose writes the text of a valid New in Unicode's composed form
// (NFC), as Validator.Compose returns it.
func (n *New) compose(v Validator) {
	n.Title, n.Notes = v.Compose(n.Title), v.Compose(n.Notes)
	composeAll(v, n.Tags)
}

func trimAll(ss []string) {
	for i := range ss {
		ss[i] = strings.TrimSpace(ss[i])
	}
}

func composeAll(v Validator, ss []string) {
	for i := range ss {
		ss[i] = v.Compose(ss[i])
	}
}

// Validator checks a struct's fields against their validate tags;
// *validate.Validator is the one the functions use. It is an interface so
// that this package, which every function imports, does not link the
// validator into the functions that never validate a body.
type Validator interface {
	Struct(s any) error
	Fields(s any, fields ...string) error
	// Compose returns s in Unicode's composed form (NFC).
	Compose(s string) string
}

// Validate normalizes n, checks it against its rules and, when it is
// valid, composes its text.
func (n *New) Validate(v Validator) error {
	n.Normalize()
	if err := v.Struct(n); err != nil {
		return err
	}
	n.compose(v)
	return nil
}

// Todo returns the new todo a valid New describes, at version 1.
func (n *New) Todo(id string, now time.Time) Todo {
	ts := Timestamp(now)
	t := Todo{
		ID:        id,
		Title:     n.Title,
		Notes:     n.Notes,
		Done:      n.Done,
		Tags:      n.Tags,
		CreatedAt: ts,
		UpdatedAt: ts,
		Version:   1,
	}
	if n.DueAt != nil {
		t.DueAt = NormalizeDueAt(*n.DueAt)
	}
	return t
}

// Timestamp formats a server time: RFC 3339 in UTC with milliseconds, fixed
// width so that the strings sort as the times do.
func Timestamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// NormalizeDueAt returns a valid RFC 3339 time in UTC, so every stored due
// date compares and sorts the same way whatever offset the client used.
func NormalizeDueAt(s string) string {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return s
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// Patch is the body of PATCH /todos/{id}: a JSON merge patch (RFC 7396) of
// the todo's fields. Null removes notes, dueAt or tags; the title cannot be
// removed and done is always true or false.
type Patch struct {
	Title mergepatch.Field[string]   `json:"title"`
	Notes mergepatch.Field[string]   `json:"notes"`
	Done  mergepatch.Field[bool]     `json:"done"`
	DueAt mergepatch.Field[string]   `json:"dueAt"`
	Tags  mergepatch.Field[[]string] `json:"tags"`
}

// Check reports what is wrong with the patch as a whole, before its values
// are validated: it changes nothing, or it nulls a field that must stay.
func (p *Patch) Check() error {
	if !p.Title.Set && !p.Notes.Set && !p.Done.Set && !p.DueAt.Set && !p.Tags.Set {
		return problem.New(http.StatusBadRequest, "The patch changes nothing: set at least one of title, notes, done, dueAt, tags.")
	}
	var errs []problem.FieldError
	if p.Title.Null {
		errs = append(errs, problem.FieldError{Field: "title", Message: "cannot be removed"})
	}
	if p.Done.Null {
		errs = append(errs, problem.FieldError{Field: "done", Message: "must be true or false"})
	}
	if errs != nil {
		return problem.Invalid("The patch is invalid.", errs...)
	}
	return nil
}

// Normalize trims a new title and tags, as New.Normalize does.
func (p *Patch) Normalize() {
	p.Title.Value = strings.TrimSpace(p.Title.Value)
	trimAll(p.Tags.Value)
}

// Validate checks the patch as a whole, normalizes it, checks the values
// it sets against the rules of New and, when they pass, composes them as
// New.Validate does.
func (p *Patch) Validate(v Validator) error {
	if err := p.Check(); err != nil {
		return err
	}
	p.Normalize()
	values, fields := p.Values()
	if err := v.Fields(&values, fields...); err != nil {
		return err
	}
	p.Title.Value, p.Notes.Value = v.Compose(p.Title.Value), v.Compose(p.Notes.Value)
	composeAll(v, p.Tags.Value)
	return nil
}

// Apply returns t as a valid patch leaves it at now: one version on.
// Empty notes and tags are left out, as a new todo leaves them.
func (p *Patch) Apply(t Todo, now time.Time) Todo {
	if p.Title.Changes() {
		t.Title = p.Title.Value
	}
	if p.Done.Changes() {
		t.Done = p.Done.Value
	}
	if p.Notes.Set {
		t.Notes = ""
		if p.Notes.Changes() {
			t.Notes = p.Notes.Value
		}
	}
	if p.DueAt.Set {
		t.DueAt = ""
		if p.DueAt.Changes() {
			t.DueAt = NormalizeDueAt(p.DueAt.Value)
		}
	}
	if p.Tags.Set {
		t.Tags = nil
		if len(p.Tags.Value) > 0 {
			t.Tags = slices.Clone(p.Tags.Value)
		}
	}
	return t.Touch(now)
}

// Values returns the patch's new values as a New, with the Go names of the
// fields the patch sets, so that the rules of New validate exactly those.
func (p *Patch) Values() (New, []string) {
	var n New
	var fields []string
	if p.Title.Changes() {
		n.Title = p.Title.Value
		fields = append(fields, "Title")
	}
	if p.Notes.Changes() {
		n.Notes = p.Notes.Value
		fields = append(fields, "Notes")
	}
	if p.DueAt.Changes() {
		n.DueAt = &p.DueAt.Value
		fields = append(fields, "DueAt")
	}
	if p.Tags.Changes() {
		n.Tags = p.Tags.Value
		fields = append(fields, "Tags")
	}
	return n, fields
}
