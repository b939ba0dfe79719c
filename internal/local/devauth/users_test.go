package devauth_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/golang-jwt/jwt/v5"

	"github.com/example/serverless-todo/internal/local/devauth"
)

// AdminDeleteUser, through the SDK's own client as the purge function
// calls it: the user gets no token from then on, from this issuer or
// another opened on the same state folder (make token), while a token
// minted before still verifies, as API Gateway's authorizer accepts it
// until it expires.
func TestAdminDeleteUserStopsTheIssuerMintingForTheUser(t *testing.T) {
	dir := filepath.Join(t.TempDir(), ".local")
	iss, err := devauth.Open(dir, devauth.Options{})
	if err != nil {
		t.Fatal(err)
	}
	before, err := iss.Mint(devauth.Token{Subject: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(iss.CognitoHandler())
	defer srv.Close()
	client := cip.New(cip.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL),
		Credentials: credentials.NewStaticCredentialsProvider("local", "local", "")})
	del := func(pool, user string) error {
		_, err := client.AdminDeleteUser(t.Context(), &cip.AdminDeleteUserInput{UserPoolId: aws.String(pool), Username: aws.String(user)})
		return err
	}
	if err := del(devauth.PoolID, "alice"); err != nil {
		t.Fatal(err)
	}
	if _, err := iss.Mint(devauth.Token{Subject: "alice"}); !errors.Is(err, devauth.ErrUserDeleted) {
		t.Errorf("Mint for the deleted user: %v, want ErrUserDeleted", err)
	}
	other, err := devauth.Open(dir, devauth.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.Mint(devauth.Token{Subject: "alice"}); !errors.Is(err, devauth.ErrUserDeleted) {
		t.Errorf("Mint for the deleted user from the same state folder: %v, want ErrUserDeleted", err)
	}
	if _, err := iss.Mint(devauth.Token{Subject: "bob"}); err != nil {
		t.Errorf("Mint for another user: %v", err)
	}
	keys := iss.PublicKeys()
	if _, err := jwt.Parse(before, func(tok *jwt.Token) (any, error) { return keys[tok.Header["kid"].(string)], nil }); err != nil {
		t.Errorf("a token minted before the deletion no longer verifies: %v", err)
	}

	var notFound *types.UserNotFoundException
	if err := del(devauth.PoolID, "alice"); !errors.As(err, &notFound) {
		t.Errorf("deleting again: %v, want UserNotFoundException, as Cognito answers", err)
	}
	var noPool *types.ResourceNotFoundException
	if err := del("us-east-1_other", "bob"); !errors.As(err, &noPool) {
		t.Errorf("another pool: %v, want ResourceNotFoundException", err)
	}
	if _, err := other.Mint(devauth.Token{Subject: "bob"}); err != nil {
		t.Errorf("a refused deletion deleted bob: %v", err)
	}
}

func TestTheUserPoolStandInServesNoOtherAction(t *testing.T) {
	iss, err := devauth.Open(filepath.Join(t.TempDir(), ".local"), devauth.Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(iss.CognitoHandler())
	defer srv.Close()
	req, _ := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader(`{"UserPoolId":"`+devauth.PoolID+`","Username":"alice"}`))
	req.Header.Set("X-Amz-Target", devauth.CognitoTarget+"AdminDisableUser")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("X-Amzn-Errortype") != "UnknownOperationException" {
		t.Errorf("another action: %d %s", resp.StatusCode, resp.Header.Get("X-Amzn-Errortype"))
	}
	if _, err := iss.Mint(devauth.Token{Subject: "alice"}); err != nil {
		t.Errorf("an unknown action deleted the user: %v", err)
	}
}
