// Package contact defines the public contact form and the message the
// contact function stores from it.
package contact

import (
	"strings"
	"time"
)

// Form is the body of POST /contact. Its tags are the rules; openapi.yaml
// states the same limits and a test keeps the two in step.
type Form struct {
	Name    string `json:"name" validate:"required,max=100,line,visible"`
	Email   string `json:"email" validate:"required,max=254,email,unquoted"`
	Message string `json:"message" validate:"required,max=5000,text,visible"`
	// Website is a spam trap: the form hides it from people, so only bots
	// fill it in. A filled-in form is answered as if accepted and dropped.
	Website string `json:"website"`
}

// Normalize trims the fields whose length limits count what is left.
func (f *Form) Normalize() {
	f.Name = strings.TrimSpace(f.Name)
	f.Email = strings.TrimSpace(f.Email)
	f.Message = strings.TrimSpace(f.Message)
}

// Validate normalizes f, checks it against its rules and, when it is
// valid, writes its text in Unicode's composed form (NFC);
// *validate.Validator is the validator the functions use.
func (f *Form) Validate(v interface {
	Struct(s any) error
	Compose(s string) string
}) error {
	f.Normalize()
	if err := v.Struct(f); err != nil {
		return err
	}
	f.Name, f.Message = v.Compose(f.Name), v.Compose(f.Message)
	return nil
}

// IsSpam reports whether the spam trap was filled in.
func (f *Form) IsSpam() bool { return strings.TrimSpace(f.Website) != "" }

// Message is a stored contact message: what the sender wrote, and what
// abuse handling needs, which is not their IP address but a keyed hash of
// it (SenderHash): it tells messages of one sender apart from others'
// without saying who sent them. It is deleted at ExpiresAt.
type Message struct {
	ID         string    `dynamodbav:"id"`
	Name       string    `dynamodbav:"name"`
	Email      string    `dynamodbav:"email"`
	Message    string    `dynamodbav:"message"`
	CreatedAt  time.Time `dynamodbav:"createdAt"`
	SenderHash string    `dynamodbav:"senderHash"`
	// ExpiresAt is the table's time to live, in Unix seconds.
	ExpiresAt int64 `dynamodbav:"expiresAt"`
	// Notified records whether the owner was told; NotifyError says why not
	// when a notification was attempted and failed.
	Notified    bool   `dynamodbav:"notified"`
	NotifyError string `dynamodbav:"notifyError,omitempty"`
}
