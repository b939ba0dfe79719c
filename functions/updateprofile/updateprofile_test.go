package main

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/example/serverless-todo/internal/testkit/apitest"
	"github.com/example/serverless-todo/internal/testkit/dbtest"
	"github.com/example/serverless-todo/pkg/profile"
	"github.com/example/serverless-todo/pkg/validate"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

func setup(t *testing.T) (*updateProfileHandler, *dbtest.Table) {
	tbl := dbtest.NewTable(t)
	return &updateProfileHandler{store: tbl.Store(), validate: validate.New()}, tbl
}

func patch(sub, body string, headers map[string]string) apitest.Request {
	h := map[string]string{"Content-Type": "application/merge-patch+json"}
	for k, v := range headers {
		h[k] = v
	}
	return apitest.Request{Method: "PATCH", Path: "/me", Route: "PATCH /me", Sub: sub, Body: body, Headers: h}
}

func TestUpdateProfileCreatesThenPatches(t *testing.T) {
	h, tbl := setup(t)
	resp := apitest.Invoke(t, h.handle, patch("alice", `{"username":"Ada.L","firstName":"  Ada ","lastName":"Lovelace","email":"ada@example.com","phoneNumber":"+447700900123","bio":"Line one\nline two"}`, nil))
	var got profile.Profile
	apitest.JSON(t, resp, http.StatusOK, &got)
	apitest.SecurityHeaders(t, resp)
	want := profile.Profile{Username: "Ada.L", FirstName: "Ada", LastName: "Lovelace", Email: "ada@example.com", PhoneNumber: "+447700900123", Bio: "Line one\nline two", Version: 1}
	got.CreatedAt, got.UpdatedAt = "", ""
	if got != want || resp.Headers["ETag"] != `"1"` {
		t.Fatalf("got %+v with ETag %s, want %+v", got, resp.Headers["ETag"], want)
	}
	resp = apitest.Invoke(t, h.handle, patch("alice", `{"bio":null,"phoneNumber":null}`, map[string]string{"If-Match": `"1"`}))
	got = profile.Profile{}
	apitest.JSON(t, resp, http.StatusOK, &got)
	if got.Bio != "" || got.PhoneNumber != "" || got.FirstName != "Ada" || got.Version != 2 || resp.Headers["ETag"] != `"2"` {
		t.Fatalf("after removing bio and phone: %+v, ETag %s", got, resp.Headers["ETag"])
	}
	stale := apitest.Invoke(t, h.handle, patch("alice", `{"bio":"lost"}`, map[string]string{"If-Match": `"1"`}))
	if p := apitest.Problem(t, stale, http.StatusPreconditionFailed); !strings.Contains(p.Detail, "profile") {
		t.Errorf("412 detail %q does not say it is the profile", p.Detail)
	}
	stored, err := tbl.Store().GetProfile(t.Context(), "alice")
	if err != nil || stored.Bio != "" || stored.Version != 2 {
		t.Errorf("stored %+v (%v)", stored, err)
	}
}

func TestUpdateProfileRefusesAndWritesNothing(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		headers map[string]string
		status  int
		fields  []string
	}{
		{"empty patch", `{}`, nil, 400, nil},
		{"unknown member", `{"age":3}`, nil, 400, []string{"age"}},
		{"username too short", `{"username":"al"}`, nil, 400, []string{"username"}},
		{"username with a dash", `{"username":"al-ice"}`, nil, 400, []string{"username"}},
		{"username too long", `{"username":"` + strings.Repeat("a", 31) + `"}`, nil, 400, []string{"username"}},
		{"first name blank", `{"firstName":"   "}`, nil, 400, []string{"firstName"}},
		{"last name with a control character", `{"lastName":"Love\u0007lace"}`, nil, 400, []string{"lastName"}},
		{"first name too long", `{"firstName":"` + strings.Repeat("é", 101) + `"}`, nil, 400, []string{"firstName"}},
		{"phone not E.164", `{"phoneNumber":"07700 900123"}`, nil, 400, []string{"phoneNumber"}},
		{"bio too long", `{"bio":"` + strings.Repeat("b", 501) + `"}`, nil, 400, []string{"bio"}},
		{"email invalid", `{"email":"not an email"}`, nil, 400, []string{"email"}},
		{"email too long", `{"email":"` + strings.Repeat("a", 243) + `@example.com"}`, nil, 400, []string{"email"}},
		{"several at once", `{"username":"x","phoneNumber":"1"}`, nil, 400, []string{"phoneNumber", "username"}},
		{"not JSON", `{"username":`, nil, 400, nil},
		{"wrong media type", `{"bio":"x"}`, map[string]string{"Content-Type": "text/plain"}, 415, nil},
		{"malformed If-Match", `{"bio":"x"}`, map[string]string{"If-Match": "1"}, 400, []string{"If-Match"}},
		{"If-Match of a profile never written", `{"bio":"x"}`, map[string]string{"If-Match": `"1"`}, 412, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, tbl := setup(t)
			p := apitest.Problem(t, apitest.Invoke(t, h.handle, patch("alice", tt.body, tt.headers)), tt.status)
			if got := slices.Sorted(slices.Values(apitest.Fields(p))); tt.fields != nil && !slices.Equal(got, tt.fields) {
				t.Errorf("fields %v, want %v", got, tt.fields)
			}
			if items := tbl.Items(t); len(items) != 0 {
				t.Errorf("a refused patch wrote %d items", len(items))
			}
		})
	}
}

func TestATakenUsernameIsA409NamingTheField(t *testing.T) {
	h, _ := setup(t)
	if resp := apitest.Invoke(t, h.handle, patch("alice", `{"username":"alice"}`, nil)); resp.StatusCode != 200 {
		t.Fatalf("alice: %d %s", resp.StatusCode, resp.Body)
	}
	p := apitest.Problem(t, apitest.Invoke(t, h.handle, patch("bob", `{"username":"ALICE","firstName":"Bob"}`, nil)), http.StatusConflict)
	if !slices.Equal(apitest.Fields(p), []string{"username"}) {
		t.Errorf("fields %v, want [username]", apitest.Fields(p))
	}
	if strings.Contains(p.Detail, "alice") {
		t.Errorf("the 409 tells who holds the name: %q", p.Detail)
	}
}

func TestADeletedAccountCannotWriteItsProfile(t *testing.T) {
	h, tbl := setup(t)
	if _, err := tbl.Store().DeleteAccount(t.Context(), "alice", 0, time.Hour); err != nil {
		t.Fatal(err)
	}
	before := len(tbl.Items(t))
	apitest.Problem(t, apitest.Invoke(t, h.handle, patch("alice", `{"username":"alice"}`, nil)), http.StatusForbidden)
	if after := len(tbl.Items(t)); after != before {
		t.Errorf("%d items after the refused write, %d before", after, before)
	}
}
