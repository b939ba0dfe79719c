// Package errkind names the kinds of failure the API tells its clients
// apart: each is a sentinel error that the packages doing the work wrap
// (errors.Is finds it) and that package response maps to an HTTP status,
// in one place. It depends on nothing, so a function links the kinds
// without the code that produces them.
package errkind

import (
	"errors"
	"time"
)

var (
	// ErrNotFound: the item does not exist (in the caller's partition).
	ErrNotFound = errors.New("not found")
	// ErrVersionMismatch: the item exists but not at the version the request
	// required (If-Match).
	ErrVersionMismatch = errors.New("version mismatch")
	// ErrConflict: a concurrent write to the same data won; retrying may
	// succeed.
	ErrConflict = errors.New("conflicting concurrent write")
	// ErrInvalidCursor: a list cursor was not made by this API for the caller.
	ErrInvalidCursor = errors.New("invalid cursor")
	// ErrInvalidSyncToken: a sync token was not made by this API for the
	// caller.
	ErrInvalidSyncToken = errors.New("invalid sync token")
	// ErrSyncTokenExpired: a sync token is older than the tombstones that
	// record deletions: the client must synchronize from scratch.
	ErrSyncTokenExpired = errors.New("sync token expired")
	// ErrIdempotencyKeyReused: the Idempotency-Key was used before with
	// another request.
	ErrIdempotencyKeyReused = errors.New("idempotency key reused with a different request")
	// ErrIdempotencyInFlight: a request with the Idempotency-Key is still
	// being served.
	ErrIdempotencyInFlight = errors.New("idempotency key in flight")
	// ErrUnavailable: a dependency throttled the request, failed, or could not
	// be reached in time. Retrying later may succeed.
	ErrUnavailable = errors.New("dependency unavailable")
	// ErrOutcomeUnknown: a write got no answer, so it may or may not have been
	// made. Errors of this kind are of kind ErrUnavailable too.
	ErrOutcomeUnknown = errors.New("the write may or may not have been made")
	// ErrRateLimited: the caller sent more than a limit allows in a window
	// of time. Errors of this kind say when the window ends with
	// RetryAfter.
	ErrRateLimited = errors.New("rate limit reached")
	// ErrQuotaReached: the caller keeps as much as it may; it must delete
	// something before it stores more.
	ErrQuotaReached = errors.New("quota reached")
	// ErrAccountDeleted: the caller's account was deleted; a token issued
	// before the deletion still passes the gateway until it expires, but
	// writes nothing.
	ErrAccountDeleted = errors.New("account deleted")
	// ErrAttachmentNotFound: the todo has no such attachment, or none
	// that is ready yet, where only a ready one will do.
	ErrAttachmentNotFound = errors.New("attachment not found")
	// ErrUsernameTaken: another user holds the username, in any case.
	ErrUsernameTaken = errors.New("username taken")
)

// RetryAfter is an error that a retry after After may not meet again.
type RetryAfter struct {
	Err   error
	After time.Duration
}

func (e *RetryAfter) Error() string { return e.Err.Error() + " (retry after " + e.After.String() + ")" }

func (e *RetryAfter) Unwrap() error { return e.Err }
