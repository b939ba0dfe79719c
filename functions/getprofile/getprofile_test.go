package main

import (
	"net/http"
	"testing"

	"github.com/example/serverless-todo/internal/testkit/apitest"
	"github.com/example/serverless-todo/internal/testkit/dbtest"
	"github.com/example/serverless-todo/pkg/mergepatch"
	"github.com/example/serverless-todo/pkg/profile"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

func get(sub string, headers, claims map[string]string) apitest.Request {
	return apitest.Request{Method: "GET", Path: "/me", Route: "GET /me", Sub: sub, Headers: headers, Claims: claims}
}

func TestAProfileNeverWrittenIsWhatTheTokenSays(t *testing.T) {
	h := &getProfileHandler{store: dbtest.NewTable(t).Store()}
	tests := []struct {
		name   string
		claims map[string]string
		want   profile.Profile
	}{
		{"with an email claim", map[string]string{"email": "alice@example.com"}, profile.Profile{Email: "alice@example.com"}},
		{"without", nil, profile.Profile{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := apitest.Invoke(t, h.handle, get("alice", nil, tt.claims))
			var got profile.Profile
			apitest.JSON(t, resp, http.StatusOK, &got)
			apitest.SecurityHeaders(t, resp)
			if got != tt.want || resp.Headers["ETag"] != "" {
				t.Errorf("got %+v with ETag %q, want %+v and none", got, resp.Headers["ETag"], tt.want)
			}
		})
	}
}

func TestGetProfileReturnsTheCallersOwnWithItsETag(t *testing.T) {
	s := dbtest.NewTable(t).Store()
	h := &getProfileHandler{store: s}
	written, err := s.UpdateProfile(t.Context(), "alice", &profile.Patch{
		Username: mergepatch.Field[string]{Set: true, Value: "alice"}, FirstName: mergepatch.Field[string]{Set: true, Value: "Alice"},
	}, 0)
	if err != nil {
		t.Fatal(err)
	}
	resp := apitest.Invoke(t, h.handle, get("alice", nil, map[string]string{"email": "token@example.com"}))
	var got profile.Profile
	apitest.JSON(t, resp, http.StatusOK, &got)
	if got != written || resp.Headers["ETag"] != `"1"` {
		t.Errorf("got %+v with ETag %s, want %+v with \"1\"", got, resp.Headers["ETag"], written)
	}
	notModified := apitest.Invoke(t, h.handle, get("alice", map[string]string{"If-None-Match": `"1"`}, nil))
	if notModified.StatusCode != http.StatusNotModified || notModified.Body != "" {
		t.Errorf("If-None-Match of the current version: %d %q", notModified.StatusCode, notModified.Body)
	}
	// Bob sees nothing of Alice's.
	bob := apitest.Invoke(t, h.handle, get("bob", nil, nil))
	var bobs profile.Profile
	apitest.JSON(t, bob, http.StatusOK, &bobs)
	if bobs != (profile.Profile{}) {
		t.Errorf("bob got %+v", bobs)
	}
}

func TestGetProfileRefusesBadRequests(t *testing.T) {
	h := &getProfileHandler{store: dbtest.NewTable(t).Store()}
	apitest.Problem(t, apitest.Invoke(t, h.handle, get("", nil, nil)), http.StatusUnauthorized)
	apitest.Problem(t, apitest.Invoke(t, h.handle, get("alice", map[string]string{"If-None-Match": "garbage"}, nil)), http.StatusBadRequest)
}
