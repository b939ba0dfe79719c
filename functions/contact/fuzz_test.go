package main

import (
	"testing"

	"github.com/example/serverless-todo/internal/testkit/apitest"
	"github.com/example/serverless-todo/pkg/validate"
)

// FuzzParse checks that any POST /contact is either a valid form, spam, or
// a 4xx problem, never a panic.
func FuzzParse(f *testing.F) {
	f.Add(`{"name":"Ann","email":"ann@example.com","message":"Hello"}`, "application/json")
	f.Add(`{"name":"Bot","email":"x","message":"","website":"http://spam"}`, "application/json")
	f.Add(`{"name":"Ann","email":"ann@@example.com","message":"Hi"}`, "application/json")
	f.Add(`{"name":"A\u001b[2J","email":"a@b.co","message":"m\u0000"}`, "application/json")
	f.Add(`name=Ann`, "application/x-www-form-urlencoded")
	h := &contactHandler{validate: validate.New()}
	f.Fuzz(func(t *testing.T, body, contentType string) {
		ev := apitest.Request{Method: "POST", Path: "/contact", Route: "POST /contact", Body: body,
			Headers: map[string]string{"Content-Type": contentType}}.Event()
		form, err := h.parse(&ev)
		if err != nil {
			apitest.ClientError(t, err)
			return
		}
		if !form.IsSpam() && h.validate.Struct(&form) != nil {
			t.Fatalf("accepted %q as %+v, which is invalid", body, form)
		}
	})
}
