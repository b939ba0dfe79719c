package main

import (
	"bytes"
	"context"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/oklog/ulid/v2"

	"github.com/example/serverless-todo/internal/testkit/dbtest"
	"github.com/example/serverless-todo/internal/testkit/mototest"
	"github.com/example/serverless-todo/internal/testkit/s3test"
	"github.com/example/serverless-todo/pkg/attachment"
	"github.com/example/serverless-todo/pkg/awsconfig"
	"github.com/example/serverless-todo/pkg/handler"
	"github.com/example/serverless-todo/pkg/mergepatch"
	"github.com/example/serverless-todo/pkg/objects"
	"github.com/example/serverless-todo/pkg/profile"
	"github.com/example/serverless-todo/pkg/purge"
	"github.com/example/serverless-todo/pkg/todo"
	"github.com/example/serverless-todo/pkg/userpool"
)

func TestMain(m *testing.M) {
	defer mototest.Stop()
	dbtest.Main(m)
}

// setup returns a handler over a table, a bucket and a queue of its own
// on moto, without a user pool (a stack with another issuer), and the
// queue's client and URL.
func setup(t *testing.T) (*purgeHandler, *dbtest.Table, *s3test.Bucket, *sqs.Client, string) {
	t.Helper()
	tbl := dbtest.NewTable(t)
	b := s3test.New(t)
	bucket, err := objects.Open(dbtest.Getenv(b.Env()))
	if err != nil {
		t.Fatal(err)
	}
	url, _ := mototest.NewQueue(t, nil)
	q, err := purge.Open(dbtest.Getenv(map[string]string{awsconfig.EndpointVariable("SQS"): mototest.Endpoint(t), purge.EnvQueueURL: url}))
	if err != nil {
		t.Fatal(err)
	}
	client := mototest.SQS(t)
	pool, err := userpool.Open(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	return &purgeHandler{store: tbl.Store(), bucket: bucket, queue: q, pool: pool, log: handler.NewLogger(&bytes.Buffer{})}, tbl, b, client, url
}

func message(body string) *events.SQSMessage {
	return &events.SQSMessage{MessageId: ulid.Make().String(), Body: body}
}

func TestPurgeDeletesADeletedAccountsData(t *testing.T) {
	h, tbl, b, _, _ := setup(t)
	s := tbl.Store()
	// Objects of alice's, checked and uploaded, and one of bob's.
	photo := []byte("\xff\xd8\xff\xe0 a photo")
	withPhotos := (&todo.New{Title: "with photos"}).Todo(ulid.Make().String(), time.Now())
	bobs := (&todo.New{Title: "bob's photo"}).Todo(ulid.Make().String(), time.Now())
	if err := s.PutTodo(t.Context(), "alice", withPhotos, 0); err != nil {
		t.Fatal(err)
	}
	if err := s.PutTodo(t.Context(), "bob", bobs, 0); err != nil {
		t.Fatal(err)
	}
	b.Attach(t, s, "alice", withPhotos.ID, attachment.StatusReady, photo)
	b.Attach(t, s, "alice", withPhotos.ID, attachment.StatusPending, photo)
	kept := b.Attach(t, s, "bob", bobs.ID, attachment.StatusReady, photo)
	for i := range 29 {
		if err := s.PutTodo(t.Context(), "alice", (&todo.New{Title: "todo"}).Todo(ulid.Make().String(), time.Now().Add(time.Duration(i))), 0); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.PutTodo(t.Context(), "bob", (&todo.New{Title: "bob's"}).Todo(ulid.Make().String(), time.Now()), 0); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UpdateProfile(t.Context(), "alice", &profile.Patch{Username: mergepatch.Field[string]{Set: true, Value: "alice"}}, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DeleteAccount(t.Context(), "alice", 0, time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := h.handle(t.Context(), message(`{"owner":"alice","username":"alice"}`)); err != nil {
		t.Fatal(err)
	}
	// bob's two todos and counters, and alice's mark.
	if items := tbl.Items(t); len(items) != 4 {
		t.Errorf("%d items left, want bob's todos and counters and alice's mark: %v", len(items), items)
	}
	if keys, want := b.Keys(t, ""), []string{attachment.ObjectKey("bob", bobs.ID, kept.ID)}; !slices.Equal(keys, want) {
		t.Errorf("bucket holds %v, want bob's object only", keys)
	}
	// Again: nothing to do, no error.
	if err := h.handle(t.Context(), message(`{"owner":"alice","username":"alice"}`)); err != nil {
		t.Errorf("a repeated purge: %v", err)
	}
}

func TestPurgeRefusesWhatIsNotADeletedAccount(t *testing.T) {
	h, tbl, _, _, _ := setup(t)
	if err := tbl.Store().PutTodo(t.Context(), "alice", (&todo.New{Title: "alive"}).Todo(ulid.Make().String(), time.Now()), 0); err != nil {
		t.Fatal(err)
	}
	for _, body := range []string{`{"owner":"alice"}`, `{"owner":""}`, `not json`} {
		if err := h.handle(t.Context(), message(body)); err == nil {
			t.Errorf("purge of %s went ahead", body)
		}
	}
	if n := len(tbl.Items(t)); n != 2 {
		t.Errorf("%d items after refused purges, want alice's todo and counters", n)
	}
}

// A purge that runs out of time queues the rest as a new message.
func TestAPurgeOutOfTimeQueuesTheRest(t *testing.T) {
	h, tbl, _, client, url := setup(t)
	s := tbl.Store()
	for range 3 {
		if err := s.PutTodo(t.Context(), "alice", (&todo.New{Title: "todo"}).Todo(ulid.Make().String(), time.Now()), 0); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.DeleteAccount(t.Context(), "alice", 0, time.Hour); err != nil {
		t.Fatal(err)
	}
	// A deadline already inside the reserve: one round, then the rest
	// queued.
	ctx, cancel := context.WithTimeout(t.Context(), reserve-time.Second)
	defer cancel()
	h.pageItems = 2
	if err := h.handle(ctx, message(`{"owner":"alice","username":"alice"}`)); err != nil {
		t.Fatal(err)
	}
	out, err := client.ReceiveMessage(t.Context(), &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), WaitTimeSeconds: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Messages) != 1 || aws.ToString(out.Messages[0].Body) != `{"owner":"alice","username":"alice"}` {
		t.Fatalf("queued %v, want the rest of alice's purge", out.Messages)
	}
	if n := len(tbl.Items(t)); n <= 1 {
		t.Errorf("%d items left after one round of 2: the round did more than its share", n)
	}
}
