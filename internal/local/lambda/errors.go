package lambda

import (
	"errors"
	"fmt"
	"time"
)

var (
	// ErrFunctionNotFound is returned for a function the Service does not
	// have, as Lambda's ResourceNotFoundException.
	ErrFunctionNotFound = errors.New("lambda: function not found")
	// ErrPayloadTooLarge is returned for an event over MaxPayloadBytes, as
	// Lambda's RequestTooLargeException.
	ErrPayloadTooLarge = errors.New("lambda: request payload too large")
	// ErrClosed is returned by invocations after Close.
	ErrClosed = errors.New("lambda: service closed")
)

// FunctionError is an error the function reported through the Runtime
// API's invocation error endpoint (a handler that returned an error, or a
// recovered panic), or a response Lambda refused. The environment stays
// warm unless its process exits.
type FunctionError struct {
	Function  string
	RequestID string
	// Type and Message come from the error document's errorType and
	// errorMessage, or the Lambda-Runtime-Function-Error-Type header.
	Type    string
	Message string
	// Payload is the error document as the runtime sent it.
	Payload []byte
}

func (e *FunctionError) Error() string {
	return fmt.Sprintf("lambda: %s returned an error: %s: %s", e.Function, e.Type, e.Message)
}

// CrashError reports a function process that exited during an invocation,
// Lambda's Runtime.ExitError. Its environment is gone; the next invocation
// starts a new one.
type CrashError struct {
	Function  string
	RequestID string
	// ExitStatus is what the process's wait returned, such as "exit status
	// 3" or "signal: killed".
	ExitStatus string
}

func (e *CrashError) Error() string {
	return fmt.Sprintf("lambda: %s: RequestId: %s Error: Runtime exited with error: %s", e.Function, e.RequestID, e.ExitStatus)
}

// TimeoutError reports an invocation that ran past the function's timeout.
// Its environment was killed; the next invocation starts a new one.
type TimeoutError struct {
	Function  string
	RequestID string
	Timeout   time.Duration
}

func (e *TimeoutError) Error() string {
	return fmt.Sprintf("lambda: %s: RequestId: %s Task timed out after %.2f seconds", e.Function, e.RequestID, e.Timeout.Seconds())
}

// InitError reports an environment that failed to start: its runtime
// posted to the init error endpoint, its process exited before asking for
// an event, or it took longer than the init timeout.
type InitError struct {
	Function string
	// Type is the error type: the runtime's own, Runtime.ExitError, or
	// Sandbox.Timedout.
	Type    string
	Message string
	// Payload is the error document the runtime posted, if it posted one.
	Payload []byte
}

func (e *InitError) Error() string {
	return fmt.Sprintf("lambda: %s failed to initialize: %s: %s", e.Function, e.Type, e.Message)
}
