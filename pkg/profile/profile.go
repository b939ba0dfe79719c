// Package profile defines a user's profile, the body of GET /me, and the
// merge patch of PATCH /me that changes it. The validation rules are the
// struct tags of Rules; the patch is checked against them.
package profile

import (
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/example/serverless-todo/pkg/mergepatch"
	"github.com/example/serverless-todo/pkg/problem"
	"github.com/example/serverless-todo/pkg/todo"
)

// MaxEmailLength is the most characters an email address may have, in a
// patch and in a token's claim.
const MaxEmailLength = 254

// Profile is a profile as the API returns it and the table stores it
// (beside its PK and SK). Empty optional fields are left out of both; a
// profile never written has no createdAt, updatedAt or version.
type Profile struct {
	Username    string `json:"username,omitempty" dynamodbav:"username,omitempty"`
	FirstName   string `json:"firstName,omitempty" dynamodbav:"firstName,omitempty"`
	LastName    string `json:"lastName,omitempty" dynamodbav:"lastName,omitempty"`
	Email       string `json:"email,omitempty" dynamodbav:"email,omitempty"`
	PhoneNumber string `json:"phoneNumber,omitempty" dynamodbav:"phoneNumber,omitempty"`
	Bio         string `json:"bio,omitempty" dynamodbav:"bio,omitempty"`
	CreatedAt   string `json:"createdAt,omitempty" dynamodbav:"createdAt,omitempty"`
	UpdatedAt   string `json:"updatedAt,omitempty" dynamodbav:"updatedAt,omitempty"`
	// Version is 1 when the profile is first written and one more after
	// every change; 0 for a profile never written.
	Version int64 `json:"version,omitempty" dynamodbav:"version,omitempty"`
}

// ErrChanged is what a write at an If-Match version the profile is no
// longer at returns: 412.
var ErrChanged = problem.New(http.StatusPreconditionFailed,
	"The profile has changed: its ETag no longer matches If-Match. Fetch it again and retry.")

// Rules holds the rules for every profile field as its tags, the
// counterpart of todo.New; openapi.yaml states the same limits. Every
// field is optional: a patch validates only those it sets.
type Rules struct {
	Username    string `json:"username" validate:"min=3,max=30,username"`
	FirstName   string `json:"firstName" validate:"required,max=100,line,visible"`
	LastName    string `json:"lastName" validate:"required,max=100,line,visible"`
	Email       string `json:"email" validate:"max=254,email"`
	PhoneNumber string `json:"phoneNumber" validate:"e164,startswith=+"`
	Bio         string `json:"bio" validate:"max=500,text"`
}

// Validator checks a struct's fields against their validate tags and
// composes text; *validate.Validator is the one the functions use. It is
// todo's, so that this package links nothing todo does not.
type Validator = todo.Validator

// Patch is the body of PATCH /me: a JSON merge patch (RFC 7396) of the
// profile's fields. Every field is optional, so null removes any of them.
type Patch struct {
	Username    mergepatch.Field[string] `json:"username"`
	FirstName   mergepatch.Field[string] `json:"firstName"`
	LastName    mergepatch.Field[string] `json:"lastName"`
	Email       mergepatch.Field[string] `json:"email"`
	PhoneNumber mergepatch.Field[string] `json:"phoneNumber"`
	Bio         mergepatch.Field[string] `json:"bio"`
}

// Check reports what is wrong with the patch as a whole, before its values
// are validated: that it changes nothing.
func (p *Patch) Check() error {
	if !p.Username.Set && !p.FirstName.Set && !p.LastName.Set && !p.Email.Set && !p.PhoneNumber.Set && !p.Bio.Set {
		return problem.New(http.StatusBadRequest, "The patch changes nothing: set at least one of username, firstName, lastName, email, phoneNumber, bio.")
	}
	return nil
}

// Normalize trims every value, whose length limits count what is left. It
// changes no case: a username is kept as its owner wrote it, and only its
// key (UsernameKey) is folded.
func (p *Patch) Normalize() {
	for _, f := range p.fields() {
		f.Value = strings.TrimSpace(f.Value)
	}
}

// fields returns the patch's members in the order of Rules.
func (p *Patch) fields() []*mergepatch.Field[string] {
	return []*mergepatch.Field[string]{&p.Username, &p.FirstName, &p.LastName, &p.Email, &p.PhoneNumber, &p.Bio}
}

// Validate checks the patch as a whole, normalizes it, checks the values
// it sets against the rules of Rules and, when they pass, composes the
// text people type (names and bio) in Unicode's composed form (NFC), as
// todo.New.Validate does. The username and phone number are ASCII, and the
// email address is kept as it was written, as the contact form keeps it.
func (p *Patch) Validate(v Validator) error {
	if err := p.Check(); err != nil {
		return err
	}
	p.Normalize()
	values, fields := p.Values()
	if err := v.Fields(&values, fields...); err != nil {
		return err
	}
	p.FirstName.Value, p.LastName.Value = v.Compose(p.FirstName.Value), v.Compose(p.LastName.Value)
	p.Bio.Value = v.Compose(p.Bio.Value)
	return nil
}

// Apply returns pr as a valid patch leaves it at now: one version on,
// created at now if it never was written. A null or empty value removes
// the field.
func (p *Patch) Apply(pr Profile, now time.Time) Profile {
	apply := func(dst *string, f mergepatch.Field[string]) {
		if f.Set {
			*dst = ""
			if f.Changes() {
				*dst = f.Value
			}
		}
	}
	apply(&pr.Username, p.Username)
	apply(&pr.FirstName, p.FirstName)
	apply(&pr.LastName, p.LastName)
	apply(&pr.Email, p.Email)
	apply(&pr.PhoneNumber, p.PhoneNumber)
	apply(&pr.Bio, p.Bio)
	ts := todo.Timestamp(now)
	if pr.CreatedAt == "" {
		pr.CreatedAt = ts
	}
	pr.UpdatedAt = ts
	pr.Version++
	return pr
}

// Values returns the patch's new values as Rules, with the Go names of the
// fields the patch sets to a value, so that the rules validate exactly
// those; a null needs no validating.
func (p *Patch) Values() (Rules, []string) {
	var r Rules
	var fields []string
	add := func(dst *string, f mergepatch.Field[string], name string) {
		if f.Changes() {
			*dst = f.Value
			fields = append(fields, name)
		}
	}
	add(&r.Username, p.Username, "Username")
	add(&r.FirstName, p.FirstName, "FirstName")
	add(&r.LastName, p.LastName, "LastName")
	add(&r.Email, p.Email, "Email")
	add(&r.PhoneNumber, p.PhoneNumber, "PhoneNumber")
	add(&r.Bio, p.Bio, "Bio")
	return r, fields
}

// UsernameKey returns the case-folded form of a username, which the table
// keeps unique: Ada.L and ada.l are one username, so that no user can
// pass for another by a change of case. A username is ASCII, so
// strings.ToLower folds it exactly. The empty username has the empty key.
func UsernameKey(username string) string { return strings.ToLower(username) }

// FromClaims returns the profile of a caller who never wrote one: the email
// address of their token's email claim when it looks like one (not empty,
// at most MaxEmailLength characters, with an @), and nothing else; its
// version is 0.
func FromClaims(claims map[string]string) Profile {
	var p Profile
	if email := strings.TrimSpace(claims["email"]); email != "" && utf8.RuneCountInString(email) <= MaxEmailLength && strings.Contains(email, "@") {
		p.Email = email
	}
	return p
}
