package store_test

import (
	"cmp"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/example/serverless-todo/internal/testkit/capacity"
	"github.com/example/serverless-todo/internal/testkit/dbtest"
	"github.com/example/serverless-todo/pkg/store"
	"github.com/example/serverless-todo/pkg/todo"
)

// listForms are the forms of GET /todos: each sort, with and without done.
func listForms() []store.ListQuery {
	yes, no := true, false
	var out []store.ListQuery
	for _, sort := range []store.Sort{store.SortCreatedAt, store.SortDueAt} {
		for _, done := range []*bool{nil, &yes, &no} {
			out = append(out, store.ListQuery{Sort: sort, Done: done})
		}
	}
	return out
}

func formName(q store.ListQuery) string {
	name := "sort=" + cmp.Or(string(q.Sort), "createdAt")
	if q.Done != nil {
		name += fmt.Sprint(" done=", *q.Done)
	}
	return name
}

// expected is what a listing of todos returns, in order: the model the
// tests hold the indexes to.
func expected(todos []todo.Todo, q store.ListQuery) []string {
	var keep []todo.Todo
	for _, td := range todos {
		if q.Done == nil || td.Done == *q.Done {
			keep = append(keep, td)
		}
	}
	newestFirst := func(a, b todo.Todo) int { return cmp.Compare(b.ID, a.ID) }
	if q.Sort == store.SortDueAt {
		slices.SortFunc(keep, func(a, b todo.Todo) int {
			switch {
			case a.DueAt == "" && b.DueAt == "":
				return newestFirst(a, b)
			case a.DueAt == "":
				return 1
			case b.DueAt == "":
				return -1
			}
			ta, _ := time.Parse(time.RFC3339Nano, a.DueAt)
			tb, _ := time.Parse(time.RFC3339Nano, b.DueAt)
			return cmp.Or(ta.Compare(tb), newestFirst(a, b))
		})
	} else {
		slices.SortFunc(keep, newestFirst)
	}
	ids := make([]string, len(keep))
	for i, td := range keep {
		ids[i] = td.ID
	}
	return ids
}

// seedVaried stores n todos for owner: every third done, every fourth
// without a due date, the others due at one of five times given in
// several offsets and precisions, so that due dates tie and compare only
// once normalized.
func seedVaried(t *testing.T, s *store.Store, owner string, n int) []todo.Todo {
	t.Helper()
	base := time.Now()
	due := time.Date(2027, 3, 1, 9, 0, 0, 0, time.UTC)
	zones := []*time.Location{time.UTC, time.FixedZone("", 2*3600), time.FixedZone("", -7*3600-1800)}
	var out []todo.Todo
	for i := range n {
		in := todo.New{Title: fmt.Sprint("todo ", i), Done: i%3 == 0}
		if i%4 != 0 {
			at := due.Add(time.Duration(i%5) * 90 * time.Minute).Add(time.Duration(i%2) * 500 * time.Millisecond).In(zones[i%3])
			s := at.Format(time.RFC3339Nano)
			in.DueAt = &s
		}
		td := in.Todo(ulid.MustNew(ulid.Timestamp(base.Add(time.Duration(i)*time.Millisecond)), ulid.DefaultEntropy()).String(), base)
		if err := s.PutTodo(ctx, owner, td, 0); err != nil {
			t.Fatal(err)
		}
		out = append(out, td)
	}
	return out
}

func listIDs(t *testing.T, s *store.Store, owner string, q store.ListQuery) (ids []string, sizes []int) {
	t.Helper()
	for range 1000 {
		page, err := s.ListTodos(ctx, owner, q)
		if err != nil {
			t.Fatal(err)
		}
		sizes = append(sizes, len(page.Items))
		for _, td := range page.Items {
			ids = append(ids, td.ID)
		}
		if page.NextCursor == "" {
			return ids, sizes
		}
		q.Cursor = page.NextCursor
	}
	t.Fatal("paging did not end")
	return nil, nil
}

func TestEveryListingPagesThroughItsTodosOnceInItsOrder(t *testing.T) {
	tbl := dbtest.NewTable(t)
	s := tbl.Store()
	todos := seedVaried(t, s, "alice", 25)
	seedVaried(t, s, "bob", 6)
	for _, form := range listForms() {
		want := expected(todos, form)
		for _, limit := range []int{1, 4, 8, 25, 100} {
			t.Run(fmt.Sprint(formName(form), " limit ", limit), func(t *testing.T) {
				q := form
				q.Limit = limit
				got, sizes := listIDs(t, s, "alice", q)
				if !slices.Equal(got, want) {
					t.Fatalf("ids = %v\nwant  %v", got, want)
				}
				checkPageSizes(t, sizes, limit, len(want))
			})
		}
	}
}

func TestACursorContinuesOnlyTheListingItCameFrom(t *testing.T) {
	s := dbtest.NewTable(t).Store()
	seedVaried(t, s, "alice", 6)
	for _, from := range listForms() {
		q := from
		q.Limit = 1
		page, err := s.ListTodos(ctx, "alice", q)
		if err != nil || page.NextCursor == "" {
			t.Fatalf("%s: %v, cursor %q", formName(from), err, page.NextCursor)
		}
		for _, to := range listForms() {
			next := to
			next.Limit, next.Cursor = 1, page.NextCursor
			_, err := s.ListTodos(ctx, "alice", next)
			if same := formName(from) == formName(to); same != (err == nil) {
				t.Errorf("a cursor of %s, continued as %s: err = %v", formName(from), formName(to), err)
			}
		}
	}
}

// A todo whose status changes while a listing of one status is paged
// leaves it or joins it at its own place: it never comes twice, and no
// todo that keeps its status is skipped.
func TestAStatusChangeWhilePagingNeverRepeatsOrSkipsATodo(t *testing.T) {
	no := false
	for _, sort := range []store.Sort{store.SortCreatedAt, store.SortDueAt} {
		t.Run(cmp.Or(string(sort), "createdAt"), func(t *testing.T) {
			s := dbtest.NewTable(t).Store()
			todos := seedVaried(t, s, "alice", 18)
			open := expected(todos, store.ListQuery{Sort: sort, Done: &no})
			page, err := s.ListTodos(ctx, "alice", store.ListQuery{Limit: 4, Sort: sort, Done: &no})
			if err != nil || page.NextCursor == "" {
				t.Fatalf("first page: %v", err)
			}
			seen := map[string]int{}
			for _, td := range page.Items {
				seen[td.ID]++
			}
			// Between the pages: a seen todo is done, then open again; an
			// unseen one is done; every done todo is reopened.
			changed := map[string]bool{}
			setDone := func(id string, done bool) {
				p := todo.Patch{Done: set(done)}
				if _, err := s.UpdateTodo(ctx, "alice", id, &p, 0); err != nil {
					t.Fatal(err)
				}
				changed[id] = true
			}
			setDone(page.Items[1].ID, true)
			setDone(page.Items[1].ID, false)
			setDone(open[len(open)-2], true)
			for _, td := range todos {
				if td.Done {
					setDone(td.ID, false)
				}
			}
			rest, _ := listIDs(t, s, "alice", store.ListQuery{Limit: 3, Sort: sort, Done: &no, Cursor: page.NextCursor})
			for _, id := range rest {
				seen[id]++
			}
			for id, n := range seen {
				if n > 1 {
					t.Errorf("todo %s listed %d times", id, n)
				}
			}
			for _, id := range open {
				if !changed[id] && seen[id] != 1 {
					t.Errorf("todo %s, open throughout, listed %d times", id, seen[id])
				}
			}
		})
	}
}

// Every listing reads (and is billed for) its page, whatever else the
// partition holds: the first page of each form costs the same read units
// among 30 done todos as among 300, and no more than the unfiltered first
// page, which reads the page and one todo more.
func TestEveryListingReadsOnlyItsPage(t *testing.T) {
	tbl := dbtest.NewTable(t)
	var meter capacity.Meter
	s := store.New(meter.Client(tbl.Client), tbl.Name)
	for owner, done := range map[string]int{"small": 30, "large": 300} {
		for i := range 20 + done {
			// Todos of one size, so that any page of 21 costs the same.
			d := time.Date(2027, 1, 1+i%28, 0, 0, 0, 0, time.UTC).Format(time.RFC3339)
			in := todo.New{Title: fmt.Sprintf("todo %03d", i), Done: i >= 20, DueAt: &d}
			if err := s.PutTodo(ctx, owner, in.Todo(ulid.Make().String(), time.Now()), 0); err != nil {
				t.Fatal(err)
			}
		}
	}
	var unfiltered float64
	for _, form := range listForms() {
		t.Run(formName(form), func(t *testing.T) {
			q := form
			q.Limit = 20
			units := map[string]float64{}
			for _, owner := range []string{"small", "large"} {
				meter.Take()
				page, err := s.ListTodos(ctx, owner, q)
				if err != nil || len(page.Items) != 20 {
					t.Fatalf("%s: %d todos, %v", owner, len(page.Items), err)
				}
				used := meter.Take()
				if used.Read <= 0 || used.Calls != 1 || used.Write != 0 {
					t.Fatalf("%s: %+v; want one query that reports its read units", owner, used)
				}
				units[owner] = used.Read
			}
			if units["large"] != units["small"] {
				t.Errorf("the first page costs %v read units among 300 done todos, %v among 30: it reads more than the page", units["large"], units["small"])
			}
			if form.Sort == store.SortCreatedAt && form.Done == nil {
				unfiltered = units["large"]
			} else if units["large"] > unfiltered {
				t.Errorf("the first page costs %v read units, the unfiltered first page %v", units["large"], unfiltered)
			}
		})
	}
}
