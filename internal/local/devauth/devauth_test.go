package devauth_test

import (
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/example/serverless-todo/internal/local/devauth"
)

func TestOpenCreatesTheKeyOnceAndReusesIt(t *testing.T) {
	dir := filepath.Join(t.TempDir(), ".local")
	first, err := devauth.Open(dir, devauth.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]os.FileMode{dir: 0o700, filepath.Join(dir, devauth.KeyFile): 0o600} {
		info, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if got := info.Mode().Perm(); got != want {
			t.Errorf("%s has mode %#o, want %#o", path, got, want)
		}
	}
	token, err := first.Mint(devauth.Token{Subject: "user-1"})
	if err != nil {
		t.Fatal(err)
	}

	again, err := devauth.Open(dir, devauth.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if again.KeyID() != first.KeyID() {
		t.Errorf("key ID after reopening = %s, want %s", again.KeyID(), first.KeyID())
	}
	// A token minted before the restart still verifies.
	if _, err := parse(t, again, token); err != nil {
		t.Errorf("token from the first issuer: %v", err)
	}
}

func TestOpenConcurrentFirstUseAgreesOnOneKey(t *testing.T) {
	dir := filepath.Join(t.TempDir(), ".local")
	ids := make([]string, 4)
	var wg sync.WaitGroup
	for n := range ids {
		wg.Go(func() {
			iss, err := devauth.Open(dir, devauth.Options{})
			if err != nil {
				t.Error(err)
				return
			}
			ids[n] = iss.KeyID()
		})
	}
	wg.Wait()
	for _, id := range ids[1:] {
		if id != ids[0] {
			t.Fatalf("key IDs %v, want one key", ids)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("state folder holds %d files, want only the key", len(entries))
	}
}

func TestOpenRefusesAKeyOthersCanRead(t *testing.T) {
	dir := t.TempDir()
	if _, err := devauth.Open(dir, devauth.Options{}); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(filepath.Join(dir, devauth.KeyFile), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := devauth.Open(dir, devauth.Options{}); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Errorf("Open = %v, want an error asking for chmod 600", err)
	}
}

func TestMintedTokensHaveCognitosClaims(t *testing.T) {
	iss, err := devauth.Open(t.TempDir(), devauth.Options{URL: "https://issuer.test", Audience: "app"})
	if err != nil {
		t.Fatal(err)
	}
	issued := time.Now().Add(-time.Minute).Truncate(time.Second)
	absent := struct{}{}
	tests := []struct {
		name  string
		token devauth.Token
		want  map[string]any
	}{
		{"an access token", devauth.Token{Subject: "user-42", IssuedAt: issued, TTL: 5 * time.Minute}, map[string]any{
			"iss": "https://issuer.test", "sub": "user-42", "client_id": "app", "aud": absent, "token_use": "access",
			"scope": devauth.DefaultScope, "username": "user-42", "version": float64(2), "auth_time": float64(issued.Unix()),
			"iat": float64(issued.Unix()), "exp": float64(issued.Add(5 * time.Minute).Unix()), "nbf": absent,
		}},
		{"an access token with other scopes and claims", devauth.Token{Subject: "user-42", Scopes: []string{"todos/read", "todos/write"},
			Claims: map[string]any{"email": "a@example.com"}}, map[string]any{
			"scope": "todos/read todos/write", "email": "a@example.com", "token_use": "access",
		}},
		{"an access token without scopes", devauth.Token{Subject: "user-42", Scopes: []string{}}, map[string]any{
			"scope": absent, "token_use": "access",
		}},
		{"an ID token", devauth.Token{Subject: "user-42", ID: true, IssuedAt: issued}, map[string]any{
			"aud": "app", "client_id": absent, "token_use": "id", "scope": absent, "cognito:username": "user-42",
			"exp": float64(issued.Add(devauth.DefaultTTL).Unix()),
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw, err := iss.Mint(tt.token)
			if err != nil {
				t.Fatal(err)
			}
			token, err := parse(t, iss, raw)
			if err != nil {
				t.Fatal(err)
			}
			if token.Method.Alg() != "RS256" || token.Header["kid"] != iss.KeyID() {
				t.Errorf("header = %v, want RS256 with kid %s", token.Header, iss.KeyID())
			}
			claims := token.Claims.(jwt.MapClaims)
			for name, want := range tt.want {
				got, ok := claims[name]
				if want == absent {
					if ok {
						t.Errorf("%s = %v, want none", name, got)
					}
				} else if got != want {
					t.Errorf("%s = %v, want %v", name, got, want)
				}
			}
			other, _ := iss.Mint(tt.token)
			otherToken, _ := parse(t, iss, other)
			for _, id := range []string{"jti", "origin_jti", "event_id"} {
				if v := claims[id]; v == "" || v == otherToken.Claims.(jwt.MapClaims)[id] {
					t.Errorf("%s = %v twice, want a unique ID per token", id, v)
				}
			}
		})
	}
}

func TestMintRefusesATokenWithoutSubject(t *testing.T) {
	iss, err := devauth.Open(t.TempDir(), devauth.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := iss.Mint(devauth.Token{}); err == nil {
		t.Error("Mint without a subject succeeded")
	}
}

func TestJWKSPublishesTheVerificationKey(t *testing.T) {
	iss, err := devauth.Open(t.TempDir(), devauth.Options{})
	if err != nil {
		t.Fatal(err)
	}
	doc, err := iss.JWKS()
	if err != nil {
		t.Fatal(err)
	}
	var set struct {
		Keys []map[string]string `json:"keys"`
	}
	if err := json.Unmarshal(doc, &set); err != nil || len(set.Keys) != 1 {
		t.Fatalf("JWKS = %s (%v), want one key", doc, err)
	}
	k := set.Keys[0]
	if k["kty"] != "RSA" || k["alg"] != "RS256" || k["use"] != "sig" || k["kid"] != iss.KeyID() {
		t.Errorf("key = %v", k)
	}
	n, _ := base64.RawURLEncoding.DecodeString(k["n"])
	e, _ := base64.RawURLEncoding.DecodeString(k["e"])
	published := &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
	if !published.Equal(iss.PublicKeys()[iss.KeyID()]) {
		t.Error("the JWKS key is not the issuer's public key")
	}
}

// parse verifies raw with the issuer's public keys.
func parse(t *testing.T, iss *devauth.Issuer, raw string) (*jwt.Token, error) {
	t.Helper()
	return jwt.Parse(raw, func(token *jwt.Token) (any, error) {
		return iss.PublicKeys()[token.Header["kid"].(string)], nil
	}, jwt.WithValidMethods([]string{"RS256"}), jwt.WithIssuer(iss.URL))
}
