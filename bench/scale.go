package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/oklog/ulid/v2"

	"github.com/example/serverless-todo/internal/local/devauth"
	"github.com/example/serverless-todo/internal/testkit/capacity"
	"github.com/example/serverless-todo/pkg/store"
	"github.com/example/serverless-todo/pkg/todo"
)

// Scale is the listing benchmark's partition: a user who keeps their done
// todos, as users do, so that only a few of many are open.
const (
	scaleOwner   = "bench-scale"
	scaleTodos   = 4000
	scaleOpen    = 20
	scaleChanges = 10
)

// listForm is one form of listing that the scale benchmark times.
type listForm struct {
	Name string
	// Path is its request; the first form is the baseline of the others.
	Path string
	// Query is the same read through the store, for its read units.
	Query     func(ctx context.Context, s *store.Store) error
	Latencies []time.Duration
	ReadUnits float64
}

// scale is what each form of listing took among scaleTodos todos.
type scale struct {
	Todos, Open, Changes, Rounds int
	Forms                        []*listForm
}

// measureScale stores scaleTodos todos for one user, scaleOpen of them
// open and each with a due date, and times the first page of each form of
// GET /todos, and a sync after scaleChanges changes, through the gateway,
// the forms taking turns in every round; then it reads each once through
// a store that meters its read units.
func measureScale(ctx context.Context, l *lab, client *dynamodb.Client, table string, issuer *devauth.Issuer, rounds int, progress io.Writer) (*scale, error) {
	fmt.Fprintf(progress, "scale: %d todos for one user, %d of them open\n", scaleTodos, scaleOpen)
	s := store.New(client, table)
	base := time.Now().Add(-time.Hour)
	var ids []string
	for i := range scaleTodos {
		// One user's writes take turns (their sequence numbers), so they
		// are stored one at a time.
		due := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i%500) * time.Hour).Format(time.RFC3339)
		in := todo.New{Title: fmt.Sprintf("Todo %04d", i), Notes: "Kept after it was done", DueAt: &due, Done: i%(scaleTodos/scaleOpen) != 0}
		id := ulid.MustNew(ulid.Timestamp(base.Add(time.Duration(i)*time.Millisecond)), ulid.DefaultEntropy()).String()
		if err := s.PutTodo(ctx, scaleOwner, in.Todo(id, base), 0); err != nil {
			return nil, fmt.Errorf("bench: scale fixture: %w", err)
		}
		ids = append(ids, id)
	}
	token := ""
	for {
		cs, err := s.Changes(ctx, scaleOwner, token, 100)
		if err != nil {
			return nil, err
		}
		if token = cs.Token; !cs.HasMore {
			break
		}
	}
	for _, id := range ids[:scaleChanges] {
		p := todo.Patch{}
		p.Notes.Set, p.Notes.Value = true, "Changed while the phone was offline"
		if _, err := s.UpdateTodo(ctx, scaleOwner, id, &p, 0); err != nil {
			return nil, err
		}
	}
	no := false
	page := func(q store.ListQuery) func(context.Context, *store.Store) error {
		q.Limit = pageSize
		return func(ctx context.Context, s *store.Store) error {
			_, err := s.ListTodos(ctx, scaleOwner, q)
			return err
		}
	}
	forms := []*listForm{
		{Name: "first page, unfiltered (the baseline)", Path: "/todos?limit=20", Query: page(store.ListQuery{})},
		{Name: "first page, `done=false`", Path: "/todos?limit=20&done=false", Query: page(store.ListQuery{Done: &no})},
		{Name: "first page, `sort=dueAt`", Path: "/todos?limit=20&sort=dueAt", Query: page(store.ListQuery{Sort: store.SortDueAt})},
		{Name: "first page, `sort=dueAt&done=false`", Path: "/todos?limit=20&sort=dueAt&done=false", Query: page(store.ListQuery{Sort: store.SortDueAt, Done: &no})},
		{Name: fmt.Sprintf("sync after %d changes", scaleChanges), Path: "/todos/changes?since=" + url.QueryEscape(token), Query: func(ctx context.Context, s *store.Store) error {
			cs, err := s.Changes(ctx, scaleOwner, token, 100)
			if err == nil && len(cs.Items) != scaleChanges {
				err = fmt.Errorf("bench: the sync returned %d changes, want %d", len(cs.Items), scaleChanges)
			}
			return err
		}},
	}
	tok, err := issuer.Mint(devauth.Token{Subject: scaleOwner, TTL: time.Hour})
	if err != nil {
		return nil, err
	}
	a, err := l.serve(nil, newLogMeter())
	if err != nil {
		return nil, err
	}
	defer a.Close()
	c := newClient()
	fmt.Fprintf(progress, "scale: %d rounds of %d forms, after 5 rounds of warm-up\n", rounds, len(forms))
	for round := range rounds + 5 {
		for _, f := range forms {
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, a.URL+f.Path, nil)
			if err != nil {
				return nil, err
			}
			req.Header.Set("Authorization", "Bearer "+tok)
			took, err := send(c, req, http.StatusOK)
			if err != nil {
				return nil, err
			}
			if round >= 5 {
				f.Latencies = append(f.Latencies, took)
			}
		}
	}
	var meter capacity.Meter
	metered := store.New(meter.Client(client), table)
	for _, f := range forms {
		meter.Take()
		if err := f.Query(ctx, metered); err != nil {
			return nil, err
		}
		f.ReadUnits = meter.Take().Read
	}
	return &scale{Todos: scaleTodos, Open: scaleOpen, Changes: scaleChanges, Rounds: rounds, Forms: forms}, nil
}

// scaleTarget is the most a form may take beside the unfiltered first
// page.
const scaleTarget = 1.5

func (r *results) scaleTable(b *bytes.Buffer) {
	sc := r.Scale
	fmt.Fprintf(b, "\n### 7. Lists and sync at scale\n\nOne user with %d todos, %d of them open, each with a due date; %d rounds, each sending every form once in turn through the gateway, after 5 rounds of warm-up; the sync is from a token taken before %d todos changed. Read units are DynamoDB Local's `ConsumedCapacity` for the same reads through the store (the sync's include its read of the user's counters). Target: each form at most %.1f× the unfiltered first page.\n\n",
		sc.Todos, sc.Open, sc.Rounds, sc.Changes, scaleTarget)
	b.WriteString("| Request | p50 | p99 | × unfiltered (p50) | Target | Read units |\n")
	b.WriteString("|---|--:|--:|--:|---|--:|\n")
	baseline := median(sc.Forms[0].Latencies)
	for i, f := range sc.Forms {
		x := ratio(median(f.Latencies), baseline)
		target := verdict(x, scaleTarget)
		if i == 0 {
			target = "baseline"
		}
		fmt.Fprintf(b, "| %s | %s | %s | %.2f | %s | %g |\n", f.Name, ms(median(f.Latencies)), ms(percentile(f.Latencies, 99)), x, target, f.ReadUnits)
	}
}
