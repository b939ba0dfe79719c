package e2e

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"slices"
	"strconv"
	"sync"
	"testing"
)

// Clients race for the same todo through real processes: the gateway runs
// up to ten environments of a function at once, each its own process with
// its own DynamoDB connections, so the conditions in DynamoDB's writes are
// all that keeps the outcome right.

func TestConcurrentPatchesWithOneIfMatchHaveOneWinner(t *testing.T) {
	t.Parallel()
	const clients = 50
	a := startAPI(t, nil, nil)
	alice := a.token(t, "alice")
	td := a.create(t, alice, `{"title":"contested"}`)

	type outcome struct {
		status int
		todo   todo
	}
	outcomes := make([]outcome, clients)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range clients {
		wg.Go(func() {
			<-start
			resp := a.do(t, request{method: "PATCH", path: "/todos/" + td.ID, token: alice,
				header: map[string]string{"Content-Type": "application/merge-patch+json", "If-Match": etag(1)},
				body:   fmt.Sprintf(`{"title":"client %02d","tags":["c%02d"]}`, i, i)})
			outcomes[i].status = resp.status
			if resp.status == http.StatusOK {
				resp.decode(t, &outcomes[i].todo)
			}
		})
	}
	close(start)
	wg.Wait()

	statuses := map[int]int{}
	var winner todo
	for _, o := range outcomes {
		statuses[o.status]++
		if o.status == http.StatusOK {
			winner = o.todo
		}
	}
	if statuses[http.StatusOK] != 1 || statuses[http.StatusPreconditionFailed] != clients-1 {
		t.Fatalf("statuses %v, want one 200 and %d 412s", statuses, clients-1)
	}
	var final todo
	a.do(t, request{method: "GET", path: "/todos/" + td.ID, token: alice}).want(t, http.StatusOK).decode(t, &final)
	if final.Version != 2 || final.Title != winner.Title || !slices.Equal(final.Tags, winner.Tags) || final.UpdatedAt != winner.UpdatedAt {
		t.Fatalf("final %+v, want exactly the winner's %+v at version 2", final, winner)
	}
	recordFigures("patches", map[string]any{"clients": clients, "statuses": statuses, "finalVersion": final.Version})
}

func TestConcurrentRetriesOfOneCreateMakeOneTodo(t *testing.T) {
	t.Parallel()
	const clients = 20
	a := startAPI(t, nil, nil)
	alice := a.token(t, "alice")
	resps := make([]response, clients)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range clients {
		wg.Go(func() {
			<-start
			resps[i] = a.do(t, request{method: "POST", path: "/todos", token: alice,
				header: map[string]string{"Idempotency-Key": "one-key-for-all"}, body: `{"title":"once only"}`})
		})
	}
	close(start)
	wg.Wait()

	all := a.listAll(t, alice, "limit=100")
	if n := len(slices.Concat(all...)); n != 1 {
		t.Fatalf("%d todos exist, want 1", n)
	}
	id := all[0][0].ID
	statuses := map[int]int{}
	replays := 0
	for _, resp := range resps {
		statuses[resp.status]++
		switch resp.status {
		case http.StatusCreated:
			var td todo
			resp.decode(t, &td)
			if td.ID != id {
				t.Errorf("a client got todo %s; only %s exists", td.ID, id)
			}
			if resp.header.Get("Idempotent-Replayed") == "true" {
				replays++
			}
		case http.StatusConflict:
			resp.wantProblem(t, http.StatusConflict)
		default:
			t.Errorf("status %d: %s", resp.status, resp.body)
		}
	}
	if statuses[http.StatusCreated]-replays != 1 {
		t.Errorf("%d first responses (not replayed), want 1", statuses[http.StatusCreated]-replays)
	}
	recordFigures("retries", map[string]any{"clients": clients, "statuses": statuses, "replays": replays, "todos": 1})
}

// TestMixedOperationsMatchASequentialModel has clients create, read, change
// and delete their own todos at once, and keeps for each client the model
// of its todos that its acknowledged answers imply. Each client's requests
// follow one another, so the model is exact: at the end the API must hold
// precisely the model's todos, field for field: no update lost, no todo
// twice, no deleted todo back. RELIABILITY_OPS sets the number of
// operations (make soak runs many more).
func TestMixedOperationsMatchASequentialModel(t *testing.T) {
	t.Parallel()
	const clients = 20
	ops := 1000
	if s := os.Getenv("RELIABILITY_OPS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < clients {
			t.Fatalf("RELIABILITY_OPS=%q: want a number of at least %d", s, clients)
		}
		ops = n
	}
	a := startAPI(t, nil, nil)

	var mu sync.Mutex
	statuses := map[string]int{}
	count := func(op string, status int) {
		mu.Lock()
		statuses[fmt.Sprint(op, " ", status)]++
		mu.Unlock()
	}
	var wg sync.WaitGroup
	for c := range clients {
		wg.Go(func() {
			user := fmt.Sprintf("mixed-%02d", c)
			token := a.token(t, user)
			rng := rand.New(rand.NewPCG(uint64(c), 42))
			model := map[string]todo{}
			var deleted []string
			pick := func() (todo, bool) {
				if len(model) == 0 {
					return todo{}, false
				}
				keys := slices.Sorted(func(yield func(string) bool) {
					for k := range model {
						if !yield(k) {
							return
						}
					}
				})
				return model[keys[rng.IntN(len(keys))]], true
			}
			for i := range ops / clients {
				td, have := pick()
				switch n := rng.IntN(10); {
				case n < 3 || !have:
					// Create, sometimes with a key and a retry of it.
					body := fmt.Sprintf(`{"title":"%s #%d","tags":["t%d"]}`, user, i, rng.IntN(5))
					key := ""
					if rng.IntN(2) == 0 {
						key = fmt.Sprintf("%s-%d", user, i)
					}
					tries := 1 + rng.IntN(2)
					var created todo
					for range tries {
						req := request{method: "POST", path: "/todos", token: token, body: body}
						if key != "" {
							req.header = map[string]string{"Idempotency-Key": key}
						}
						resp := a.do(t, req)
						count("create", resp.status)
						resp.want(t, http.StatusCreated).decode(t, &created)
						if key == "" {
							model[created.ID] = created
						}
					}
					model[created.ID] = created
				case n < 5:
					// Read it back.
					var got todo
					resp := a.do(t, request{method: "GET", path: "/todos/" + td.ID, token: token})
					count("get", resp.status)
					resp.want(t, http.StatusOK).decode(t, &got)
					if fmt.Sprint(got) != fmt.Sprint(td) {
						t.Errorf("%s read %+v, the model has %+v", user, got, td)
					}
				case n < 8:
					// Change it, as of its current or a stale version.
					version := td.Version
					stale := td.Version > 1 && rng.IntN(4) == 0
					if stale {
						version--
					}
					resp := a.do(t, request{method: "PATCH", path: "/todos/" + td.ID, token: token,
						header: map[string]string{"Content-Type": "application/merge-patch+json", "If-Match": etag(version)},
						body:   fmt.Sprintf(`{"done":%v,"notes":"change %d"}`, rng.IntN(2) == 0, i)})
					count("update", resp.status)
					if stale {
						resp.wantProblem(t, http.StatusPreconditionFailed)
						break
					}
					var got todo
					resp.want(t, http.StatusOK).decode(t, &got)
					model[td.ID] = got
				case n < 9:
					resp := a.do(t, request{method: "DELETE", path: "/todos/" + td.ID, token: token,
						header: map[string]string{"If-Match": etag(td.Version)}})
					count("delete", resp.status)
					resp.want(t, http.StatusNoContent)
					delete(model, td.ID)
					deleted = append(deleted, td.ID)
				default:
					// Delete it twice: the second finds nothing.
					a.do(t, request{method: "DELETE", path: "/todos/" + td.ID, token: token}).want(t, http.StatusNoContent)
					resp := a.do(t, request{method: "DELETE", path: "/todos/" + td.ID, token: token})
					count("delete", http.StatusNoContent)
					count("delete again", resp.status)
					resp.wantProblem(t, http.StatusNotFound)
					delete(model, td.ID)
					deleted = append(deleted, td.ID)
				}
			}

			var final []todo
			for _, p := range a.listAll(t, token, "limit=37") {
				final = append(final, p...)
			}
			got := map[string]todo{}
			for _, td := range final {
				if _, twice := got[td.ID]; twice {
					t.Errorf("%s: todo %s listed twice", user, td.ID)
				}
				got[td.ID] = td
			}
			for id, want := range model {
				if fmt.Sprint(got[id]) != fmt.Sprint(want) {
					t.Errorf("%s: todo %s is %+v, the model has %+v", user, id, got[id], want)
				}
			}
			for id := range got {
				if _, ok := model[id]; !ok {
					t.Errorf("%s: todo %s exists, the model has none (deleted: %v)", user, id, slices.Contains(deleted, id))
				}
			}
		})
	}
	wg.Wait()
	total := 0
	for _, n := range statuses {
		total += n
	}
	recordFigures("mixed", map[string]any{"clients": clients, "requests": total, "statuses": statuses})
}
