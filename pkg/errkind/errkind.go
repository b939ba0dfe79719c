// Package errkind names the kinds of failure the API tells its clients
// apart: each is a sentinel error that the packages doing the work wrap
// (errors.Is finds it) and that package response maps to an HTTP status,
// in one place. It depends on nothing, so a function links the kinds
// without the code that produces them.
package errkind

import "errors"

var (
	// NotFound: the item does not exist (in the caller's partition).
	NotFound = errors.New("not found")
	// VersionMismatch: the item exists but not at the version the request
	// required (If-Match).
	VersionMismatch = errors.New("version mismatch")
	// Conflict: a concurrent write to the same data won; retrying may
	// succeed.
	Conflict = errors.New("conflicting concurrent write")
	// InvalidCursor: a list cursor was not made by this API for the caller.
	InvalidCursor = errors.New("invalid cursor")
	// IdempotencyKeyReused: the Idempotency-Key was used before with
	// another request.
	IdempotencyKeyReused = errors.New("idempotency key reused with a different request")
	// IdempotencyInFlight: a request with the Idempotency-Key is still
	// being served.
	IdempotencyInFlight = errors.New("idempotency key in flight")
	// Unavailable: a dependency throttled the request, failed, or could not
	// be reached in time. Retrying later may succeed.
	Unavailable = errors.New("dependency unavailable")
	// OutcomeUnknown: a write got no answer, so it may or may not have been
	// made. Errors of this kind are of kind Unavailable too.
	OutcomeUnknown = errors.New("the write may or may not have been made")
)
