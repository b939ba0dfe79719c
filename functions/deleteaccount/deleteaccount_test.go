package main

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/example/serverless-todo/internal/testkit/apitest"
	"github.com/example/serverless-todo/internal/testkit/dbtest"
	"github.com/example/serverless-todo/internal/testkit/mototest"
	"github.com/example/serverless-todo/pkg/awsconfig"
	"github.com/example/serverless-todo/pkg/errkind"
	"github.com/example/serverless-todo/pkg/mergepatch"
	"github.com/example/serverless-todo/pkg/profile"
	"github.com/example/serverless-todo/pkg/purge"
	"github.com/example/serverless-todo/pkg/store"
	"github.com/example/serverless-todo/pkg/todo"
)

func TestMain(m *testing.M) {
	defer mototest.Stop()
	dbtest.Main(m)
}

// queue creates an SQS queue of its own on moto and returns a client of
// it, its URL, and the environment that names it to purge.Open.
func queue(t *testing.T) (*sqs.Client, string, func(string) string) {
	t.Helper()
	url, _ := mototest.NewQueue(t, nil)
	getenv := dbtest.Getenv(map[string]string{awsconfig.EndpointVariable("SQS"): mototest.Endpoint(t), purge.EnvQueueURL: url})
	return mototest.SQS(t), url, getenv
}

func setup(t *testing.T) (*deleteAccountHandler, *store.Store, *sqs.Client, string) {
	t.Helper()
	s := dbtest.NewTable(t).Store()
	client, url, getenv := queue(t)
	q, err := purge.Open(getenv)
	if err != nil {
		t.Fatal(err)
	}
	return &deleteAccountHandler{store: s, queue: q, keepFor: time.Hour}, s, client, url
}

func del(sub string, headers, claims map[string]string) apitest.Request {
	return apitest.Request{Method: "DELETE", Path: "/me", Route: "DELETE /me", Sub: sub, Headers: headers, Claims: claims}
}

// received returns the purge requests on the queue.
func received(t *testing.T, client *sqs.Client, url string) []purge.Request {
	t.Helper()
	out, err := client.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 10, WaitTimeSeconds: 1})
	if err != nil {
		t.Fatal(err)
	}
	var reqs []purge.Request
	for _, m := range out.Messages {
		r, err := purge.Parse(aws.ToString(m.Body))
		if err != nil {
			t.Fatal(err)
		}
		reqs = append(reqs, r)
	}
	return reqs
}

func TestDeleteAccountStopsWritesAndQueuesThePurge(t *testing.T) {
	h, s, client, url := setup(t)
	if err := s.PutTodo(t.Context(), "alice", (&todo.New{Title: "x"}).Todo("01JD8X3N7Q5V2K8M4R6T9W1Y3Z", time.Now()), 0); err != nil {
		t.Fatal(err)
	}
	resp := apitest.Invoke(t, h.handle, del("alice", nil, map[string]string{"username": "alice-in-the-pool"}))
	var body struct{ DeletedAt string }
	apitest.JSON(t, resp, http.StatusAccepted, &body)
	apitest.SecurityHeaders(t, resp)
	if _, err := time.Parse(time.RFC3339, body.DeletedAt); err != nil {
		t.Errorf("deletedAt %q: %v", body.DeletedAt, err)
	}
	if got := received(t, client, url); len(got) != 1 || got[0] != (purge.Request{Owner: "alice", Username: "alice-in-the-pool"}) {
		t.Errorf("queued %+v", got)
	}
	if err := s.PutTodo(t.Context(), "alice", (&todo.New{Title: "y"}).Todo("01JD8X3N7Q5V2K8M4R6T9W1Y40", time.Now()), 0); err == nil || !strings.Contains(err.Error(), errkind.ErrAccountDeleted.Error()) {
		t.Errorf("a write after the deletion: %v", err)
	}
}

func TestDeleteAccountWithIfMatch(t *testing.T) {
	h, s, client, url := setup(t)
	if _, err := s.UpdateProfile(t.Context(), "alice", &profile.Patch{FirstName: mergepatch.Field[string]{Set: true, Value: "Alice"}}, 0); err != nil {
		t.Fatal(err)
	}
	apitest.Problem(t, apitest.Invoke(t, h.handle, del("alice", map[string]string{"If-Match": `"2"`}, nil)), http.StatusPreconditionFailed)
	apitest.Problem(t, apitest.Invoke(t, h.handle, del("alice", map[string]string{"If-Match": "2"}, nil)), http.StatusBadRequest)
	if got := received(t, client, url); len(got) != 0 {
		t.Fatalf("a refused deletion queued %+v", got)
	}
	if err := s.PutTodo(t.Context(), "alice", (&todo.New{Title: "x"}).Todo("01JD8X3N7Q5V2K8M4R6T9W1Y3Z", time.Now()), 0); err != nil {
		t.Fatalf("a refused deletion deleted the account: %v", err)
	}
	resp := apitest.Invoke(t, h.handle, del("alice", map[string]string{"If-Match": `"1"`}, nil))
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("matching If-Match: %d %s", resp.StatusCode, resp.Body)
	}
	// Without a username claim (another issuer's token), the sub.
	if got := received(t, client, url); len(got) != 1 || got[0] != (purge.Request{Owner: "alice", Username: "alice"}) {
		t.Errorf("queued %+v", got)
	}
}

func TestDeleteAccountRefusesARequestWithoutAUser(t *testing.T) {
	h, _, _, _ := setup(t)
	apitest.Problem(t, apitest.Invoke(t, h.handle, del("", nil, nil)), http.StatusUnauthorized)
}
