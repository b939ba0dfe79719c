package e2e

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
)

// changeSet is the body of GET /todos/changes.
type changeSet struct {
	Items      []todo   `json:"items"`
	DeletedIDs []string `json:"deletedIds"`
	SyncToken  string   `json:"syncToken"`
	HasMore    bool     `json:"hasMore"`
}

// syncReplica is what an offline client keeps: each todo by id, and how
// it came to be.
type syncReplica struct {
	todos map[string]todo
	pulls int
}

// pull calls GET /todos/changes from token until hasMore is false,
// applies every answer, and returns the last token.
func (r *syncReplica) pull(t *testing.T, a *api, token, since string, limit int) string {
	t.Helper()
	for range 10_000 {
		path := "/todos/changes?limit=" + strconv.Itoa(limit)
		if since != "" {
			path += "&since=" + url.QueryEscape(since)
		}
		var cs changeSet
		a.do(t, request{method: "GET", path: path, token: token}).want(t, http.StatusOK).decode(t, &cs)
		r.pulls++
		if n := len(cs.Items) + len(cs.DeletedIDs); n > limit {
			t.Fatalf("%d changes in one answer, limit %d", n, limit)
		}
		for _, td := range cs.Items {
			if old, ok := r.todos[td.ID]; ok && old.Version > td.Version {
				t.Fatalf("todo %s came back at version %d after %d: a change out of order", td.ID, td.Version, old.Version)
			}
			r.todos[td.ID] = td
		}
		for _, id := range cs.DeletedIDs {
			delete(r.todos, id)
		}
		since = cs.SyncToken
		if !cs.HasMore {
			return since
		}
	}
	t.Fatal("syncing did not end")
	return ""
}

// While 20 clients create, update and delete one user's todos at once,
// through the gateway and many function processes, a phone pulls the
// changes in a loop with its tokens. When the writers stop and it pulls
// once more, it holds exactly what a full listing shows, at the same
// versions: no change missed, none applied out of order. RELIABILITY_OPS
// sets the number of writes (make soak runs many more).
func TestASyncingClientConvergesWhileOthersWrite(t *testing.T) {
	t.Parallel()
	const writers = 20
	ops := 400
	if s := os.Getenv("RELIABILITY_OPS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < writers {
			t.Fatalf("RELIABILITY_OPS=%q: want a number of at least %d", s, writers)
		}
		ops = n
	}
	a := startAPI(t, nil, nil)
	alice := a.token(t, "alice")
	var written, conflicts atomic.Int64
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(w), 7))
			var mine []string
			for i := range ops / writers {
				var resp response
				switch n := rng.IntN(10); {
				case n < 4 || len(mine) == 0:
					resp = a.do(t, request{method: "POST", path: "/todos", token: alice, body: fmt.Sprintf(`{"title":"writer %d, %d"}`, w, i)})
					if resp.status == http.StatusCreated {
						var td todo
						resp.decode(t, &td)
						mine = append(mine, td.ID)
					}
				case n < 8:
					resp = a.do(t, request{method: "PATCH", path: "/todos/" + mine[rng.IntN(len(mine))], token: alice,
						header: map[string]string{"Content-Type": "application/merge-patch+json"},
						body:   fmt.Sprintf(`{"done":%v,"notes":"change %d"}`, rng.IntN(2) == 0, i)})
				default:
					k := rng.IntN(len(mine))
					resp = a.do(t, request{method: "DELETE", path: "/todos/" + mine[k], token: alice})
					if resp.status == http.StatusNoContent {
						mine = slices.Delete(mine, k, k+1)
					}
				}
				switch resp.status {
				case http.StatusCreated, http.StatusOK, http.StatusNoContent:
					written.Add(1)
				case http.StatusConflict:
					// Too many writes of the user at once: nothing was
					// written, and a client would retry.
					conflicts.Add(1)
				default:
					t.Errorf("writer %d: %d %s", w, resp.status, resp.body)
					return
				}
			}
		})
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	phone := &syncReplica{todos: map[string]todo{}}
	token := ""
	for running := true; running; {
		select {
		case <-done:
			running = false
		default:
		}
		token = phone.pull(t, a, alice, token, 25)
	}
	phone.pull(t, a, alice, token, 25)

	want := map[string]int{}
	for _, p := range a.listAll(t, alice, "limit=100") {
		for _, td := range p {
			want[td.ID] = td.Version
		}
	}
	got := map[string]int{}
	for id, td := range phone.todos {
		got[id] = td.Version
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("after %d writes and %d pulls the phone holds %d todos, the API %d, or their versions differ:\nphone %v\napi   %v",
			written.Load(), phone.pulls, len(got), len(want), got, want)
	}
	if len(want) == 0 || written.Load() < int64(ops/2) {
		t.Fatalf("%d writes of %d made, %d todos left: the test checks too little", written.Load(), ops, len(want))
	}
	recordFigures("sync", map[string]any{"writes": written.Load(), "conflicts": conflicts.Load(), "pulls": phone.pulls, "todos": len(want)})
}

// A sync token is the caller's: another user's is refused, as a cursor is.
func TestASyncTokenIsTheCallersOnly(t *testing.T) {
	t.Parallel()
	a := startAPI(t, nil, nil)
	alice, bob := a.token(t, "alice"), a.token(t, "bob")
	a.create(t, alice, `{"title":"alice's"}`)
	var cs changeSet
	a.do(t, request{method: "GET", path: "/todos/changes", token: alice}).want(t, http.StatusOK).decode(t, &cs)
	if len(cs.Items) != 1 || cs.SyncToken == "" {
		t.Fatalf("alice's first sync = %+v", cs)
	}
	p := a.do(t, request{method: "GET", path: "/todos/changes?since=" + url.QueryEscape(cs.SyncToken), token: bob}).wantProblem(t, http.StatusBadRequest)
	if len(p.Errors) != 1 || p.Errors[0].Field != "since" {
		t.Errorf("bob with alice's token: %+v, want a 400 naming since", p)
	}
	var bobs changeSet
	a.do(t, request{method: "GET", path: "/todos/changes", token: bob}).want(t, http.StatusOK).decode(t, &bobs)
	if len(bobs.Items) != 0 {
		t.Errorf("bob's first sync shows %d todos, want none of alice's", len(bobs.Items))
	}
}
