package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/oklog/ulid/v2"

	"github.com/example/serverless-todo/internal/local/devauth"
	"github.com/example/serverless-todo/pkg/store"
	"github.com/example/serverless-todo/pkg/todo"
)

// operation is one route of the API as every benchmark exercises it: the
// request it gets, the answer it must give, and the DynamoDB work that
// sdkcall repeats as its floor.
type operation struct {
	// Name is the function's folder under functions/.
	Name string
	// Route is the route key in openapi.yaml; its integration names the
	// function.
	Route string
	// Status is the status every request must get.
	Status int
	// Floor is what sdkcall does for the same DynamoDB work.
	Floor string
	// Share is the operation's part of the realistic mix, in percent: the
	// throughput benchmark sends it, and the cost estimate prices it.
	Share int
}

// operations are the API's routes, each with its workload: a todo of the
// size a phone app writes, read, listed a page of 20 at a time, changed and
// deleted; and a contact message, with the notifier on loopback. Reads
// dominate the mix, as in any todo app.
var operations = []operation{
	{Name: "create", Route: "POST /todos", Status: http.StatusCreated, Floor: "put-todo", Share: 15},
	{Name: "get", Route: "GET /todos/{id}", Status: http.StatusOK, Floor: "get-todo", Share: 25},
	{Name: "list", Route: "GET /todos", Status: http.StatusOK, Floor: "query-todos", Share: 35},
	{Name: "update", Route: "PATCH /todos/{id}", Status: http.StatusOK, Floor: "update-todo", Share: 15},
	{Name: "delete", Route: "DELETE /todos/{id}", Status: http.StatusNoContent, Floor: "delete-todo", Share: 8},
	{Name: "contact", Route: "POST /contact", Status: http.StatusAccepted, Floor: "put-contact", Share: 2},
}

// baselineRoute is the route the gateway sends to a baseline function.
func baselineRoute(name string) string { return "GET /bench/" + name }

// The bodies the workload sends. createBody is the todo sdkcall's put-todo
// writes.
const (
	createBody  = `{"title":"Read the book club pick","notes":"Chapters 3 and 4, before Thursday","dueAt":"2027-03-01T09:00:00Z","tags":["books","evening"]}`
	updateBody  = `{"title":"Read the next pick","done":true}`
	contactBody = `{"name":"Ann Example","email":"ann@example.com","message":"Hello, I would like a demo of the app."}`
)

// The owners whose partitions the workload uses: one per kind of work, so
// that creates and deletes never change the page that list reads. The
// writes go to writers owners of each kind in turn, as the writes of many
// users do: one user's writes take turns (their sequence numbers), and
// concurrent clients all writing as one user would measure that instead.
const (
	createOwner = "bench-create"
	readOwner   = "bench-read"
	listOwner   = "bench-list"
	deleteOwner = "bench-delete"
	updateOwner = "bench-update"
	writers     = 32
)

// writer is the i-th owner of a kind of write.
func writer(kind string, i int64) string { return kind + "-" + strconv.FormatInt(i%writers, 10) }

// deletable is a todo the delete workload may delete, and its owner.
type deletable struct{ owner, id string }

// pageSize is the list workload's page: the API's default.
const pageSize = todo.DefaultPageSize

// fixture is the data the workload needs: a todo to read and change, a full
// page of todos to list, todos to delete, and a token per owner.
type fixture struct {
	table  string
	store  *store.Store
	tokens map[string]string
	readID string

	// updateIDs are the todos the update workload changes, one per
	// update owner.
	updateIDs []string
	writes    atomic.Int64

	mu        sync.Mutex
	deletable []deletable
	next      atomic.Int64

	// contacts counts the contact messages sent, each of which Pushover
	// must get.
	contacts atomic.Int64
}

// newFixture stores the todos the workload reads and lists, and mints the
// owners' tokens.
func newFixture(ctx context.Context, client *dynamodb.Client, table string, issuer *devauth.Issuer) (*fixture, error) {
	f := &fixture{table: table, store: store.New(client, table), tokens: map[string]string{}}
	owners := []string{createOwner, readOwner, listOwner, deleteOwner}
	for i := range int64(writers) {
		owners = append(owners, writer(createOwner, i), writer(updateOwner, i), writer(deleteOwner, i))
	}
	for _, owner := range owners {
		// Longer than any run: an expired token would turn into 401s.
		tok, err := issuer.Mint(devauth.Token{Subject: owner, TTL: 24 * time.Hour})
		if err != nil {
			return nil, err
		}
		f.tokens[owner] = tok
	}
	ids, err := f.put(ctx, readOwner, 1)
	if err != nil {
		return nil, err
	}
	f.readID = ids[0]
	for i := range int64(writers) {
		ids, err := f.put(ctx, writer(updateOwner, i), 1)
		if err != nil {
			return nil, err
		}
		f.updateIDs = append(f.updateIDs, ids[0])
	}
	// One more than a page, so that the page has a next cursor.
	if _, err := f.put(ctx, listOwner, pageSize+1); err != nil {
		return nil, err
	}
	return f, nil
}

// addDeletable stores n more todos for the delete workload, the delete
// owners' in turn, the owners at once.
func (f *fixture) addDeletable(ctx context.Context, n int) error {
	batches := make([][]string, writers)
	errs := make([]error, writers)
	var wg sync.WaitGroup
	for w := range int64(writers) {
		wg.Go(func() { batches[w], errs[w] = f.put(ctx, writer(deleteOwner, w), (n+writers-1)/writers) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := range batches[0] {
		for w, ids := range batches {
			if i < len(ids) {
				f.deletable = append(f.deletable, deletable{writer(deleteOwner, int64(w)), ids[i]})
			}
		}
	}
	return nil
}

// nextDeletable returns a todo that no request has deleted yet.
func (f *fixture) nextDeletable() (deletable, error) {
	i := f.next.Add(1) - 1
	f.mu.Lock()
	defer f.mu.Unlock()
	if i >= int64(len(f.deletable)) {
		return deletable{}, errors.New("bench: the fixture has no todo left to delete")
	}
	return f.deletable[i], nil
}

// put stores n todos of owner, like the one the create workload sends,
// with the store the functions use, a few at a time.
func (f *fixture) put(ctx context.Context, owner string, n int) ([]string, error) {
	due := "2027-03-01T09:00:00Z"
	in := todo.New{Title: "Read the book club pick", Notes: "Chapters 3 and 4, before Thursday", DueAt: &due, Tags: []string{"books", "evening"}}
	ids := make([]string, n)
	for i := range ids {
		ids[i] = ulid.Make().String()
	}
	// One user's writes take their sequence numbers in turn: more
	// writers than one would only make them wait for each other.
	const workers = 1
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < n && errs[w] == nil; i += workers {
				errs[w] = f.store.PutTodo(ctx, owner, in.Todo(ids[i], time.Now()), 0)
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("bench: storing the fixture's todos: %w", err)
	}
	return ids, nil
}

// request returns op's request to the API at base.
func (f *fixture) request(ctx context.Context, base string, op operation) (*http.Request, error) {
	var method, path, owner, body string
	header := http.Header{}
	switch op.Name {
	case "create":
		method, path, owner, body = http.MethodPost, "/todos", writer(createOwner, f.writes.Add(1)), createBody
	case "get":
		method, path, owner = http.MethodGet, "/todos/"+f.readID, readOwner
	case "list":
		method, path, owner = http.MethodGet, "/todos?limit="+strconv.Itoa(pageSize), listOwner
	case "update":
		i := f.writes.Add(1) % writers
		method, path, owner, body = http.MethodPatch, "/todos/"+f.updateIDs[i], writer(updateOwner, i), updateBody
		header.Set("Content-Type", "application/merge-patch+json")
	case "delete":
		d, err := f.nextDeletable()
		if err != nil {
			return nil, err
		}
		method, path, owner = http.MethodDelete, "/todos/"+d.id, d.owner
	case "contact":
		method, path, body = http.MethodPost, "/contact", contactBody
		f.contacts.Add(1)
	default:
		return nil, fmt.Errorf("bench: no workload for %s", op.Name)
	}
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
		if header.Get("Content-Type") == "" {
			header.Set("Content-Type", "application/json")
		}
	}
	req, err := http.NewRequestWithContext(ctx, method, base+path, r)
	if err != nil {
		return nil, err
	}
	req.Header = header
	if owner != "" {
		req.Header.Set("Authorization", "Bearer "+f.tokens[owner])
	}
	return req, nil
}

// floor returns the sdkcall line that does op's DynamoDB work.
func (f *fixture) floor(op operation) (string, error) {
	switch op.Floor {
	case "put-todo":
		return "put-todo " + createOwner, nil
	case "get-todo", "update-todo":
		return op.Floor + " " + readOwner + " " + f.readID, nil
	case "query-todos":
		return "query-todos " + listOwner + " " + strconv.Itoa(pageSize), nil
	case "delete-todo":
		d, err := f.nextDeletable()
		if err != nil {
			return "", err
		}
		return "delete-todo " + d.owner + " " + d.id, nil
	case "put-contact":
		f.contacts.Add(1)
		return "put-contact", nil
	}
	return "", fmt.Errorf("bench: no floor for %s", op.Name)
}

// baselineRequest returns a request to a baseline, with a token as the
// requests to /todos have.
func (f *fixture) baselineRequest(ctx context.Context, base, name string) (*http.Request, error) {
	_, path, _ := strings.Cut(baselineRoute(name), " ")
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+path, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+f.tokens[readOwner])
	return req, nil
}

// mix returns n operations in the shares of the mix, shuffled the same way
// on every run.
func mix(n int) []operation {
	total := 0
	for _, op := range operations {
		total += op.Share
	}
	out := make([]operation, 0, n)
	for i, op := range operations {
		// Each share rounded down, and what that leaves out given to the
		// first: every share is within a few requests of exact.
		k := n * op.Share / total
		if i == 0 {
			k += n
			for _, o := range operations {
				k -= n * o.Share / total
			}
		}
		for range k {
			out = append(out, op)
		}
	}
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

// deletes counts the delete operations among ops.
func deletes(ops []operation) int {
	n := 0
	for _, op := range ops {
		if op.Name == "delete" {
			n++
		}
	}
	return n
}
