package awsconfig_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/example/serverless-todo/pkg/awsconfig"
)

// signedBy is a stand-in DynamoDB endpoint on loopback that answers every
// call with an empty item and keeps the signature of each request it got.
type signedBy struct {
	srv  *httptest.Server
	mu   sync.Mutex
	auth []string
	sts  []string
}

func newEndpoint(t *testing.T) *signedBy {
	e := &signedBy{}
	e.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.mu.Lock()
		e.auth = append(e.auth, r.Header.Get("Authorization"))
		e.sts = append(e.sts, r.Header.Get("X-Amz-Security-Token"))
		e.mu.Unlock()
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		w.Write([]byte(`{}`))
	}))
	t.Cleanup(e.srv.Close)
	return e
}

// call makes one DynamoDB call with cfg against the endpoint and returns
// the Authorization and X-Amz-Security-Token headers it was signed with.
func (e *signedBy) call(t *testing.T, cfg aws.Config) (auth, token string) {
	t.Helper()
	client := dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) {
		o.BaseEndpoint = aws.String(e.srv.URL)
		o.DisableValidateResponseChecksum = true
	})
	key := map[string]types.AttributeValue{"PK": &types.AttributeValueMemberS{Value: "k"}}
	if _, err := client.GetItem(context.Background(), &dynamodb.GetItemInput{TableName: aws.String("t"), Key: key}); err != nil {
		t.Fatalf("GetItem: %v", err)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.auth[len(e.auth)-1], e.sts[len(e.sts)-1]
}

func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func TestLoadSignsWithTheCredentialsInTheEnvironment(t *testing.T) {
	e := newEndpoint(t)
	cfg, err := awsconfig.Load(env(map[string]string{
		"AWS_REGION":            "eu-west-2",
		"AWS_ACCESS_KEY_ID":     "ASIAENVIRONMENT",
		"AWS_SECRET_ACCESS_KEY": "secret",
		"AWS_SESSION_TOKEN":     "session-token",
	}))
	if err != nil {
		t.Fatal(err)
	}
	auth, token := e.call(t, cfg)
	if !strings.Contains(auth, "Credential=ASIAENVIRONMENT/") || !strings.Contains(auth, "/eu-west-2/dynamodb/aws4_request") || token != "session-token" {
		t.Errorf("signed with %q and token %q, want the environment's key, Region and session token", auth, token)
	}
}

// containerCredentials is a container credentials endpoint on loopback, as
// Lambda runs one where credentials outlive an environment's start.
type containerCredentials struct {
	srv     *httptest.Server
	token   string
	ttl     time.Duration
	mu      sync.Mutex
	fetches int
	refused int
}

func newContainerCredentials(t *testing.T, token string, ttl time.Duration) *containerCredentials {
	c := &containerCredentials{token: token, ttl: ttl}
	c.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.mu.Lock()
		defer c.mu.Unlock()
		if r.Header.Get("Authorization") != c.token {
			c.refused++
			http.Error(w, `{"code":"AccessDenied","message":"bad token"}`, http.StatusForbidden)
			return
		}
		c.fetches++
		json.NewEncoder(w).Encode(map[string]string{
			"AccessKeyId":     "ASIACONTAINER",
			"SecretAccessKey": "container-secret",
			"Token":           "container-session",
			"Expiration":      time.Now().Add(c.ttl).UTC().Format(time.RFC3339),
		})
	}))
	t.Cleanup(c.srv.Close)
	return c
}

func (c *containerCredentials) counts() (fetches, refused int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.fetches, c.refused
}

func TestLoadFetchesCredentialsFromTheContainerEndpoint(t *testing.T) {
	tokenFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokenFile, []byte("file-token\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		token string
		vars  map[string]string
	}{
		{"with the token in the environment", "env-token", map[string]string{"AWS_CONTAINER_AUTHORIZATION_TOKEN": "env-token"}},
		{"with the token in a file", "file-token", map[string]string{"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": tokenFile}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEndpoint(t)
			creds := newContainerCredentials(t, tt.token, time.Hour)
			vars := map[string]string{"AWS_REGION": "us-east-1", "AWS_CONTAINER_CREDENTIALS_FULL_URI": creds.srv.URL + "/2021-04-23/credentials"}
			for k, v := range tt.vars {
				vars[k] = v
			}
			cfg, err := awsconfig.Load(env(vars))
			if err != nil {
				t.Fatal(err)
			}
			for range 2 {
				auth, token := e.call(t, cfg)
				if !strings.Contains(auth, "Credential=ASIACONTAINER/") || token != "container-session" {
					t.Errorf("signed with %q and token %q, want the endpoint's credentials", auth, token)
				}
			}
			// Valid for an hour: fetched once for both calls.
			if fetches, refused := creds.counts(); fetches != 1 || refused != 0 {
				t.Errorf("the endpoint served %d fetches and refused %d, want 1 and 0", fetches, refused)
			}
		})
	}
}

func TestContainerCredentialsAreFetchedAgainBeforeTheyExpire(t *testing.T) {
	e := newEndpoint(t)
	// Within the refresh margin from the start: every call needs new ones.
	creds := newContainerCredentials(t, "tok", 30*time.Second)
	cfg, err := awsconfig.Load(env(map[string]string{
		"AWS_REGION":                         "us-east-1",
		"AWS_CONTAINER_CREDENTIALS_FULL_URI": creds.srv.URL,
		"AWS_CONTAINER_AUTHORIZATION_TOKEN":  "tok",
	}))
	if err != nil {
		t.Fatal(err)
	}
	e.call(t, cfg)
	e.call(t, cfg)
	if fetches, _ := creds.counts(); fetches != 2 {
		t.Errorf("%d fetches for two calls with credentials about to expire, want 2", fetches)
	}
}

func TestTheEnvironmentsKeysWinOverTheContainerEndpoint(t *testing.T) {
	e := newEndpoint(t)
	creds := newContainerCredentials(t, "tok", time.Hour)
	cfg, err := awsconfig.Load(env(map[string]string{
		"AWS_REGION":                         "us-east-1",
		"AWS_ACCESS_KEY_ID":                  "ASIAENVIRONMENT",
		"AWS_SECRET_ACCESS_KEY":              "secret",
		"AWS_CONTAINER_CREDENTIALS_FULL_URI": creds.srv.URL,
	}))
	if err != nil {
		t.Fatal(err)
	}
	if auth, _ := e.call(t, cfg); !strings.Contains(auth, "Credential=ASIAENVIRONMENT/") {
		t.Errorf("signed with %q, want the environment's key", auth)
	}
	if fetches, _ := creds.counts(); fetches != 0 {
		t.Errorf("the container endpoint was asked %d times", fetches)
	}
}

func TestLoadRefusesAnEnvironmentWithoutRegionOrCredentials(t *testing.T) {
	tests := []struct {
		name string
		vars map[string]string
		want string
	}{
		{"no Region", map[string]string{"AWS_ACCESS_KEY_ID": "a", "AWS_SECRET_ACCESS_KEY": "b"}, "AWS_REGION"},
		{"no credentials", map[string]string{"AWS_REGION": "us-east-1"}, "no credentials"},
		{"half a key", map[string]string{"AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "a"}, "no credentials"},
		{"a container endpoint off this machine over plain HTTP", map[string]string{"AWS_REGION": "us-east-1", "AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://credentials.example.com/creds"}, "loopback"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := awsconfig.Load(env(tt.vars)); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Load: %v, want an error about %s", err, tt.want)
			}
		})
	}
}

func TestEndpointPrefersTheServicesOwnVariable(t *testing.T) {
	tests := []struct {
		vars map[string]string
		want string
	}{
		{nil, ""},
		{map[string]string{"AWS_ENDPOINT_URL": "http://all"}, "http://all"},
		{map[string]string{"AWS_ENDPOINT_URL": "http://all", "AWS_ENDPOINT_URL_DYNAMODB": "http://ddb"}, "http://ddb"},
		{map[string]string{"AWS_ENDPOINT_URL_S3": "http://s3"}, ""},
	}
	for _, tt := range tests {
		if got := awsconfig.Endpoint(env(tt.vars), "DYNAMODB"); got != tt.want {
			t.Errorf("Endpoint(%v) = %q, want %q", tt.vars, got, tt.want)
		}
	}
}
