package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"net/http"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/oklog/ulid/v2"

	"github.com/example/serverless-todo/pkg/contact"
	"github.com/example/serverless-todo/pkg/metrics"
	"github.com/example/serverless-todo/pkg/notify"
	"github.com/example/serverless-todo/pkg/request"
	"github.com/example/serverless-todo/pkg/response"
	"github.com/example/serverless-todo/pkg/store"
	"github.com/example/serverless-todo/pkg/validate"
)

type contactHandler struct {
	store    *store.Store
	validate *validate.Validator
	// settings gives what the function's secret holds.
	settings func(context.Context) (settings, error)
	// perHour is how many messages one sender may store in an hour, and
	// retention how long a message is kept.
	perHour   int
	retention time.Duration
	log       *slog.Logger
	now       func() time.Time
}

// settings are what the handler reads from the function's secret.
type settings struct {
	// notifier is nil when notifications are off.
	notifier notify.Notifier
	// ipHashKey keys the hash that stands in for a sender's IP address.
	ipHashKey []byte
}

// senderHash is the keyed hash of an IP address that the function keeps
// in its place. An IP address alone has too few possible values for an
// unkeyed hash to hide it; with the key, nobody without the secret can
// tell whose address a hash is, while messages from one address share one
// hash for abuse handling and the rate limit.
func senderHash(key []byte, ip string) string {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(ip))
	return hex.EncodeToString(mac.Sum(nil)[:16])
}

// accepted is the response body: the message's id, for support requests.
type accepted struct {
	ID string `json:"id"`
}

// handle stores the message first and notifies second, so a failed
// notification loses nothing: it is logged and recorded on the message, and
// the sender still gets 202. A sender over the hourly limit gets 429 and
// nothing is stored or sent.
func (h *contactHandler) handle(ctx context.Context, req *events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	form, err := h.parse(req)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	id := ulid.Make().String()
	if form.IsSpam() {
		h.log.InfoContext(ctx, "contact form spam trap", slog.String("contactId", id))
		return response.JSON(http.StatusAccepted, accepted{ID: id})
	}
	set, err := h.settings(ctx)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	now := h.now().UTC()
	m := contact.Message{
		ID:         id,
		Name:       form.Name,
		Email:      form.Email,
		Message:    form.Message,
		CreatedAt:  now,
		SenderHash: senderHash(set.ipHashKey, req.RequestContext.HTTP.SourceIP),
		ExpiresAt:  now.Add(h.retention).Unix(),
	}
	if err := h.store.PutContact(ctx, m, store.ContactLimit{Sender: m.SenderHash, PerHour: h.perHour}); err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	metrics.Count(ctx, metrics.ContactStored)
	h.notify(ctx, set.notifier, &m)
	return response.JSON(http.StatusAccepted, accepted{ID: id})
}

// parse reads the form and validates it, unless it is spam: a bot that
// filled in the trap gets what a person gets, and so learns nothing, while
// its message is neither validated, stored nor sent. Every error parse
// returns is a 4xx problem.
func (h *contactHandler) parse(req *events.APIGatewayV2HTTPRequest) (contact.Form, error) {
	var form contact.Form
	if err := request.DecodeJSON(req, &form); err != nil {
		return form, err
	}
	if form.IsSpam() {
		return form, nil
	}
	return form, form.Validate(h.validate)
}

// notify tells the owner and records the outcome on the stored message. Its
// failures are the owner's to fix, never the sender's: they are logged (the
// message text never is) and the request still succeeds.
func (h *contactHandler) notify(ctx context.Context, notifier notify.Notifier, m *contact.Message) {
	if notifier == nil {
		h.log.InfoContext(ctx, "contact message stored; notifications are off (no Pushover configuration)", slog.String("contactId", m.ID))
		return
	}
	err := notifier.Notify(ctx, notify.Notification{
		Title: "Contact form: " + m.Name,
		// Sender first: Pushover cuts long messages at the end.
		Message: "From: " + m.Name + " <" + m.Email + ">\n\n" + m.Message,
	})
	failure := ""
	if err == nil {
		metrics.Count(ctx, metrics.ContactNotified)
	} else {
		metrics.Count(ctx, metrics.ContactNotifyFailed)
		failure = err.Error()
		h.log.WarnContext(ctx, "contact notification failed", slog.String("contactId", m.ID), slog.String("error", failure))
	}
	if err := h.store.SetContactNotified(ctx, m.ID, err == nil, failure); err != nil {
		h.log.ErrorContext(ctx, "recording the contact notification failed", slog.String("contactId", m.ID), slog.String("error", err.Error()))
	}
}
