package devauth_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
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

// The stand-in answers in the JSON 1.1 protocol as Cognito does: a 200
// with {} for a deletion, and for an error a 400 whose body has the
// exception's __type and a message.
func TestTheUserPoolStandInAnswersAsCognito(t *testing.T) {
	iss, err := devauth.Open(filepath.Join(t.TempDir(), ".local"), devauth.Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(iss.CognitoHandler())
	defer srv.Close()
	tests := []struct {
		name, target, body string
		status             int
		errType            string
	}{
		{"a deletion", "AdminDeleteUser", `{"UserPoolId":"` + devauth.PoolID + `","Username":"carol"}`, http.StatusOK, ""},
		{"the same user again", "AdminDeleteUser", `{"UserPoolId":"` + devauth.PoolID + `","Username":"carol"}`, http.StatusBadRequest, "UserNotFoundException"},
		{"another pool", "AdminDeleteUser", `{"UserPoolId":"us-east-1_other","Username":"dave"}`, http.StatusBadRequest, "ResourceNotFoundException"},
		{"another action", "AdminGetUser", `{"UserPoolId":"` + devauth.PoolID + `","Username":"dave"}`, http.StatusBadRequest, "UnknownOperationException"},
		{"no target", "", `{}`, http.StatusBadRequest, "UnknownOperationException"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL, strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/x-amz-json-1.1")
			if tt.target != "" {
				req.Header.Set("X-Amz-Target", devauth.CognitoTarget+tt.target)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var body map[string]string
			if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tt.status || resp.Header.Get("Content-Type") != "application/x-amz-json-1.1" {
				t.Errorf("%d %s, want %d application/x-amz-json-1.1", resp.StatusCode, resp.Header.Get("Content-Type"), tt.status)
			}
			if tt.errType == "" {
				if len(body) != 0 {
					t.Errorf("body %v, want {}", body)
				}
				return
			}
			if body["__type"] != tt.errType || body["message"] == "" {
				t.Errorf("body %v, want __type %s and a message", body, tt.errType)
			}
		})
	}
	if _, err := iss.Mint(devauth.Token{Subject: "dave"}); err != nil {
		t.Errorf("a refused request deleted dave: %v", err)
	}
}

func TestMintSaysWhyItRefusesADeletedUser(t *testing.T) {
	iss, err := devauth.Open(filepath.Join(t.TempDir(), ".local"), devauth.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := iss.DeleteUser("erin"); err != nil {
		t.Fatal(err)
	}
	_, err = iss.Mint(devauth.Token{Subject: "erin", ID: true})
	if want := "user erin was deleted; the user pool issues no tokens for a deleted user"; !errors.Is(err, devauth.ErrUserDeleted) || !strings.Contains(err.Error(), want) {
		t.Errorf("Mint of an ID token for a deleted user: %v, want ErrUserDeleted saying %q", err, want)
	}
	if err := iss.DeleteUser("erin"); !errors.Is(err, devauth.ErrUserNotFound) {
		t.Errorf("DeleteUser again: %v, want ErrUserNotFound", err)
	}
	for _, name := range []string{"", "a\nb"} {
		if err := iss.DeleteUser(name); err == nil || errors.Is(err, devauth.ErrUserNotFound) {
			t.Errorf("DeleteUser(%q) = %v, want a refusal of the name", name, err)
		}
	}
}

// Deletions from many goroutines at once each land once: one of those of
// the same user succeeds, the others find the user gone, and the file
// lists every user.
func TestDeleteUserIsSafeForConcurrentUse(t *testing.T) {
	dir := filepath.Join(t.TempDir(), ".local")
	iss, err := devauth.Open(dir, devauth.Options{})
	if err != nil {
		t.Fatal(err)
	}
	const n = 20
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() { errs[i] = iss.DeleteUser("same") })
		wg.Go(func() {
			if err := iss.DeleteUser("user-" + strconv.Itoa(i)); err != nil {
				t.Errorf("DeleteUser(user-%d): %v", i, err)
			}
		})
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case !errors.Is(err, devauth.ErrUserNotFound):
			t.Errorf("DeleteUser(same): %v", err)
		}
	}
	if ok != 1 {
		t.Errorf("%d deletions of the same user succeeded, want 1", ok)
	}
	data, err := os.ReadFile(filepath.Join(dir, devauth.DeletedUsersFile))
	if err != nil {
		t.Fatal(err)
	}
	if lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n"); len(lines) != n+1 {
		t.Errorf("the file lists %d users, want %d:\n%s", len(lines), n+1, data)
	}
}

// A line another process is still writing, without its newline yet, is
// no deletion; a whole one is, for an issuer opened before it was written.
func TestDeletedReadsOnlyWholeLines(t *testing.T) {
	dir := filepath.Join(t.TempDir(), ".local")
	iss, err := devauth.Open(dir, devauth.Options{})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, devauth.DeletedUsersFile)
	if err := os.WriteFile(path, []byte("frank\ngra"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		user string
		want bool
	}{{"frank", true}, {"gra", false}, {"grace", false}, {"", false}} {
		if got, err := iss.Deleted(tt.user); err != nil || got != tt.want {
			t.Errorf("Deleted(%q) = %v, %v; want %v", tt.user, got, err, tt.want)
		}
	}
}
