package deploycheck

import (
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/example/serverless-todo/internal/local/devauth"
	"github.com/example/serverless-todo/internal/local/samtemplate"
)

// TestTheLocalIssuerMintsWhatTheStackIssues: make dev's tokens carry the
// scope the routes require by default and live as long as the user pool's
// access tokens, so that a client tested against make dev refreshes its
// tokens as it must in AWS.
func TestTheLocalIssuerMintsWhatTheStackIssues(t *testing.T) {
	tpl, err := samtemplate.Load(filepath.Join(root, "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if got := tpl.Parameters["JwtScope"].Default; got != devauth.DefaultScope {
		t.Errorf("template.yaml's JwtScope defaults to %q, devauth.DefaultScope is %q", got, devauth.DefaultScope)
	}
	minutes, err := strconv.Atoi(tpl.Parameters["AccessTokenValidity"].Default)
	if err != nil || time.Duration(minutes)*time.Minute != devauth.DefaultTTL {
		t.Errorf("template.yaml's AccessTokenValidity defaults to %q minutes (%v), devauth.DefaultTTL is %s", tpl.Parameters["AccessTokenValidity"].Default, err, devauth.DefaultTTL)
	}
}
