// Package notify tells the owner about a new contact message. Notifier is
// the seam for other channels (email, Slack); Pushover is the one shipped.
package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Notification is what the owner is told.
type Notification struct {
	Title   string
	Message string
}

// Notifier delivers a notification, or says why it could not.
type Notifier interface {
	Notify(ctx context.Context, n Notification) error
}

// PushoverURL is the endpoint of Pushover's message API.
const PushoverURL = "https://api.pushover.net/1/messages.json"

// Pushover's limits on a message, in characters.
const (
	pushoverMaxTitle   = 250
	pushoverMaxMessage = 1024
)

// Pushover sends notifications through Pushover's message API
// (https://pushover.net/api).
type Pushover struct {
	// Token is the application's API token, UserKey the recipient's key.
	Token, UserKey string
	// URL defaults to PushoverURL; tests point it at a local server.
	URL string
	// Client defaults to one with Timeout.
	Client *http.Client
	// Timeout bounds a notification, so a slow Pushover cannot hold the
	// contact request past its own deadline; 3 s when zero.
	Timeout time.Duration
}

// Notify posts n to Pushover. Errors name the HTTP status and Pushover's
// own error messages, never the token or user key.
func (p *Pushover) Notify(ctx context.Context, n Notification) error {
	timeout := p.Timeout
	if timeout == 0 {
		timeout = 3 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	endpoint := p.URL
	if endpoint == "" {
		endpoint = PushoverURL
	}
	client := p.Client
	if client == nil {
		client = &http.Client{Timeout: timeout}
	}
	form := url.Values{
		"token":   {p.Token},
		"user":    {p.UserKey},
		"title":   {truncate(n.Title, pushoverMaxTitle)},
		"message": {truncate(n.Message, pushoverMaxMessage)},
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return fmt.Errorf("pushover: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := client.Do(req)
	if err != nil {
		// url.Error names the URL, which holds no secret: they are in the body.
		return fmt.Errorf("pushover: %w", err)
	}
	defer resp.Body.Close()
	var result struct {
		Status int      `json:"status"`
		Errors []string `json:"errors"`
	}
	_ = json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&result)
	if resp.StatusCode != http.StatusOK || result.Status != 1 {
		return fmt.Errorf("pushover: HTTP %d: %s", resp.StatusCode, strings.Join(result.Errors, "; "))
	}
	return nil
}

// truncate cuts s to at most n characters, at a character boundary.
func truncate(s string, n int) string {
	i := 0
	for pos := range s {
		if i == n {
			return s[:pos]
		}
		i++
	}
	return s
}
