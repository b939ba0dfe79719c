// Package mergepatch decodes the members of a JSON merge patch (RFC 7396),
// where leaving a member out, setting it to null and setting it to a value
// mean three different things.
package mergepatch

import "encoding/json"

// Field is one member of a merge patch. Its zero value is an absent member.
// Use it as a struct field with a json tag; encoding/json calls UnmarshalJSON
// for null too, which is how Null is told apart from absent.
type Field[T any] struct {
	// Set reports whether the member was in the patch at all.
	Set bool
	// Null reports whether the member was null: remove the attribute.
	Null bool
	// Value is the new value when Set and not Null.
	Value T
}

// UnmarshalJSON records the member as set, and null or its value.
func (f *Field[T]) UnmarshalJSON(b []byte) error {
	f.Set = true
	if string(b) == "null" {
		f.Null = true
		return nil
	}
	return json.Unmarshal(b, &f.Value)
}

// Changes reports whether the member asks for a new value.
func (f Field[T]) Changes() bool { return f.Set && !f.Null }
