package lambda

import (
	"cmp"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"
)

// The Runtime API, version 2018-06-01, as
// https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html describes
// it, with the status codes and error documents of Lambda's runtime
// interface emulator. The Extensions API part is the least that lets a
// runtime register an extension to get SIGTERM on shutdown, as aws-lambda-go
// does with lambda.WithEnableSIGTERM.
func (e *env) runtimeAPI() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /2018-06-01/runtime/invocation/next", e.nextInvocation)
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/response", e.invocationResponse)
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/error", e.invocationError)
	mux.HandleFunc("POST /2018-06-01/runtime/init/error", e.initError)
	mux.HandleFunc("POST /2020-01-01/extension/register", e.registerExtension)
	mux.HandleFunc("GET /2020-01-01/extension/event/next", e.nextExtensionEvent)
	return mux
}

// errorDocument is the Runtime API's error body, and the runtime's.
type errorDocument struct {
	ErrorMessage string   `json:"errorMessage"`
	ErrorType    string   `json:"errorType"`
	StackTrace   []string `json:"stackTrace,omitempty"`
}

const (
	headerRequestID   = "Lambda-Runtime-Aws-Request-Id"
	headerDeadline    = "Lambda-Runtime-Deadline-Ms"
	headerFunctionARN = "Lambda-Runtime-Invoked-Function-Arn"
	headerTraceID     = "Lambda-Runtime-Trace-Id"
	headerErrorType   = "Lambda-Runtime-Function-Error-Type"
	// aws-lambda-go sends these trailers when reading a streamed response
	// fails part way.
	trailerErrorType = "Lambda-Runtime-Function-Error-Type"
	trailerErrorBody = "Lambda-Runtime-Function-Error-Body"

	headerExtensionName = "Lambda-Extension-Name"
	headerExtensionID   = "Lambda-Extension-Identifier"
)

// nextInvocation blocks until there is an event for this environment. The
// first call ends the init phase.
func (e *env) nextInvocation(w http.ResponseWriter, r *http.Request) {
	e.markReady()
	select {
	case inv := <-e.events:
		e.mu.Lock()
		e.current = inv
		e.mu.Unlock()
		// Written before the event leaves, so that it comes before
		// anything the function logs.
		e.platformStart(inv)
		h := w.Header()
		h.Set("Content-Type", "application/json")
		h.Set(headerRequestID, inv.id)
		h.Set(headerDeadline, strconv.FormatInt(inv.deadline.UnixMilli(), 10))
		h.Set(headerFunctionARN, e.arn())
		h.Set(headerTraceID, inv.traceID)
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(inv.payload)
	case <-r.Context().Done():
	}
}

func (e *env) invocationResponse(w http.ResponseWriter, r *http.Request) {
	inv := e.take(r.PathValue("id"))
	if inv == nil {
		renderInvalidRequestID(w)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxPayloadBytes+1))
	switch {
	case err != nil:
		inv.result <- result{err: e.functionError(inv, "Runtime.TruncatedResponse", "HTTP request detected as truncated", nil)}
		renderJSON(w, http.StatusBadRequest, errorDocument{ErrorMessage: "HTTP request detected as truncated", ErrorType: "TruncatedHTTPRequest"})
	case len(body) > MaxPayloadBytes:
		msg := fmt.Sprintf("Response payload size exceeded maximum allowed payload size (%d bytes).", MaxPayloadBytes)
		inv.result <- result{err: e.functionError(inv, "Function.ResponseSizeTooLarge", msg, nil)}
		renderJSON(w, http.StatusRequestEntityTooLarge, errorDocument{
			ErrorMessage: fmt.Sprintf("Exceeded maximum allowed payload size (%d bytes).", MaxPayloadBytes),
			ErrorType:    "RequestEntityTooLarge",
		})
	case r.Trailer.Get(trailerErrorType) != "":
		doc, _ := base64.StdEncoding.DecodeString(r.Trailer.Get(trailerErrorBody))
		inv.result <- result{err: e.errorFromDocument(inv, doc, r.Trailer.Get(trailerErrorType))}
		renderAccepted(w)
	default:
		inv.result <- result{payload: body}
		renderAccepted(w)
	}
}

func (e *env) invocationError(w http.ResponseWriter, r *http.Request) {
	inv := e.take(r.PathValue("id"))
	if inv == nil {
		renderInvalidRequestID(w)
		return
	}
	doc, _ := io.ReadAll(io.LimitReader(r.Body, MaxPayloadBytes))
	inv.result <- result{err: e.errorFromDocument(inv, doc, r.Header.Get(headerErrorType))}
	renderAccepted(w)
}

// initError takes the runtime's report that its init failed. It is only
// allowed during the init phase, and once.
func (e *env) initError(w http.ResponseWriter, r *http.Request) {
	e.mu.Lock()
	allowed := !e.initErrorSet
	select {
	case <-e.ready:
		allowed = false
	default:
	}
	e.mu.Unlock()
	if !allowed {
		renderJSON(w, http.StatusForbidden, errorDocument{
			ErrorType:    "InvalidStateTransition",
			ErrorMessage: fmt.Sprintf("State transition from %s to InitError failed for runtime. Error: State transition is not allowed", e.state()),
		})
		return
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, MaxPayloadBytes))
	var doc errorDocument
	_ = json.Unmarshal(body, &doc)
	e.mu.Lock()
	e.initErrorSet = true
	e.mu.Unlock()
	e.initFailed <- &InitError{
		Function: e.fn.Name,
		Type:     cmp.Or(doc.ErrorType, r.Header.Get(headerErrorType), "Runtime.Unknown"),
		Message:  doc.ErrorMessage,
		Payload:  body,
	}
	renderAccepted(w)
}

// errorFromDocument reads a runtime's error document; an error type in the
// document wins over the header's.
func (e *env) errorFromDocument(inv *invocation, doc []byte, headerType string) *FunctionError {
	var d errorDocument
	_ = json.Unmarshal(doc, &d)
	return e.functionError(inv, cmp.Or(d.ErrorType, headerType, "Unhandled"), d.ErrorMessage, doc)
}

func (e *env) functionError(inv *invocation, typ, msg string, doc []byte) *FunctionError {
	if doc == nil {
		doc, _ = json.Marshal(errorDocument{ErrorType: typ, ErrorMessage: msg})
	}
	return &FunctionError{Function: e.fn.Name, RequestID: inv.id, Type: typ, Message: msg, Payload: doc}
}

// registerExtension registers an extension, during the init phase only.
func (e *env) registerExtension(w http.ResponseWriter, r *http.Request) {
	name := r.Header.Get(headerExtensionName)
	if name == "" {
		renderJSON(w, http.StatusForbidden, errorDocument{ErrorType: "Extension.MissingHeader", ErrorMessage: "Missing Lambda-Extension-Name header"})
		return
	}
	select {
	case <-e.ready:
		renderJSON(w, http.StatusForbidden, errorDocument{ErrorType: "Extension.RegistrationClosed", ErrorMessage: "Extension registration closed already"})
		return
	default:
	}
	var body struct {
		Events []string `json:"events"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil && err != io.EOF {
		renderJSON(w, http.StatusForbidden, errorDocument{ErrorType: "InvalidRequestFormat", ErrorMessage: err.Error()})
		return
	}
	id := newUUID()
	e.mu.Lock()
	e.extensions[id] = body.Events
	e.mu.Unlock()
	w.Header().Set(headerExtensionID, id)
	renderJSON(w, http.StatusOK, map[string]string{
		"functionName":    e.fn.Name,
		"functionVersion": "$LATEST",
		"handler":         "bootstrap",
	})
}

// nextExtensionEvent blocks until the environment shuts down, then sends
// SHUTDOWN to an extension that registered for it. INVOKE events are not
// sent.
func (e *env) nextExtensionEvent(w http.ResponseWriter, r *http.Request) {
	id := r.Header.Get(headerExtensionID)
	if id == "" {
		renderJSON(w, http.StatusForbidden, errorDocument{ErrorType: "Extension.MissingExtensionIdentifier", ErrorMessage: "Missing Lambda-Extension-Identifier header"})
		return
	}
	e.mu.Lock()
	events, ok := e.extensions[id]
	e.mu.Unlock()
	if !ok {
		renderJSON(w, http.StatusForbidden, errorDocument{ErrorType: "Extension.UnknownExtensionIdentifier", ErrorMessage: "Unknown extension " + id})
		return
	}
	wantsShutdown := false
	for _, ev := range events {
		wantsShutdown = wantsShutdown || ev == "SHUTDOWN"
	}
	select {
	case <-e.stopping:
		if wantsShutdown {
			renderJSON(w, http.StatusOK, map[string]any{
				"eventType":      "SHUTDOWN",
				"shutdownReason": "spindown",
				"deadlineMs":     time.Now().Add(e.p.svc.shutdownTimeout).UnixMilli(),
			})
			return
		}
		<-r.Context().Done()
	case <-r.Context().Done():
	}
}

func renderAccepted(w http.ResponseWriter) {
	renderJSON(w, http.StatusAccepted, map[string]string{"status": "OK"})
}

func renderInvalidRequestID(w http.ResponseWriter) {
	renderJSON(w, http.StatusBadRequest, errorDocument{ErrorMessage: "Invalid request ID", ErrorType: "InvalidRequestID"})
}

func renderJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(body, '\n'))
}
