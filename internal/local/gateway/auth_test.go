package gateway_test

import (
	"cmp"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/example/serverless-todo/internal/local/devauth"
	"github.com/example/serverless-todo/internal/local/gateway"
)

func TestJWTAuthorizer(t *testing.T) {
	dir := t.TempDir()
	iss, err := devauth.Open(dir, devauth.Options{URL: "https://issuer.test", Audience: "todo-app"})
	if err != nil {
		t.Fatal(err)
	}
	// The same key, for other issuers and audiences.
	otherIssuer, _ := devauth.Open(dir, devauth.Options{URL: "https://elsewhere.test", Audience: "todo-app"})
	otherAudience, _ := devauth.Open(dir, devauth.Options{URL: "https://issuer.test", Audience: "another-app"})
	stranger, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	a := newAPI(t, gateway.Config{
		Authorizers: map[string]gateway.JWTAuthorizer{"jwt": authorizerFor(iss)},
		Routes: []gateway.Route{
			{Key: "GET /todos", Authorizer: "jwt"},
			{Key: "DELETE /todos/{id}", Authorizer: "jwt", AuthorizationScopes: []string{"todos/admin", "todos/write"}},
			{Key: "GET /public"},
		},
		AccessLogFormat: `{"requestId":"$context.requestId","sub":"$context.authorizer.claims.sub","authorizerError":"$context.authorizer.error"}`,
	})

	now := time.Now()
	valid := mint(t, iss, devauth.Token{Subject: "user-1"})
	baseClaims := func() jwt.MapClaims {
		return jwt.MapClaims{"iss": iss.URL, "sub": "user-1", "aud": iss.Audience, "iat": now.Unix(), "exp": now.Add(time.Hour).Unix()}
	}
	without := func(claim string) jwt.MapClaims {
		c := baseClaims()
		delete(c, claim)
		return c
	}
	publicPEM, _ := x509.MarshalPKIXPublicKey(iss.PublicKeys()[iss.KeyID()])

	tests := []struct {
		name          string
		method, path  string
		authorization string // the header; "" sends none
		status        int
		description   string // of the www-authenticate header; "" for success
		scopes        []string
	}{
		{name: "valid token after Bearer", authorization: "Bearer " + valid, status: 200},
		{name: "valid token alone", authorization: valid, status: 200},
		{name: "bearer in lower case", authorization: "bearer " + valid, status: 200},
		{name: "client_id as audience, no aud", authorization: "Bearer " + sign(t, iss.KeyID(), rsaKeyOf(t, dir), jwt.SigningMethodRS256, merge(without("aud"), jwt.MapClaims{"client_id": "todo-app"})), status: 200},
		{name: "aud listing ours among others", authorization: "Bearer " + sign(t, iss.KeyID(), rsaKeyOf(t, dir), jwt.SigningMethodRS256, merge(baseClaims(), jwt.MapClaims{"aud": []string{"x", "todo-app"}})), status: 200},
		// API Gateway reads client_id only when there is no aud.
		{name: "aud of another app, client_id ours", authorization: "Bearer " + sign(t, iss.KeyID(), rsaKeyOf(t, dir), jwt.SigningMethodRS256, merge(baseClaims(), jwt.MapClaims{"aud": "another-app", "client_id": "todo-app"})), status: 401, description: "the token does not have a valid audience"},
		{name: "neither aud nor client_id", authorization: "Bearer " + sign(t, iss.KeyID(), rsaKeyOf(t, dir), jwt.SigningMethodRS256, without("aud")), status: 401, description: "the token does not have a valid audience"},
		{name: "an ID token, on a route without scopes", authorization: "Bearer " + mint(t, iss, devauth.Token{Subject: "user-1", ID: true}), status: 200},
		{name: "an ID token, on a route with scopes", method: "DELETE", path: "/todos/1", authorization: "Bearer " + mint(t, iss, devauth.Token{Subject: "user-1", ID: true}), status: 403},
		{name: "missing header", status: 401},
		{name: "Bearer without token", authorization: "Bearer ", status: 401, description: "the token is malformed"},
		{name: "malformed", authorization: "Bearer abc.def", status: 401, description: "the token is malformed"},
		{name: "expired", authorization: "Bearer " + mint(t, iss, devauth.Token{Subject: "u", IssuedAt: now.Add(-2 * time.Hour), TTL: time.Hour}), status: 401, description: "the token has expired"},
		{name: "not valid yet", authorization: "Bearer " + mint(t, iss, devauth.Token{Subject: "u", Claims: map[string]any{"nbf": now.Add(time.Hour).Unix()}}), status: 401, description: "the token is not valid yet"},
		{name: "issued in the future", authorization: "Bearer " + mint(t, iss, devauth.Token{Subject: "u", Claims: map[string]any{"iat": now.Add(time.Hour).Unix()}}), status: 401, description: "the token was issued in the future"},
		{name: "no expiration", authorization: "Bearer " + sign(t, iss.KeyID(), rsaKeyOf(t, dir), jwt.SigningMethodRS256, without("exp")), status: 401, description: "the token has no expiration time"},
		{name: "wrong issuer", authorization: "Bearer " + mint(t, otherIssuer, devauth.Token{Subject: "u"}), status: 401, description: "the token does not have a valid issuer"},
		{name: "wrong audience", authorization: "Bearer " + mint(t, otherAudience, devauth.Token{Subject: "u"}), status: 401, description: "the token does not have a valid audience"},
		{name: "signed by another key with the issuer's kid", authorization: "Bearer " + sign(t, iss.KeyID(), stranger, jwt.SigningMethodRS256, baseClaims()), status: 401, description: "the token's signature is invalid"},
		{name: "unknown kid", authorization: "Bearer " + sign(t, "no-such-key", stranger, jwt.SigningMethodRS256, baseClaims()), status: 401, description: "the token's kid does not match a key of the issuer's"},
		{name: "alg none", authorization: "Bearer " + sign(t, iss.KeyID(), jwt.UnsafeAllowNoneSignatureType, jwt.SigningMethodNone, baseClaims()), status: 401, description: "the token's signature is invalid"},
		{name: "HS256 keyed with the public key", authorization: "Bearer " + sign(t, iss.KeyID(), publicPEM, jwt.SigningMethodHS256, baseClaims()), status: 401, description: "the token's signature is invalid"},
		{name: "scopes: none of the route's", method: "DELETE", path: "/todos/1", authorization: "Bearer " + mint(t, iss, devauth.Token{Subject: "u", Scopes: []string{"todos/read"}}), status: 403},
		{name: "scopes: one of the route's", method: "DELETE", path: "/todos/1", authorization: "Bearer " + mint(t, iss, devauth.Token{Subject: "user-1", Scopes: []string{"todos/read", "todos/write"}}), status: 200, scopes: []string{"todos/read", "todos/write"}},
		{name: "scopes from scp", method: "DELETE", path: "/todos/1", authorization: "Bearer " + mint(t, iss, devauth.Token{Subject: "user-1", Scopes: []string{}, Claims: map[string]any{"scp": []string{"todos/admin"}}}), status: 200, scopes: []string{"todos/admin"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			method, path := cmp.Or(tt.method, "GET"), cmp.Or(tt.path, "/todos")
			req := a.request(t, method, path, "")
			if tt.authorization != "" {
				req.Header.Set("Authorization", tt.authorization)
			}
			if tt.status != 200 {
				res := a.do(t, req)
				assertGatewayError(t, res, tt.status)
				challenge := res.header.Get("Www-Authenticate")
				switch {
				case tt.status == 403:
					want := `Bearer scope="todos/admin todos/write" error="insufficient_scope" error_description="the token does not have any of the route's scopes"`
					if challenge != want {
						t.Errorf("www-authenticate = %q, want %q", challenge, want)
					}
				case tt.authorization == "":
					if challenge != "Bearer" {
						t.Errorf("www-authenticate = %q, want Bearer", challenge)
					}
				default:
					want := `Bearer scope="" error="invalid_token" error_description="` + tt.description + `"`
					if challenge != want {
						t.Errorf("www-authenticate = %q, want %q", challenge, want)
					}
					if got := a.lastAccessLog(t)["authorizerError"]; got != tt.description {
						t.Errorf("$context.authorizer.error = %q, want %q", got, tt.description)
					}
				}
				return
			}
			ev, raw := a.echo(t, req)
			jwtCtx := authorizerOf(ev)
			if jwtCtx == nil || jwtCtx.Claims["sub"] != "user-1" {
				t.Fatalf("requestContext.authorizer = %s, want the token's claims", jsonOf(raw["requestContext"].(map[string]any)["authorizer"]))
			}
			if !slices.Equal(jwtCtx.Scopes, tt.scopes) {
				t.Errorf("scopes = %v, want %v", jwtCtx.Scopes, tt.scopes)
			}
			if got := a.lastAccessLog(t)["sub"]; got != "user-1" {
				t.Errorf("$context.authorizer.claims.sub = %q, want user-1", got)
			}
		})
	}

	t.Run("open route", func(t *testing.T) {
		_, raw := a.echo(t, a.request(t, "GET", "/public", ""))
		if auth, ok := raw["requestContext"].(map[string]any)["authorizer"]; ok {
			t.Errorf("requestContext.authorizer = %v on a route without authorizer", auth)
		}
	})
}

func TestClaimsReachTheFunctionAsStrings(t *testing.T) {
	iss := newIssuer(t)
	a := newAPI(t, gateway.Config{
		Authorizers: map[string]gateway.JWTAuthorizer{"jwt": authorizerFor(iss)},
		Routes:      []gateway.Route{{Key: "GET /me", Authorizer: "jwt"}},
	})
	issued := time.Now().Truncate(time.Second)
	token := mint(t, iss, devauth.Token{
		Subject:  "user-7",
		IssuedAt: issued,
		Scopes:   []string{"todos/read"},
		Claims: map[string]any{
			"cognito:groups": []string{"admin", "users"},
			"count":          42,
			"ratio":          1.5,
			"email_verified": true,
			"address":        map[string]string{"city": "Paris"},
		},
	})
	ev, raw := a.echo(t, a.request(t, "GET", "/me", "", "Authorization", "Bearer "+token))
	claims := authorizerOf(ev).Claims
	want := map[string]string{
		"sub":            "user-7",
		"iss":            iss.URL,
		"client_id":      iss.Audience,
		"token_use":      "access",
		"scope":          "todos/read",
		"iat":            itoa(int(issued.Unix())),
		"exp":            itoa(int(issued.Add(devauth.DefaultTTL).Unix())),
		"cognito:groups": "[admin users]",
		"count":          "42",
		"ratio":          "1.5",
		"email_verified": "true",
		"address":        `{"city":"Paris"}`,
	}
	for k, v := range want {
		if claims[k] != v {
			t.Errorf("claims[%q] = %q, want %q", k, claims[k], v)
		}
	}
	// The route has no scopes: scopes is null, as HTTP APIs send it.
	jwtRaw := raw["requestContext"].(map[string]any)["authorizer"].(map[string]any)["jwt"].(map[string]any)
	if scopes, ok := jwtRaw["scopes"]; !ok || scopes != nil {
		t.Errorf("scopes = %v (present %v), want null", scopes, ok)
	}
}

// --- helpers ---

func newIssuer(t *testing.T) *devauth.Issuer {
	t.Helper()
	iss, err := devauth.Open(t.TempDir(), devauth.Options{URL: "https://issuer.test", Audience: "todo-app"})
	if err != nil {
		t.Fatal(err)
	}
	return iss
}

// authorizerFor is the gateway's authorizer for the local issuer, as the
// loader configures it.
func authorizerFor(iss *devauth.Issuer) gateway.JWTAuthorizer {
	return gateway.JWTAuthorizer{
		IdentitySource: "$request.header.Authorization",
		Issuer:         iss.URL,
		Audience:       []string{iss.Audience},
		Keys:           iss.PublicKeys(),
	}
}

func mint(t *testing.T, iss *devauth.Issuer, tok devauth.Token) string {
	t.Helper()
	s, err := iss.Mint(tok)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// sign makes a token that devauth would not.
func sign(t *testing.T, kid string, key any, method jwt.SigningMethod, claims jwt.MapClaims) string {
	t.Helper()
	token := jwt.NewWithClaims(method, claims)
	token.Header["kid"] = kid
	s, err := token.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// rsaKeyOf reads devauth's signing key from its state folder.
func rsaKeyOf(t *testing.T, dir string) *rsa.PrivateKey {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, devauth.KeyFile))
	if err != nil {
		t.Fatal(err)
	}
	key, err := jwt.ParseRSAPrivateKeyFromPEM(data)
	if err != nil {
		t.Fatal(err)
	}
	return key
}

func merge(a, b jwt.MapClaims) jwt.MapClaims {
	for k, v := range b {
		a[k] = v
	}
	return a
}

// testKeys is a key set with one RSA key.
func testKeys(t *testing.T) map[string]crypto.PublicKey {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return map[string]crypto.PublicKey{"k": &key.PublicKey}
}
