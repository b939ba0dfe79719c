package store_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/example/serverless-todo/internal/testkit/dbtest"
	"github.com/example/serverless-todo/internal/testkit/faultproxy"
	"github.com/example/serverless-todo/pkg/contact"
	"github.com/example/serverless-todo/pkg/errkind"
	"github.com/example/serverless-todo/pkg/store"
	"github.com/example/serverless-todo/pkg/todo"
)

// proxied returns a store of a new table whose calls go through a fault
// proxy, with the client the functions use (three attempts, two seconds
// each), and the table itself for checking what it holds.
func proxied(t *testing.T) (*store.Store, *dbtest.Table, *faultproxy.Proxy) {
	t.Helper()
	tbl := dbtest.NewTable(t)
	p, err := faultproxy.Start(dbtest.Endpoint())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Close() })
	client, err := store.NewClient(dbtest.Getenv(map[string]string{store.EnvEndpoint: p.URL}))
	if err != nil {
		t.Fatal(err)
	}
	return store.New(client, tbl.Name), tbl, p
}

// checkInjected fails the test unless the rule faulted every call it was
// meant to, and the SDK then tried again.
func checkInjected(t *testing.T, p *faultproxy.Proxy, in *faultproxy.Injection, op string, times int) {
	t.Helper()
	if got := in.Applied(); got != times {
		t.Fatalf("%s: %d calls faulted, want %d", op, got, times)
	}
	if calls := p.Calls(op); calls <= times && times < 3 {
		t.Fatalf("%s: %d calls for %d faults: the SDK did not retry", op, calls, times)
	}
}

// The SDK retries a call whose answer was lost; when the first attempt had
// committed, the retry must answer as the first would have, and the table
// must hold the one write.
func TestRetriedWritesAnswerAsTheirFirstAttemptCommitted(t *testing.T) {
	patch := todo.Patch{Title: set("renamed"), Done: set(true)}
	tests := []struct {
		name string
		// op and contains pick the call whose answer is lost.
		op, contains string
		action       faultproxy.Action
		// run makes the write, on a table that holds td, and checks what
		// it returned and what the table holds.
		run func(t *testing.T, s *store.Store, tbl *dbtest.Table, td todo.Todo)
	}{
		// With a quota of two todos, a retry that counted its first
		// attempt again would be refused.
		{"a create", "TransactWriteItems", "", faultproxy.DropAnswer, func(t *testing.T, s *store.Store, tbl *dbtest.Table, _ todo.Todo) {
			nt := newTodo("new", time.Now())
			if err := s.PutTodo(ctx, "alice", nt, 2); err != nil {
				t.Fatalf("PutTodo: %v", err)
			}
			wantItems(t, tbl, 2)
			wantTodoCount(t, tbl, 2)
		}},
		{"a create whose answer outlasts the attempt", "TransactWriteItems", "", faultproxy.HoldAnswer, func(t *testing.T, s *store.Store, tbl *dbtest.Table, _ todo.Todo) {
			nt := newTodo("new", time.Now())
			if err := s.PutTodo(ctx, "alice", nt, 2); err != nil {
				t.Fatalf("PutTodo: %v", err)
			}
			wantItems(t, tbl, 2)
			wantTodoCount(t, tbl, 2)
		}},
		{"a patch with If-Match", "TransactWriteItems", "", faultproxy.DropAnswer, func(t *testing.T, s *store.Store, tbl *dbtest.Table, td todo.Todo) {
			got, err := s.UpdateTodo(ctx, "alice", td.ID, &patch, 1)
			wantUpdated(t, s, td, got, err)
		}},
		{"a patch without If-Match", "TransactWriteItems", "", faultproxy.DropAnswer, func(t *testing.T, s *store.Store, tbl *dbtest.Table, td todo.Todo) {
			got, err := s.UpdateTodo(ctx, "alice", td.ID, &patch, 0)
			wantUpdated(t, s, td, got, err)
		}},
		{"a delete with If-Match", "TransactWriteItems", "", faultproxy.DropAnswer, func(t *testing.T, s *store.Store, tbl *dbtest.Table, td todo.Todo) {
			if _, err := s.DeleteTodo(ctx, "alice", td.ID, 1); err != nil {
				t.Fatalf("DeleteTodo: %v", err)
			}
			wantGone(t, s, td.ID)
			wantTodoCount(t, tbl, 0)
		}},
		{"a delete without If-Match", "TransactWriteItems", "", faultproxy.DropAnswer, func(t *testing.T, s *store.Store, tbl *dbtest.Table, td todo.Todo) {
			if _, err := s.DeleteTodo(ctx, "alice", td.ID, 0); err != nil {
				t.Fatalf("DeleteTodo: %v", err)
			}
			wantGone(t, s, td.ID)
			wantTodoCount(t, tbl, 0)
		}},
		{"the lock of an Idempotency-Key", "PutItem", "IDEMPOTENCY#", faultproxy.DropAnswer, func(t *testing.T, s *store.Store, tbl *dbtest.Table, _ todo.Todo) {
			nt := newTodo("keyed", time.Now())
			replay, err := s.PutTodoOnce(ctx, "alice", nt, store.Idempotency{Key: "k1", RequestHash: "h", Response: store.SavedResponse{Status: 201}}, 0)
			if err != nil || replay != nil {
				t.Fatalf("PutTodoOnce: replay %v, err %v; want a create", replay, err)
			}
			wantItems(t, tbl, 3)
		}},
		{"the transaction of an Idempotency-Key", "TransactWriteItems", "", faultproxy.DropAnswer, func(t *testing.T, s *store.Store, tbl *dbtest.Table, _ todo.Todo) {
			nt := newTodo("keyed", time.Now())
			replay, err := s.PutTodoOnce(ctx, "alice", nt, store.Idempotency{Key: "k1", RequestHash: "h", Response: store.SavedResponse{Status: 201}}, 2)
			if err != nil || replay != nil {
				t.Fatalf("PutTodoOnce: replay %v, err %v; want a create", replay, err)
			}
			wantItems(t, tbl, 3)
			wantTodoCount(t, tbl, 2)
		}},
		// With a limit of one message, a retry that counted its first
		// attempt again would be refused.
		{"a contact message and its sender's count", "TransactWriteItems", "", faultproxy.DropAnswer, func(t *testing.T, s *store.Store, tbl *dbtest.Table, _ todo.Todo) {
			m := contact.Message{ID: ulid.Make().String(), Name: "Ann", Email: "ann@example.com", Message: "Hi", CreatedAt: time.Now()}
			if err := s.PutContact(ctx, m, store.ContactLimit{Sender: "s1", PerHour: 1}); err != nil {
				t.Fatalf("PutContact: %v", err)
			}
			wantItems(t, tbl, 3)
		}},
		{"a contact message's notification outcome", "UpdateItem", "", faultproxy.DropAnswer, func(t *testing.T, s *store.Store, tbl *dbtest.Table, _ todo.Todo) {
			m := contact.Message{ID: ulid.Make().String(), Name: "Ann", Email: "ann@example.com", Message: "Hi", CreatedAt: time.Now()}
			if err := s.PutContact(ctx, m, store.ContactLimit{Sender: "s1", PerHour: 1}); err != nil {
				t.Fatal(err)
			}
			if err := s.SetContactNotified(ctx, m.ID, true, ""); err != nil {
				t.Fatalf("SetContactNotified: %v", err)
			}
			wantItems(t, tbl, 3)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, tbl, p := proxied(t)
			td := newTodo("first", time.Now())
			if err := s.PutTodo(ctx, "alice", td, 0); err != nil {
				t.Fatal(err)
			}
			// In force only now: the setup's put is not faulted.
			in := p.Fault(faultproxy.Rule{Operation: tt.op, Contains: tt.contains, Action: tt.action})
			tt.run(t, s, tbl, td)
			checkInjected(t, p, in, tt.op, 1)
		})
	}
}

// When no attempt gets an answer, nobody knows whether the write was made:
// the error says so, and the client's retry of the same request then learns
// the outcome and does not apply it twice.
func TestAWriteWithoutAnAnswerIsUnknownAndItsRetryLearnsTheOutcome(t *testing.T) {
	t.Run("a patch with If-Match", func(t *testing.T) {
		t.Parallel()
		s, _, p := proxied(t)
		td := newTodo("first", time.Now())
		if err := s.PutTodo(ctx, "alice", td, 0); err != nil {
			t.Fatal(err)
		}
		patch := todo.Patch{Done: set(true)}
		in := p.Fault(faultproxy.Rule{Operation: "TransactWriteItems", Times: 3})
		_, err := s.UpdateTodo(ctx, "alice", td.ID, &patch, 1)
		wantUnknown(t, err)
		checkInjected(t, p, in, "TransactWriteItems", 3)
		again := todo.Patch{Done: set(true)}
		got, err := s.UpdateTodo(ctx, "alice", td.ID, &again, 1)
		if err != nil || got.Version != 2 || !got.Done {
			t.Fatalf("the retry: %+v, %v; want the first attempt's version 2", got, err)
		}
		// Another change as of the same version truly lost.
		other := todo.Patch{Title: set("other")}
		if _, err := s.UpdateTodo(ctx, "alice", td.ID, &other, 1); !errors.Is(err, errkind.ErrVersionMismatch) {
			t.Fatalf("another patch at version 1: %v, want errkind.ErrVersionMismatch", err)
		}
	})
	t.Run("a delete with If-Match", func(t *testing.T) {
		t.Parallel()
		s, _, p := proxied(t)
		td := newTodo("first", time.Now())
		if err := s.PutTodo(ctx, "alice", td, 0); err != nil {
			t.Fatal(err)
		}
		in := p.Fault(faultproxy.Rule{Operation: "TransactWriteItems", Times: 3})
		_, err := s.DeleteTodo(ctx, "alice", td.ID, 1)
		wantUnknown(t, err)
		checkInjected(t, p, in, "TransactWriteItems", 3)
		if _, err := s.DeleteTodo(ctx, "alice", td.ID, 1); err != nil {
			t.Fatalf("the retry: %v, want the first attempt's success", err)
		}
		if _, err := s.DeleteTodo(ctx, "alice", td.ID, 0); !errors.Is(err, errkind.ErrNotFound) {
			t.Fatalf("another delete: %v, want errkind.ErrNotFound", err)
		}
	})
	t.Run("a create with an Idempotency-Key", func(t *testing.T) {
		t.Parallel()
		s, tbl, p := proxied(t)
		idem := store.Idempotency{Key: "k1", RequestHash: "h", Response: store.SavedResponse{Status: 201, Body: "first"}}
		in := p.Fault(faultproxy.Rule{Operation: "TransactWriteItems", Times: 3})
		_, err := s.PutTodoOnce(ctx, "alice", newTodo("keyed", time.Now()), idem, 0)
		wantUnknown(t, err)
		checkInjected(t, p, in, "TransactWriteItems", 3)
		replay, err := s.PutTodoOnce(ctx, "alice", newTodo("keyed", time.Now()), idem, 0)
		if err != nil || replay == nil || replay.Body != "first" {
			t.Fatalf("the retry: replay %+v, err %v; want the first response replayed", replay, err)
		}
		wantItems(t, tbl, 2)
	})
	t.Run("the lock of an Idempotency-Key", func(t *testing.T) {
		t.Parallel()
		s, tbl, p := proxied(t)
		idem := store.Idempotency{Key: "k1", RequestHash: "h", Response: store.SavedResponse{Status: 201}}
		in := p.Fault(faultproxy.Rule{Operation: "PutItem", Contains: "IDEMPOTENCY#", Times: 3})
		_, err := s.PutTodoOnce(ctx, "alice", newTodo("keyed", time.Now()), idem, 0)
		wantUnknown(t, err)
		checkInjected(t, p, in, "PutItem", 3)
		// The lock it took was released, so the retry need not wait it out.
		wantItems(t, tbl, 0)
		if replay, err := s.PutTodoOnce(ctx, "alice", newTodo("keyed", time.Now()), idem, 0); err != nil || replay != nil {
			t.Fatalf("the retry: replay %v, err %v; want a create", replay, err)
		}
		wantItems(t, tbl, 2)
	})
}

func wantUnknown(t *testing.T, err error) {
	t.Helper()
	if !errors.Is(err, errkind.ErrOutcomeUnknown) || !errors.Is(err, errkind.ErrUnavailable) {
		t.Fatalf("err = %v, want errkind.ErrOutcomeUnknown and errkind.ErrUnavailable", err)
	}
}

// wantTodoCount checks alice's count of todos: each todo counted once.
func wantTodoCount(t *testing.T, tbl *dbtest.Table, n int) {
	t.Helper()
	if got := todoCount(t, tbl, "alice"); got != n {
		t.Errorf("alice's count of todos is %d, want %d", got, n)
	}
}

func wantItems(t *testing.T, tbl *dbtest.Table, n int) {
	t.Helper()
	if items := records(t, tbl); len(items) != n {
		t.Fatalf("the table holds %d items, want %d: %v", len(items), n, items)
	}
}

// wantUpdated checks that an update returned the todo at version 2, as
// stored: applied once.
func wantUpdated(t *testing.T, s *store.Store, before, got todo.Todo, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("UpdateTodo: %v", err)
	}
	stored, err := s.GetTodo(ctx, "alice", before.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Version != 2 || fmt.Sprint(stored) != fmt.Sprint(got) || got.Title != "renamed" {
		t.Fatalf("returned %+v, stored %+v; want both at version 2, renamed", got, stored)
	}
}

func wantGone(t *testing.T, s *store.Store, id string) {
	t.Helper()
	if _, err := s.GetTodo(ctx, "alice", id); !errors.Is(err, errkind.ErrNotFound) {
		t.Fatalf("the deleted todo: %v, want errkind.ErrNotFound", err)
	}
}
