// Package devauth is the local stand-in for the API's identity provider. It
// keeps an RSA signing key in the project's state folder and mints JSON Web
// Tokens for any subject; the local gateway's JWT authorizer accepts them
// when configured with the Issuer's URL, audience and public keys.
//
// It stands in for the user pool too, for the one action the functions
// call: AdminDeleteUser (CognitoHandler). A deleted user is listed in the
// state folder, and gets no token from then on, from this process or make
// token's, as Cognito issues none for a deleted user and never reuses a
// sub; tokens minted before stay valid until they expire, as at API
// Gateway, whose authorizer checks only signature and expiry.
//
// RS256, because API Gateway's JWT authorizers verify RSA signatures only:
// a token that works here has the shape of one that works there.
package devauth

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

const (
	// DefaultURL is the issuer (iss) of local tokens: a name under
	// .localhost, which never resolves outside this machine.
	DefaultURL = "https://devauth.localhost"
	// DefaultAudience is the app client ID of local tokens: the client_id
	// of access tokens, the aud of ID tokens.
	DefaultAudience = "local-dev"
	// KeyFile is the name of the signing key in the state folder.
	KeyFile = "devauth-signing-key.pem"
	// DefaultTTL is how long a token is valid unless Token says otherwise:
	// template.yaml's AccessTokenValidity default, which a test keeps in
	// step.
	DefaultTTL = 15 * time.Minute
)

// Options configures Open; the zero value gives DefaultURL and
// DefaultAudience.
type Options struct {
	URL      string
	Audience string
}

// Issuer mints tokens, and keeps the users deleted from the local user
// pool (DeleteUser, CognitoHandler), for whom it mints none. It is safe
// for concurrent use.
type Issuer struct {
	// URL is the tokens' iss claim.
	URL string
	// Audience is the app client the tokens are for: the client_id claim
	// of access tokens, the aud claim of ID tokens, and what the gateway's
	// authorizer takes as its audience.
	Audience string

	keyID string
	key   *rsa.PrivateKey
	// dir is the state folder, which keeps the deleted users.
	dir string
	// mu orders this process's writes of the deleted users.
	mu sync.Mutex
}

// Open returns the issuer whose signing key is in dir, the project's state
// folder (.local). On first use it creates dir, readable by its owner
// only, and a new key, in a file readable by its owner only; after that it
// reuses the key, so that tokens outlive a restart of make dev. It refuses
// a key file that others can read.
func Open(dir string, opts Options) (*Issuer, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("devauth: %w", err)
	}
	path := filepath.Join(dir, KeyFile)
	key, err := readKey(path)
	if errors.Is(err, fs.ErrNotExist) {
		key, err = createKey(path)
	}
	if err != nil {
		return nil, err
	}
	iss := &Issuer{URL: opts.URL, Audience: opts.Audience, key: key, keyID: thumbprint(&key.PublicKey), dir: dir}
	// The deleted users are read again at every Mint; reading them here
	// too fails a state folder whose list cannot be read at once, rather
	// than at the first token.
	if _, err := iss.Deleted(""); err != nil {
		return nil, err
	}
	if iss.URL == "" {
		iss.URL = DefaultURL
	}
	if iss.Audience == "" {
		iss.Audience = DefaultAudience
	}
	return iss, nil
}

func readKey(path string) (*rsa.PrivateKey, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if perm := info.Mode().Perm(); perm&0o077 != 0 {
		return nil, fmt.Errorf("devauth: %s can be read by others (mode %#o): chmod 600 it", path, perm)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("devauth: %w", err)
	}
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "PRIVATE KEY" {
		return nil, fmt.Errorf("devauth: %s holds no PEM private key", path)
	}
	parsed, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("devauth: %s: %w", path, err)
	}
	key, ok := parsed.(*rsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("devauth: %s holds a %T, not an RSA key", path, parsed)
	}
	return key, nil
}

// createKey writes a new key to path, unless another process has just
// done so, in which case it reads theirs: the key is written to a
// temporary file that is then linked to path, which fails if path exists.
func createKey(path string) (*rsa.PrivateKey, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, fmt.Errorf("devauth: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("devauth: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".devauth-key-*") // mode 0600
	if err != nil {
		return nil, fmt.Errorf("devauth: %w", err)
	}
	defer os.Remove(tmp.Name())
	err = pem.Encode(tmp, &pem.Block{Type: "PRIVATE KEY", Bytes: der})
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("devauth: %w", err)
	}
	if err := os.Link(tmp.Name(), path); errors.Is(err, fs.ErrExist) {
		return readKey(path)
	} else if err != nil {
		return nil, fmt.Errorf("devauth: %w", err)
	}
	return key, nil
}

// DefaultScope is the scope of the access tokens Cognito issues to
// password and SRP sign-ins, the one the API's routes require by default
// (template.yaml's JwtScope).
const DefaultScope = "aws.cognito.signin.user.admin"

// Token describes a token to mint.
type Token struct {
	// Subject is the sub claim, the caller's identity.
	Subject string
	// ID mints an ID token rather than an access token: aud rather than
	// client_id, token_use id, and no scope. The API refuses them; tests
	// mint them to show it.
	ID bool
	// Scopes become an access token's scope claim, space-separated; nil
	// means DefaultScope, an empty non-nil list no scope claim.
	Scopes []string
	// IssuedAt is the iat and auth_time claims; zero means now.
	IssuedAt time.Time
	// TTL is the time from IssuedAt to the exp claim; 0 means DefaultTTL.
	TTL time.Duration
	// Claims are added to the token, and win over the others.
	Claims map[string]any
}

// Mint returns a signed token with the claims a Cognito user pool puts in
// its tokens, for any subject but a deleted user's (ErrUserDeleted). An access token has iss, sub, client_id (the Audience; it
// has no aud), token_use access, scope, auth_time, iat, exp, jti,
// origin_jti, event_id, username and version; an ID token has aud rather
// than client_id, token_use id and cognito:username, and no scope.
func (i *Issuer) Mint(t Token) (string, error) {
	if t.Subject == "" {
		return "", errors.New("devauth: a token needs a subject")
	}
	// Locally a user's name in the pool is their sub.
	deleted, err := i.Deleted(t.Subject)
	if err != nil {
		return "", err
	}
	if deleted {
		return "", fmt.Errorf("devauth: user %s was deleted; %w", t.Subject, ErrUserDeleted)
	}
	issued := t.IssuedAt
	if issued.IsZero() {
		issued = time.Now()
	}
	ttl := t.TTL
	if ttl == 0 {
		ttl = DefaultTTL
	}
	claims := jwt.MapClaims{
		"iss":        i.URL,
		"sub":        t.Subject,
		"auth_time":  issued.Unix(),
		"iat":        issued.Unix(),
		"exp":        issued.Add(ttl).Unix(),
		"jti":        randomID(),
		"origin_jti": randomID(),
		"event_id":   randomID(),
	}
	if t.ID {
		claims["aud"] = i.Audience
		claims["token_use"] = "id"
		claims["cognito:username"] = t.Subject
	} else {
		claims["client_id"] = i.Audience
		claims["token_use"] = "access"
		claims["username"] = t.Subject
		claims["version"] = 2
		scopes := t.Scopes
		if scopes == nil {
			scopes = []string{DefaultScope}
		}
		if len(scopes) > 0 {
			claims["scope"] = strings.Join(scopes, " ")
		}
	}
	for name, v := range t.Claims {
		claims[name] = v
	}
	token := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
	token.Header["kid"] = i.keyID
	signed, err := token.SignedString(i.key)
	if err != nil {
		return "", fmt.Errorf("devauth: %w", err)
	}
	return signed, nil
}

// KeyID is the kid of the tokens, the RFC 7638 thumbprint of the key.
func (i *Issuer) KeyID() string { return i.keyID }

// PublicKeys returns the verification keys by key ID, as
// gateway.JWTAuthorizer takes them.
func (i *Issuer) PublicKeys() map[string]crypto.PublicKey {
	return map[string]crypto.PublicKey{i.keyID: &i.key.PublicKey}
}

// JWKS returns the issuer's JSON Web Key Set (RFC 7517), the document an
// identity provider publishes at its jwks_uri.
func (i *Issuer) JWKS() ([]byte, error) {
	pub := &i.key.PublicKey
	return json.Marshal(map[string]any{"keys": []map[string]string{{
		"kty": "RSA",
		"use": "sig",
		"alg": "RS256",
		"kid": i.keyID,
		"n":   b64(pub.N.Bytes()),
		"e":   b64(big.NewInt(int64(pub.E)).Bytes()),
	}}})
}

// thumbprint is the RFC 7638 JWK thumbprint of key.
func thumbprint(key *rsa.PublicKey) string {
	// The members in lexical order, without spaces, as RFC 7638 says.
	canonical := `{"e":"` + b64(big.NewInt(int64(key.E)).Bytes()) + `","kty":"RSA","n":"` + b64(key.N.Bytes()) + `"}`
	sum := sha256.Sum256([]byte(canonical))
	return b64(sum[:])
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func randomID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return b64(b[:])
}
