package gateway

import (
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// authorizer is a JWTAuthorizer ready to check requests, as
// https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-jwt-authorizer.html
// describes: the token's RSA signature by a key of the issuer's, matched
// by kid; iss; aud or client_id; exp, nbf and iat against the clock; and
// the route's scopes, from scope or scp.
type authorizer struct {
	header   string
	issuer   string
	audience []string
	keys     map[string]*rsa.PublicKey
}

func newAuthorizer(a JWTAuthorizer) (*authorizer, error) {
	source := a.IdentitySource
	if source == "" {
		source = "$request.header.Authorization"
	}
	header, ok := strings.CutPrefix(source, "$request.header.")
	if !ok || header == "" {
		return nil, fmt.Errorf("identity source %q is not $request.header.<name>", source)
	}
	if a.Issuer == "" || len(a.Audience) == 0 {
		return nil, errors.New("a JWT authorizer needs an issuer and an audience")
	}
	az := &authorizer{header: header, issuer: a.Issuer, audience: a.Audience, keys: make(map[string]*rsa.PublicKey)}
	for kid, key := range a.Keys {
		rsaKey, ok := key.(*rsa.PublicKey)
		if !ok {
			return nil, fmt.Errorf("key %q is a %T: HTTP APIs verify RSA signatures only", kid, key)
		}
		az.keys[kid] = rsaKey
	}
	if len(az.keys) == 0 {
		return nil, errors.New("a JWT authorizer needs the issuer's keys")
	}
	return az, nil
}

// authError is a refused request: 401, or 403 for a token without the
// route's scopes.
type authError struct {
	status       int
	responseType string
	description  string // why, for the www-authenticate header and $context.authorizer.error
	challenge    string // the www-authenticate header
}

func unauthorized(description string) *authError {
	return &authError{
		status:       http.StatusUnauthorized,
		responseType: "UNAUTHORIZED",
		description:  description,
		challenge:    `Bearer scope="" error="invalid_token" error_description="` + description + `"`,
	}
}

// authorize checks the request's token and returns the authorizer context
// of the event.
func (a *authorizer) authorize(r *http.Request, routeScopes []string, now time.Time) (*authorizerContext, *authError) {
	raw := strings.TrimSpace(r.Header.Get(a.header))
	if raw == "" {
		return nil, &authError{status: http.StatusUnauthorized, responseType: "UNAUTHORIZED", description: "no token", challenge: "Bearer"}
	}
	// The identity source may hold the token alone or after "Bearer ".
	if len(raw) > 7 && strings.EqualFold(raw[:7], "Bearer ") {
		raw = strings.TrimSpace(raw[7:])
	}
	parser := jwt.NewParser(
		jwt.WithValidMethods([]string{"RS256", "RS384", "RS512"}),
		jwt.WithIssuer(a.issuer),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithTimeFunc(func() time.Time { return now }),
		jwt.WithJSONNumber(),
	)
	claims := jwt.MapClaims{}
	_, err := parser.ParseWithClaims(raw, claims, func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		if key, ok := a.keys[kid]; ok {
			return key, nil
		}
		return nil, errUnknownKey
	})
	if err != nil {
		return nil, unauthorized(describe(err))
	}
	if !a.audienceMatches(claims) {
		return nil, unauthorized("the token does not have a valid audience")
	}
	tokenScopes := scopes(claims)
	ctx := &authorizerContext{JWT: jwtContext{Claims: renderClaims(claims)}}
	if len(routeScopes) > 0 {
		if !slices.ContainsFunc(routeScopes, func(s string) bool { return slices.Contains(tokenScopes, s) }) {
			return nil, &authError{
				status:       http.StatusForbidden,
				responseType: "ACCESS_DENIED",
				description:  "the token does not have any of the route's scopes",
				challenge:    `Bearer scope="` + strings.Join(routeScopes, " ") + `" error="insufficient_scope" error_description="the token does not have any of the route's scopes"`,
			}
		}
		ctx.JWT.Scopes = tokenScopes
	}
	return ctx, nil
}

var errUnknownKey = errors.New("no key of the issuer's has the token's kid")

// describe words a validation failure for the www-authenticate header.
func describe(err error) string {
	switch {
	case errors.Is(err, errUnknownKey):
		return "the token's kid does not match a key of the issuer's"
	case errors.Is(err, jwt.ErrTokenMalformed):
		return "the token is malformed"
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		return "the token's signature is invalid"
	case errors.Is(err, jwt.ErrTokenUnverifiable):
		return "the token's signing method is not accepted"
	case errors.Is(err, jwt.ErrTokenInvalidIssuer):
		return "the token does not have a valid issuer"
	case errors.Is(err, jwt.ErrTokenExpired):
		return "the token has expired"
	case errors.Is(err, jwt.ErrTokenNotValidYet):
		return "the token is not valid yet"
	case errors.Is(err, jwt.ErrTokenUsedBeforeIssued):
		return "the token was issued in the future"
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		return "the token has no expiration time"
	}
	return "the token is not valid"
}

// audienceMatches applies API Gateway's rule: one of aud's values must be
// an audience of the authorizer; only a token without aud, such as a
// Cognito access token, is judged by its client_id instead. A token for
// another app (its aud) does not pass on a client_id that names this one.
func (a *authorizer) audienceMatches(claims jwt.MapClaims) bool {
	var aud []string
	if _, ok := claims["aud"]; ok {
		aud, _ = claims.GetAudience()
	} else if clientID, ok := claims["client_id"].(string); ok {
		aud = []string{clientID}
	}
	return slices.ContainsFunc(aud, func(v string) bool { return slices.Contains(a.audience, v) })
}

// scopes returns the token's scopes: scope, space-separated, or scp, a
// list or a space-separated string.
func scopes(claims jwt.MapClaims) []string {
	switch v := claims["scope"].(type) {
	case string:
		return strings.Fields(v)
	}
	switch v := claims["scp"].(type) {
	case string:
		return strings.Fields(v)
	case []any:
		var out []string
		for _, s := range v {
			if s, ok := s.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// renderClaims turns claims into strings as HTTP APIs do: numbers as
// written, a list as its items between brackets, separated by spaces,
// "[a b]".
func renderClaims(claims jwt.MapClaims) map[string]string {
	out := make(map[string]string, len(claims))
	for name, v := range claims {
		out[name] = renderClaim(v)
	}
	return out
}

func renderClaim(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case json.Number:
		return v.String()
	case bool:
		if v {
			return "true"
		}
		return "false"
	case []any:
		items := make([]string, len(v))
		for i, item := range v {
			items[i] = renderClaim(item)
		}
		return "[" + strings.Join(items, " ") + "]"
	case nil:
		return ""
	}
	b, _ := json.Marshal(v)
	return string(b)
}
