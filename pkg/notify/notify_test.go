package notify_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/example/serverless-todo/pkg/notify"
)

const (
	token = "app-token-SECRET"
	user  = "user-key-SECRET"
)

func TestPushoverPostsTheMessageForm(t *testing.T) {
	got := make(chan http.Header, 1)
	var form map[string][]string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			t.Errorf("method %s", r.Method)
		}
		if err := r.ParseForm(); err != nil {
			t.Error(err)
		}
		form = r.PostForm
		got <- r.Header
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"status":1,"request":"647d2300-702c-4b38-8b2f-d56326ae460b"}`))
	}))
	defer srv.Close()
	p := &notify.Pushover{Token: token, UserKey: user, URL: srv.URL}
	long := strings.Repeat("é", 2000)
	if err := p.Notify(context.Background(), notify.Notification{Title: "Contact form: Ann", Message: long}); err != nil {
		t.Fatal(err)
	}
	h := <-got
	if ct := h.Get("Content-Type"); ct != "application/x-www-form-urlencoded" {
		t.Errorf("Content-Type = %q", ct)
	}
	if form["token"][0] != token || form["user"][0] != user || form["title"][0] != "Contact form: Ann" {
		t.Errorf("form = %v", form)
	}
	if msg := form["message"][0]; utf8.RuneCountInString(msg) != 1024 || !utf8.ValidString(msg) {
		t.Errorf("message has %d characters, want it cut to Pushover's 1024", utf8.RuneCountInString(msg))
	}
}

func TestPushoverReportsFailuresWithoutSecrets(t *testing.T) {
	tests := []struct {
		name    string
		handler http.HandlerFunc
		want    string
	}{
		{"rejected", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusBadRequest)
			w.Write([]byte(`{"user":"invalid","errors":["user identifier is invalid"],"status":0}`))
		}, "HTTP 400: user identifier is invalid"},
		{"server error", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusInternalServerError)
		}, "HTTP 500"},
		{"status 0 with 200", func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte(`{"status":0,"errors":["message cannot be blank"]}`))
		}, "HTTP 200: message cannot be blank"},
		{"not JSON", func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte(`<html>`))
		}, "HTTP 200"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(tt.handler)
			defer srv.Close()
			err := (&notify.Pushover{Token: token, UserKey: user, URL: srv.URL}).Notify(context.Background(), notify.Notification{Title: "t", Message: "m"})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to say %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "SECRET") {
				t.Fatalf("err %v reveals a secret", err)
			}
		})
	}
}

func TestPushoverGivesUpAfterItsTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	start := time.Now()
	err := (&notify.Pushover{Token: token, UserKey: user, URL: srv.URL, Timeout: 50 * time.Millisecond}).Notify(context.Background(), notify.Notification{Title: "t", Message: "m"})
	if err == nil {
		t.Fatal("a hung Pushover did not fail the notification")
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("took %s despite a 50 ms timeout", took)
	}
}

func TestPushoverDownIsAnError(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	if err := (&notify.Pushover{Token: token, UserKey: user, URL: url}).Notify(context.Background(), notify.Notification{Title: "t", Message: "m"}); err == nil || strings.Contains(err.Error(), "SECRET") {
		t.Fatalf("err = %v", err)
	}
}
