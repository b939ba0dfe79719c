package store_test

import (
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/example/serverless-todo/internal/testkit/dbtest"
	"github.com/example/serverless-todo/pkg/errkind"
	"github.com/example/serverless-todo/pkg/store"
	"github.com/example/serverless-todo/pkg/todo"
)

// replica is what a syncing client keeps: each todo by id.
type replica map[string]todo.Todo

// pull applies changes until there are no more, and returns the last token.
func (r replica) pull(t *testing.T, s *store.Store, owner, token string, limit int) string {
	t.Helper()
	for range 10_000 {
		cs, err := s.Changes(ctx, owner, token, limit)
		if err != nil {
			t.Fatalf("Changes(%q): %v", token, err)
		}
		if n := len(cs.Items) + len(cs.DeletedIDs); n > limit {
			t.Fatalf("%d changes in an answer, limit %d", n, limit)
		}
		for _, td := range cs.Items {
			if old, ok := r[td.ID]; ok && old.Version > td.Version {
				t.Fatalf("todo %s went back from version %d to %d", td.ID, old.Version, td.Version)
			}
			r[td.ID] = td
		}
		for _, id := range cs.DeletedIDs {
			delete(r, id)
		}
		token = cs.Token
		if !cs.HasMore {
			return token
		}
	}
	t.Fatal("syncing did not end")
	return ""
}

// live is every todo of owner, from a full listing.
func live(t *testing.T, s *store.Store, owner string) replica {
	t.Helper()
	out := replica{}
	q := store.ListQuery{Limit: 100}
	for {
		page, err := s.ListTodos(ctx, owner, q)
		if err != nil {
			t.Fatal(err)
		}
		for _, td := range page.Items {
			out[td.ID] = td
		}
		if page.NextCursor == "" {
			return out
		}
		q.Cursor = page.NextCursor
	}
}

func TestChangesFromNothingAreEveryLiveTodoAndNoDeletion(t *testing.T) {
	s := dbtest.NewTable(t).Store()
	var ids []string
	for i := range 5 {
		td := newTodo(fmt.Sprint("todo ", i), time.Now())
		if err := s.PutTodo(ctx, "alice", td, 0); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, td.ID)
	}
	if _, err := s.DeleteTodo(ctx, "alice", ids[1], 0); err != nil {
		t.Fatal(err)
	}
	p := todo.Patch{Done: set(true)}
	if _, err := s.UpdateTodo(ctx, "alice", ids[3], &p, 0); err != nil {
		t.Fatal(err)
	}
	seed(t, s, "bob", 2)
	cs, err := s.Changes(ctx, "alice", "", 100)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, td := range cs.Items {
		got = append(got, td.ID)
	}
	// In the order of the last write of each: the update came last.
	want := []string{ids[0], ids[2], ids[4], ids[3]}
	if !slices.Equal(got, want) || len(cs.DeletedIDs) != 0 || cs.HasMore || cs.Token == "" {
		t.Fatalf("changes = %v, deleted %v, more %v, token %q; want %v, no deletion, no more, a token", got, cs.DeletedIDs, cs.HasMore, cs.Token, want)
	}
	if cs.Items[3].Version != 2 || !cs.Items[3].Done {
		t.Errorf("the updated todo = %+v, want it at version 2, done", cs.Items[3])
	}
	// Nothing since: no change, and a token that still works.
	again, err := s.Changes(ctx, "alice", cs.Token, 100)
	if err != nil || len(again.Items)+len(again.DeletedIDs) != 0 || again.HasMore {
		t.Fatalf("changes since the last token: %+v, %v; want none", again, err)
	}
}

func TestChangesSinceATokenComeOnceEachInTheirLatestVersion(t *testing.T) {
	s := dbtest.NewTable(t).Store()
	a, b := newTodo("a", time.Now()), newTodo("b", time.Now())
	for _, td := range []todo.Todo{a, b} {
		if err := s.PutTodo(ctx, "alice", td, 0); err != nil {
			t.Fatal(err)
		}
	}
	r := replica{}
	token := r.pull(t, s, "alice", "", 100)
	for _, title := range []string{"a2", "a3"} {
		p := todo.Patch{Title: set(title)}
		if _, err := s.UpdateTodo(ctx, "alice", a.ID, &p, 0); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.DeleteTodo(ctx, "alice", b.ID, 0); err != nil {
		t.Fatal(err)
	}
	c := newTodo("c", time.Now())
	if err := s.PutTodo(ctx, "alice", c, 0); err != nil {
		t.Fatal(err)
	}
	cs, err := s.Changes(ctx, "alice", token, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(cs.Items) != 2 || cs.Items[0].ID != a.ID || cs.Items[0].Version != 3 || cs.Items[0].Title != "a3" || cs.Items[1].ID != c.ID {
		t.Fatalf("items = %+v; want a at version 3, then c", cs.Items)
	}
	if !slices.Equal(cs.DeletedIDs, []string{b.ID}) {
		t.Fatalf("deleted = %v, want [%s]", cs.DeletedIDs, b.ID)
	}
	for _, limit := range []int{1, 2, 3} {
		r := replica{}
		r.pull(t, s, "alice", "", limit)
		if want := live(t, s, "alice"); !maps.EqualFunc(r, want, func(x, y todo.Todo) bool { return x.Version == y.Version }) {
			t.Errorf("limit %d: replica %v, want %v", limit, slices.Collect(maps.Keys(r)), slices.Collect(maps.Keys(want)))
		}
	}
}

func TestChangesRefuseTokensItDidNotMakeForTheCaller(t *testing.T) {
	s := dbtest.NewTable(t).Store()
	seed(t, s, "bob", 2)
	seed(t, s, "alice", 1)
	bobs, err := s.Changes(ctx, "bob", "", 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, token := range []string{
		bobs.Token,
		"not base64!",
		"e30", // {}
		"eyJwayI6IlVTRVIjYWxpY2UiLCJzZXEiOjk5LCJzaW5jZSI6MTc5NjAwMDAwMDAwMH0", // alice's, beyond her last change
		"eyJwayI6IlVTRVIjYWxpY2UiLCJzZXEiOi0xLCJzaW5jZSI6MTc5NjAwMDAwMDAwMH0", // a negative number
	} {
		if _, err := s.Changes(ctx, "alice", token, 100); !errors.Is(err, errkind.ErrInvalidSyncToken) {
			t.Errorf("token %q: err = %v, want errkind.ErrInvalidSyncToken", token, err)
		}
	}
}

func TestATokenOlderThanTheTombstonesHasExpired(t *testing.T) {
	s := dbtest.NewTable(t).Store().WithTombstoneTTL(24 * time.Hour)
	seed(t, s, "alice", 1)
	cs, err := s.Changes(ctx, "alice", "", 100)
	if err != nil {
		t.Fatal(err)
	}
	later := func(d time.Duration) *store.Store { return s.WithClock(func() time.Time { return time.Now().Add(d) }) }
	if _, err := later(22*time.Hour).Changes(ctx, "alice", cs.Token, 100); err != nil {
		t.Errorf("a token of 22 hours, tombstones kept 24: %v, want it to work", err)
	}
	if _, err := later(24*time.Hour).Changes(ctx, "alice", cs.Token, 100); !errors.Is(err, errkind.ErrSyncTokenExpired) {
		t.Errorf("a token of 24 hours, tombstones kept 24: %v, want errkind.ErrSyncTokenExpired", err)
	}
}

// The property sync exists for: while writers create, update and delete
// one user's todos concurrently, a client that pulls changes in a loop
// ends, after one more pull once they stop, with exactly the todos a full
// listing shows, at the same versions.
func TestASyncingReplicaConvergesWhileOthersWrite(t *testing.T) {
	s := dbtest.NewTable(t).Store()
	const writers, opsEach = 8, 25
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(w), 1))
			var mine []string
			for range opsEach {
				var err error
				switch op := rng.IntN(10); {
				case op < 5 || len(mine) == 0:
					td := todo.Todo{ID: ulid.Make().String(), Title: "t", CreatedAt: todo.Timestamp(time.Now()), UpdatedAt: todo.Timestamp(time.Now()), Version: 1}
					if err = s.PutTodo(ctx, "alice", td, 0); err == nil {
						mine = append(mine, td.ID)
					}
				case op < 8:
					p := todo.Patch{Done: set(rng.IntN(2) == 0)}
					_, err = s.UpdateTodo(ctx, "alice", mine[rng.IntN(len(mine))], &p, 0)
				default:
					i := rng.IntN(len(mine))
					_, err = s.DeleteTodo(ctx, "alice", mine[i], 0)
					mine = slices.Delete(mine, i, i+1)
				}
				// Conflicts are answers a client retries; here they are
				// only writes that did not happen.
				if err != nil && !errors.Is(err, errkind.ErrConflict) {
					errs <- err
					return
				}
			}
		})
	}
	stop := make(chan struct{})
	r := replica{}
	token := ""
	var pulls int
	go func() { wg.Wait(); close(stop) }()
	for running := true; running; pulls++ {
		select {
		case <-stop:
			running = false
		default:
		}
		token = r.pull(t, s, "alice", token, 7)
	}
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	r.pull(t, s, "alice", token, 7)
	want := live(t, s, "alice")
	if !maps.EqualFunc(r, want, func(x, y todo.Todo) bool { return x.Version == y.Version }) {
		t.Fatalf("after %d pulls the replica has %d todos, the table %d, or their versions differ", pulls, len(r), len(want))
	}
	if len(want) == 0 {
		t.Fatal("the writers left nothing: the test checks nothing")
	}
}
