// Command contact is the Lambda function behind POST /contact, the public
// contact form: it stores the message, then tells the owner through
// Pushover.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/example/serverless-todo/pkg/env"
	"github.com/example/serverless-todo/pkg/handler"
	"github.com/example/serverless-todo/pkg/notify"
	"github.com/example/serverless-todo/pkg/secret"
	"github.com/example/serverless-todo/pkg/store"
	"github.com/example/serverless-todo/pkg/validate"
)

// Environment variables the function reads, beside the ones its packages
// read.
const (
	// EnvSecret names its secret: an ARN in AWS, a name locally.
	EnvSecret = "CONTACT_SECRET"
	// EnvPushoverURL points notifications at another Pushover API, like
	// the tests' fake; it is never set in AWS.
	EnvPushoverURL = "PUSHOVER_API_URL"
	// EnvLimitPerHour is how many messages one sender may store in an
	// hour (template.yaml's ContactLimitPerHour), and EnvRetentionDays how
	// many days a message is kept (ContactRetentionDays).
	EnvLimitPerHour  = "CONTACT_LIMIT_PER_HOUR"
	EnvRetentionDays = "CONTACT_RETENTION_DAYS"
)

func main() {
	if err := run(context.Background(), os.Getenv, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "contact:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	perHour, err := env.PositiveInt(getenv, EnvLimitPerHour)
	if err != nil {
		return err
	}
	days, err := env.PositiveInt(getenv, EnvRetentionDays)
	if err != nil {
		return err
	}
	db, err := store.Open(ctx, getenv)
	if err != nil {
		return err
	}
	sec, err := secret.Open(getenv, getenv(EnvSecret))
	if err != nil {
		return err
	}
	// Read during init, beside the store's warm-up: the first request
	// then finds the value, or reads it again if this failed.
	go sec.String(context.WithoutCancel(ctx))
	log := handler.NewLogger(stdout)
	h := &contactHandler{store: db, validate: validate.New(), settings: settingsFrom(sec, getenv(EnvPushoverURL)),
		perHour: perHour, retention: time.Duration(days) * 24 * time.Hour, log: log, now: time.Now}
	return handler.Start(ctx, getenv, log, h.handle)
}

// secretValue is the JSON object in the function's secret.
type secretValue struct {
	PushoverToken   string `json:"pushoverToken"`
	PushoverUserKey string `json:"pushoverUserKey"`
	IPHashKey       string `json:"ipHashKey"`
}

// settingsFrom returns the function that gives the handler its settings,
// read from sec on first use and kept once read.
func settingsFrom(sec *secret.Secret, pushoverURL string) func(context.Context) (settings, error) {
	var mu sync.Mutex
	var kept *settings
	return func(ctx context.Context) (settings, error) {
		mu.Lock()
		defer mu.Unlock()
		if kept != nil {
			return *kept, nil
		}
		var v secretValue
		if err := sec.JSON(ctx, &v); err != nil {
			return settings{}, err
		}
		s, err := v.settings(pushoverURL)
		if err != nil {
			return settings{}, err
		}
		kept = &s
		return s, nil
	}
}

// settings checks the secret's value. Half a Pushover configuration is an
// error: it would look like notifications are on while none could ever be
// sent. The errors name what is missing, never a value.
func (v secretValue) settings(pushoverURL string) (settings, error) {
	if len(v.IPHashKey) < 32 {
		return settings{}, errors.New("contact: the secret's ipHashKey is missing or shorter than 32 characters")
	}
	s := settings{ipHashKey: []byte(v.IPHashKey)}
	switch {
	case v.PushoverToken == "" && v.PushoverUserKey == "":
	case v.PushoverToken == "" || v.PushoverUserKey == "":
		return settings{}, errors.New("contact: the secret has one of pushoverToken and pushoverUserKey: set both or neither")
	default:
		s.notifier = &notify.Pushover{Token: v.PushoverToken, UserKey: v.PushoverUserKey, URL: pushoverURL}
	}
	return s, nil
}
