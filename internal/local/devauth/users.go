package devauth

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
)

// DeletedUsersFile is the file of the state folder that lists the deleted
// users, one a line: the issuer reads it at every Mint, so that make token,
// another process, sees a deletion the stack's Cognito stand-in wrote.
const DeletedUsersFile = "devauth-deleted-users"

// ErrUserDeleted is what Mint's error for a deleted user wraps: Cognito
// issues no token for a deleted user, and never reuses a sub, so neither
// does the issuer.
var ErrUserDeleted = errors.New("the user pool issues no tokens for a deleted user")

// Deleted reports whether the user was deleted, by this process or
// another on the same state folder. Locally a user's name in the pool is
// their sub, as Mint's username claim says.
func (i *Issuer) Deleted(username string) (bool, error) {
	data, err := os.ReadFile(filepath.Join(i.dir, DeletedUsersFile))
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("devauth: %w", err)
	}
	// Whole lines only: a line without its newline is a deletion still
	// being written, by one write that has not finished.
	for {
		line, rest, complete := strings.Cut(string(data), "\n")
		if !complete {
			return false, nil
		}
		if line == username && username != "" {
			return true, nil
		}
		data = []byte(rest)
	}
}

// DeleteUser deletes the user: Mint refuses them from then on, in this
// process and any other on the same state folder, such as make token.
// Tokens minted before stay valid until they expire, as Cognito's do at
// API Gateway's authorizer, which checks only their signature and expiry.
// A user already deleted is ErrUserNotFound, as Cognito answers.
func (i *Issuer) DeleteUser(username string) error {
	if username == "" || strings.ContainsAny(username, "\r\n") {
		return fmt.Errorf("devauth: no user %q", username)
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	deleted, err := i.Deleted(username)
	if err != nil {
		return err
	}
	if deleted {
		return ErrUserNotFound
	}
	f, err := os.OpenFile(filepath.Join(i.dir, DeletedUsersFile), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("devauth: %w", err)
	}
	// One write of the whole line, appended: what another process reads
	// is a list of whole lines and at most the start of this one.
	if _, err := io.WriteString(f, username+"\n"); err != nil {
		f.Close()
		return fmt.Errorf("devauth: %w", err)
	}
	return f.Close()
}

// ErrUserNotFound is DeleteUser's error for a user already deleted.
var ErrUserNotFound = errors.New("devauth: user not found")

// PoolID is the local user pool's ID, what template.yaml's Ref UserPool
// resolves to locally.
const PoolID = "us-east-1_local"

// CognitoTarget prefixes the X-Amz-Target of Cognito user pool actions.
const CognitoTarget = "AWSCognitoIdentityProviderService."

// CognitoHandler serves, in the Cognito Identity Provider's JSON 1.1
// protocol, the one user pool action the functions call: AdminDeleteUser,
// for the pool PoolID. Every other action is an UnknownOperationException,
// as Cognito answers an action it does not have: nothing else of Cognito
// is emulated.
func (i *Issuer) CognitoHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fail := func(status int, kind, msg string) {
			w.Header().Set("Content-Type", "application/x-amz-json-1.1")
			w.Header().Set("X-Amzn-Errortype", kind)
			w.WriteHeader(status)
			_ = json.NewEncoder(w).Encode(map[string]string{"__type": kind, "message": msg})
		}
		if r.Method != http.MethodPost || r.Header.Get("X-Amz-Target") != CognitoTarget+"AdminDeleteUser" {
			fail(http.StatusBadRequest, "UnknownOperationException", "The local user pool serves AdminDeleteUser only.")
			return
		}
		var in struct{ UserPoolId, Username string }
		if err := json.NewDecoder(io.LimitReader(r.Body, 64<<10)).Decode(&in); err != nil {
			fail(http.StatusBadRequest, "SerializationException", "The body is not a JSON object.")
			return
		}
		if in.UserPoolId != PoolID {
			fail(http.StatusBadRequest, "ResourceNotFoundException", "User pool "+in.UserPoolId+" does not exist.")
			return
		}
		switch err := i.DeleteUser(in.Username); {
		case errors.Is(err, ErrUserNotFound):
			fail(http.StatusBadRequest, "UserNotFoundException", "User does not exist.")
		case err != nil:
			fail(http.StatusBadRequest, "InvalidParameterException", err.Error())
		default:
			w.Header().Set("Content-Type", "application/x-amz-json-1.1")
			_, _ = io.WriteString(w, "{}")
		}
	})
}
