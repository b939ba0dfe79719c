package store_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/oklog/ulid/v2"

	"github.com/example/serverless-todo/internal/testkit/dbtest"
	"github.com/example/serverless-todo/pkg/contact"
	"github.com/example/serverless-todo/pkg/errkind"
	"github.com/example/serverless-todo/pkg/keys"
	"github.com/example/serverless-todo/pkg/mergepatch"
	"github.com/example/serverless-todo/pkg/store"
	"github.com/example/serverless-todo/pkg/todo"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

var ctx = context.Background()

func newTodo(title string, now time.Time) todo.Todo {
	n := todo.New{Title: title}
	return n.Todo(ulid.Make().String(), now)
}

func TestPutTodoThenGetTodoReturnsTheSameTodo(t *testing.T) {
	s := dbtest.NewTable(t).Store()
	due := "2027-01-02T03:04:05Z"
	in := todo.New{Title: "Buy milk", Notes: "semi-skimmed", Done: true, DueAt: &due, Tags: []string{"home", "shop"}}
	want := in.Todo(ulid.Make().String(), time.Now())
	if err := s.PutTodo(ctx, "alice", want, 0); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetTodo(ctx, "alice", want.ID)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("got %+v, want %+v", got, want)
	}
}

func TestGetTodoOfAnotherOwnerIsNotFound(t *testing.T) {
	s := dbtest.NewTable(t).Store()
	td := newTodo("secret", time.Now())
	if err := s.PutTodo(ctx, "alice", td, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetTodo(ctx, "bob", td.ID); !errors.Is(err, errkind.ErrNotFound) {
		t.Fatalf("bob reading alice's todo: err = %v, want errkind.ErrNotFound", err)
	}
}

func TestPutTodoNeverReplacesATodo(t *testing.T) {
	s := dbtest.NewTable(t).Store()
	td := newTodo("first", time.Now())
	if err := s.PutTodo(ctx, "alice", td, 0); err != nil {
		t.Fatal(err)
	}
	again := td
	again.Title = "second"
	if err := s.PutTodo(ctx, "alice", again, 0); err == nil {
		t.Fatal("a second put with the same id succeeded")
	}
	got, _ := s.GetTodo(ctx, "alice", td.ID)
	if got.Title != "first" {
		t.Fatalf("title = %q, want the first todo kept", got.Title)
	}
}

func set[T any](v T) mergepatch.Field[T] { return mergepatch.Field[T]{Set: true, Value: v} }
func null[T any]() mergepatch.Field[T]   { return mergepatch.Field[T]{Set: true, Null: true} }

func TestUpdateTodo(t *testing.T) {
	due := "2027-01-02T03:04:05+02:00"
	full := todo.New{Title: "t", Notes: "n", DueAt: &due, Tags: []string{"a"}}
	tests := []struct {
		name  string
		patch todo.Patch
		check func(t *testing.T, got todo.Todo)
	}{
		{"sets the title", todo.Patch{Title: set("new title")}, func(t *testing.T, got todo.Todo) {
			if got.Title != "new title" || got.Notes != "n" {
				t.Errorf("got %+v", got)
			}
		}},
		{"sets done", todo.Patch{Done: set(true)}, func(t *testing.T, got todo.Todo) {
			if !got.Done {
				t.Errorf("done = false")
			}
		}},
		{"null removes notes, dueAt and tags", todo.Patch{Notes: null[string](), DueAt: null[string](), Tags: null[[]string]()}, func(t *testing.T, got todo.Todo) {
			if got.Notes != "" || got.DueAt != "" || got.Tags != nil {
				t.Errorf("got %+v, want notes, dueAt, tags removed", got)
			}
		}},
		{"empty notes and tags are removed", todo.Patch{Notes: set(""), Tags: set([]string{})}, func(t *testing.T, got todo.Todo) {
			if got.Notes != "" || got.Tags != nil {
				t.Errorf("got %+v", got)
			}
		}},
		{"dueAt is stored in UTC", todo.Patch{DueAt: set("2030-06-01T12:00:00-05:00")}, func(t *testing.T, got todo.Todo) {
			if got.DueAt != "2030-06-01T17:00:00Z" {
				t.Errorf("dueAt = %q", got.DueAt)
			}
		}},
		{"tags are replaced whole", todo.Patch{Tags: set([]string{"x", "y"})}, func(t *testing.T, got todo.Todo) {
			if !slices.Equal(got.Tags, []string{"x", "y"}) {
				t.Errorf("tags = %q", got.Tags)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			created := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
			s := dbtest.NewTable(t).Store()
			td := full.Todo(ulid.Make().String(), created)
			if err := s.PutTodo(ctx, "alice", td, 0); err != nil {
				t.Fatal(err)
			}
			later := created.Add(time.Hour)
			got, err := s.WithClock(func() time.Time { return later }).UpdateTodo(ctx, "alice", td.ID, &tt.patch, 1)
			if err != nil {
				t.Fatal(err)
			}
			if got.Version != 2 || got.UpdatedAt != todo.Timestamp(later) || got.CreatedAt != td.CreatedAt || got.ID != td.ID {
				t.Errorf("got version %d updatedAt %s createdAt %s id %s; want 2, %s, %s, %s",
					got.Version, got.UpdatedAt, got.CreatedAt, got.ID, todo.Timestamp(later), td.CreatedAt, td.ID)
			}
			tt.check(t, got)
			stored, err := s.GetTodo(ctx, "alice", td.ID)
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(stored) != fmt.Sprint(got) {
				t.Errorf("stored %+v, returned %+v", stored, got)
			}
		})
	}
}

func TestUpdateTodoRefusesAWrongVersionAndChangesNothing(t *testing.T) {
	s := dbtest.NewTable(t).Store()
	td := newTodo("t", time.Now())
	if err := s.PutTodo(ctx, "alice", td, 0); err != nil {
		t.Fatal(err)
	}
	p := todo.Patch{Title: set("changed")}
	if _, err := s.UpdateTodo(ctx, "alice", td.ID, &p, 7); !errors.Is(err, errkind.ErrVersionMismatch) {
		t.Fatalf("err = %v, want errkind.ErrVersionMismatch", err)
	}
	got, _ := s.GetTodo(ctx, "alice", td.ID)
	if got.Title != "t" || got.Version != 1 {
		t.Fatalf("todo changed: %+v", got)
	}
}

func TestUpdateTodoNeverCreatesATodo(t *testing.T) {
	tbl := dbtest.NewTable(t)
	s := tbl.Store()
	p := todo.Patch{Title: set("ghost")}
	for _, version := range []int64{0, 1} {
		if _, err := s.UpdateTodo(ctx, "alice", ulid.Make().String(), &p, version); !errors.Is(err, errkind.ErrNotFound) {
			t.Fatalf("version %d: err = %v, want errkind.ErrNotFound", version, err)
		}
	}
	if items := tbl.Items(t); len(items) != 0 {
		t.Fatalf("update of a missing todo wrote %d items", len(items))
	}
}

func TestDeleteTodo(t *testing.T) {
	tests := []struct {
		name      string
		owner     string
		version   int64
		wantErr   error
		wantStays bool
	}{
		{"deletes without a version", "alice", 0, nil, false},
		{"deletes at the current version", "alice", 1, nil, false},
		{"refuses another version", "alice", 2, errkind.ErrVersionMismatch, true},
		{"another owner's todo is not found", "bob", 0, errkind.ErrNotFound, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := dbtest.NewTable(t).Store()
			td := newTodo("t", time.Now())
			if err := s.PutTodo(ctx, "alice", td, 0); err != nil {
				t.Fatal(err)
			}
			if _, err := s.DeleteTodo(ctx, tt.owner, td.ID, tt.version); !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			_, err := s.GetTodo(ctx, "alice", td.ID)
			if stays := err == nil; stays != tt.wantStays {
				t.Fatalf("todo still there = %v, want %v (get err %v)", stays, tt.wantStays, err)
			}
		})
	}
	t.Run("a missing todo is not found", func(t *testing.T) {
		s := dbtest.NewTable(t).Store()
		if _, err := s.DeleteTodo(ctx, "alice", ulid.Make().String(), 0); !errors.Is(err, errkind.ErrNotFound) {
			t.Fatalf("err = %v, want errkind.ErrNotFound", err)
		}
	})
}

// seed stores n todos for owner, every third one done, and returns their ids
// newest first.
func seed(t *testing.T, s *store.Store, owner string, n int) (ids []string, done map[string]bool) {
	t.Helper()
	done = map[string]bool{}
	base := time.Now()
	for i := range n {
		in := todo.New{Title: fmt.Sprint("todo ", i), Done: i%3 == 0}
		td := in.Todo(ulid.MustNew(ulid.Timestamp(base.Add(time.Duration(i)*time.Millisecond)), ulid.DefaultEntropy()).String(), base)
		if err := s.PutTodo(ctx, owner, td, 0); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, td.ID)
		done[td.ID] = td.Done
	}
	slices.Reverse(ids)
	return ids, done
}

// listAll pages through owner's todos and returns the ids in order and the
// size of each page.
func listAll(t *testing.T, s *store.Store, owner string, limit int, doneFilter *bool) (ids []string, sizes []int) {
	t.Helper()
	return listIDs(t, s, owner, store.ListQuery{Limit: limit, Done: doneFilter})
}

func TestListTodosPagesThroughEveryTodoOnceNewestFirst(t *testing.T) {
	tbl := dbtest.NewTable(t)
	s := tbl.Store()
	want, done := seed(t, s, "alice", 23)
	seed(t, s, "bob", 5)
	// A todo created with an Idempotency-Key leaves a record in alice's
	// partition beside it; the record must never be listed.
	keyed := newTodo("via key", time.Now())
	keyed.ID = ulid.MustNew(ulid.Timestamp(time.Now().Add(time.Hour)), ulid.DefaultEntropy()).String()
	if _, err := s.PutTodoOnce(ctx, "alice", keyed, store.Idempotency{Key: "k", RequestHash: "h", Response: store.SavedResponse{Status: 201}}, 0); err != nil {
		t.Fatal(err)
	}
	want = append([]string{keyed.ID}, want...)
	wantDone := slices.DeleteFunc(slices.Clone(want), func(id string) bool { return !done[id] })
	yes := true
	for _, limit := range []int{1, 2, 5, 7, 8, 23, 24, 25, 100} {
		t.Run(fmt.Sprint("limit ", limit), func(t *testing.T) {
			got, sizes := listAll(t, s, "alice", limit, nil)
			if !slices.Equal(got, want) {
				t.Fatalf("ids = %v\nwant  %v", got, want)
			}
			checkPageSizes(t, sizes, limit, len(want))
			gotDone, sizes := listAll(t, s, "alice", limit, &yes)
			if !slices.Equal(gotDone, wantDone) {
				t.Fatalf("done ids = %v\nwant       %v", gotDone, wantDone)
			}
			checkPageSizes(t, sizes, limit, len(wantDone))
		})
	}
}

// checkPageSizes checks that every page but the last is full and that the
// last page is not empty unless there is nothing at all.
func checkPageSizes(t *testing.T, sizes []int, limit, total int) {
	t.Helper()
	wantPages := max(1, (total+limit-1)/limit)
	if len(sizes) != wantPages {
		t.Fatalf("%d pages (%v), want %d", len(sizes), sizes, wantPages)
	}
	for i, n := range sizes[:len(sizes)-1] {
		if n != limit {
			t.Fatalf("page %d has %d items, want %d", i, n, limit)
		}
	}
}

func TestListTodosRefusesCursorsItDidNotMakeForTheCaller(t *testing.T) {
	s := dbtest.NewTable(t).Store()
	seed(t, s, "bob", 3)
	page, err := s.ListTodos(ctx, "bob", store.ListQuery{Limit: 1})
	if err != nil || page.NextCursor == "" {
		t.Fatalf("bob's first page: %v, cursor %q", err, page.NextCursor)
	}
	for _, c := range []string{
		page.NextCursor, // bob's cursor, used by alice
		"not base64!",
		"e30", // {}
		"eyJwayI6IlVTRVIjYWxpY2UiLCJzayI6IklERU1QT1RFTkNZI2sifQ",   // alice's idempotency record
		"eyJwayI6IlVTRVIjYWxpY2UiLCJzayI6IlRPRE8jbm90LWEtdWxpZCJ9", // a todo key without a ULID
	} {
		if _, err := s.ListTodos(ctx, "alice", store.ListQuery{Limit: 10, Cursor: c}); !errors.Is(err, errkind.ErrInvalidCursor) {
			t.Errorf("cursor %q: err = %v, want errkind.ErrInvalidCursor", c, err)
		}
	}
}

func TestListTodosOfAnEmptyPartitionIsOneEmptyPage(t *testing.T) {
	s := dbtest.NewTable(t).Store()
	page, err := s.ListTodos(ctx, "nobody", store.ListQuery{Limit: 20})
	if err != nil || len(page.Items) != 0 || page.NextCursor != "" {
		t.Fatalf("page = %+v, err = %v", page, err)
	}
}

func TestPutTodoOnce(t *testing.T) {
	saved := store.SavedResponse{Status: 201, Headers: map[string]string{"ETag": `"1"`}, Body: `{"id":"x"}`}
	idem := store.Idempotency{Key: "key-1", RequestHash: "hash-a", Response: saved}
	// Now, not a fixed date: DynamoDB Local deletes items whose TTL
	// attribute is in the past, as DynamoDB does, and would sweep a record
	// that a fixed date had made expire already.
	start := time.Now().UTC().Truncate(time.Second)
	at := func(d time.Duration) func() time.Time { return func() time.Time { return start.Add(d) } }

	t.Run("a retry with the same body replays and writes nothing", func(t *testing.T) {
		tbl := dbtest.NewTable(t)
		s := tbl.Store().WithClock(at(0))
		if replay, err := s.PutTodoOnce(ctx, "alice", newTodo("a", start), idem, 0); err != nil || replay != nil {
			t.Fatalf("first: replay %v, err %v", replay, err)
		}
		before := len(records(t, tbl))
		replay, err := s.WithClock(at(23*time.Hour)).PutTodoOnce(ctx, "alice", newTodo("a", start), idem, 0)
		if err != nil || replay == nil || fmt.Sprint(*replay) != fmt.Sprint(saved) {
			t.Fatalf("retry: replay %+v, err %v; want %+v", replay, err, saved)
		}
		if after := len(records(t, tbl)); after != before || before != 2 {
			t.Fatalf("items before retry %d, after %d; want 2 and 2 (todo and record)", before, after)
		}
	})
	t.Run("the same key with another body is refused", func(t *testing.T) {
		tbl := dbtest.NewTable(t)
		s := tbl.Store().WithClock(at(0))
		if _, err := s.PutTodoOnce(ctx, "alice", newTodo("a", start), idem, 0); err != nil {
			t.Fatal(err)
		}
		other := idem
		other.RequestHash = "hash-b"
		if _, err := s.PutTodoOnce(ctx, "alice", newTodo("b", start), other, 0); !errors.Is(err, errkind.ErrIdempotencyKeyReused) {
			t.Fatalf("err = %v, want errkind.ErrIdempotencyKeyReused", err)
		}
		if n := len(records(t, tbl)); n != 2 {
			t.Fatalf("%d items, want 2", n)
		}
	})
	t.Run("keys are per owner", func(t *testing.T) {
		tbl := dbtest.NewTable(t)
		s := tbl.Store()
		if _, err := s.PutTodoOnce(ctx, "alice", newTodo("a", start), idem, 0); err != nil {
			t.Fatal(err)
		}
		if replay, err := s.PutTodoOnce(ctx, "bob", newTodo("a", start), idem, 0); err != nil || replay != nil {
			t.Fatalf("bob with alice's key: replay %v, err %v; want a fresh create", replay, err)
		}
	})
	t.Run("a key is free again after 24 hours", func(t *testing.T) {
		tbl := dbtest.NewTable(t)
		s := tbl.Store().WithClock(at(0))
		if _, err := s.PutTodoOnce(ctx, "alice", newTodo("a", start), idem, 0); err != nil {
			t.Fatal(err)
		}
		replay, err := s.WithClock(at(24*time.Hour+time.Second)).PutTodoOnce(ctx, "alice", newTodo("a", start), idem, 0)
		if err != nil || replay != nil {
			t.Fatalf("after 24 h: replay %v, err %v; want a fresh create", replay, err)
		}
		if n := len(records(t, tbl)); n != 3 {
			t.Fatalf("%d items, want 3 (two todos, one record)", n)
		}
	})
	t.Run("a pending key is in flight until its lock expires", func(t *testing.T) {
		tbl := dbtest.NewTable(t)
		s := tbl.Store().WithClock(at(0))
		putPending(t, tbl, "alice", idem.Key, idem.RequestHash, start.Add(10*time.Second))
		if _, err := s.PutTodoOnce(ctx, "alice", newTodo("a", start), idem, 0); !errors.Is(err, errkind.ErrIdempotencyInFlight) {
			t.Fatalf("err = %v, want errkind.ErrIdempotencyInFlight", err)
		}
		// A holder that died leaves its lock; after it, a retry with the
		// same body takes over, and one with another body is still refused.
		other := idem
		other.RequestHash = "hash-b"
		late := s.WithClock(at(11 * time.Second))
		if _, err := late.PutTodoOnce(ctx, "alice", newTodo("b", start), other, 0); !errors.Is(err, errkind.ErrIdempotencyKeyReused) {
			t.Fatalf("other body after the lock: err = %v, want errkind.ErrIdempotencyKeyReused", err)
		}
		if replay, err := late.PutTodoOnce(ctx, "alice", newTodo("a", start), idem, 0); err != nil || replay != nil {
			t.Fatalf("same body after the lock: replay %v, err %v; want a create", replay, err)
		}
		if n := len(records(t, tbl)); n != 2 {
			t.Fatalf("%d items, want 2", n)
		}
	})
	t.Run("a failed write releases the key", func(t *testing.T) {
		tbl := dbtest.NewTable(t)
		s := tbl.Store()
		td := newTodo("a", start)
		if err := s.PutTodo(ctx, "alice", td, 0); err != nil {
			t.Fatal(err)
		}
		// The same id again makes the transaction fail on the todo.
		if _, err := s.PutTodoOnce(ctx, "alice", td, idem, 0); err == nil {
			t.Fatal("transaction with a duplicate id succeeded")
		}
		if n := len(records(t, tbl)); n != 1 {
			t.Fatalf("%d items, want only the first todo (key released)", n)
		}
		if replay, err := s.PutTodoOnce(ctx, "alice", newTodo("a", start), idem, 0); err != nil || replay != nil {
			t.Fatalf("retry after release: replay %v, err %v", replay, err)
		}
	})
}

// putPending writes the record a request holding key leaves while in flight.
func putPending(t *testing.T, tbl *dbtest.Table, owner, key, hash string, lockUntil time.Time) {
	t.Helper()
	_, err := tbl.Client.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String(tbl.Name),
		Item: map[string]types.AttributeValue{
			"PK":            &types.AttributeValueMemberS{Value: keys.UserPK(owner)},
			"SK":            &types.AttributeValueMemberS{Value: keys.IdempotencySK(key)},
			"type":          &types.AttributeValueMemberS{Value: "idempotency"},
			"state":         &types.AttributeValueMemberS{Value: "pending"},
			"requestHash":   &types.AttributeValueMemberS{Value: hash},
			"lockToken":     &types.AttributeValueMemberS{Value: "someone-else"},
			"lockExpiresAt": &types.AttributeValueMemberN{Value: fmt.Sprint(lockUntil.UnixMilli())},
			"expiresAt":     &types.AttributeValueMemberN{Value: fmt.Sprint(lockUntil.Add(24 * time.Hour).Unix())},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestContactMessages(t *testing.T) {
	tbl := dbtest.NewTable(t)
	s := tbl.Store()
	now := time.Now().UTC()
	m := contact.Message{ID: ulid.Make().String(), Name: "Ann", Email: "ann@example.com", Message: "Hi", CreatedAt: now, SenderHash: "s1", ExpiresAt: now.Add(time.Hour).Unix()}
	if err := s.PutContact(ctx, m, store.ContactLimit{Sender: "s1", PerHour: 5}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetContactNotified(ctx, m.ID, false, "pushover: HTTP 500"); err != nil {
		t.Fatal(err)
	}
	items := tbl.Items(t)
	if len(items) != 2 {
		t.Fatalf("%d items, want the message and its sender's count", len(items))
	}
	byPK := map[string]map[string]types.AttributeValue{}
	for _, it := range items {
		byPK[it["PK"].(*types.AttributeValueMemberS).Value] = it
	}
	limit := byPK["CONTACTLIMIT#s1"]
	hour := now.Truncate(time.Hour)
	if limit == nil || limit["SK"].(*types.AttributeValueMemberS).Value != keys.ContactLimitSK(hour) ||
		limit["count"].(*types.AttributeValueMemberN).Value != "1" ||
		limit["expiresAt"].(*types.AttributeValueMemberN).Value != strconv.FormatInt(hour.Add(2*time.Hour).Unix(), 10) {
		t.Errorf("the sender's count is %v, want 1 for this hour, expiring an hour after it", limit)
	}
	item := byPK["CONTACT#"+m.ID]
	if pk := item["PK"].(*types.AttributeValueMemberS).Value; pk != "CONTACT#"+m.ID {
		t.Errorf("PK = %q", pk)
	}
	if n := item["notified"].(*types.AttributeValueMemberBOOL).Value; n {
		t.Errorf("notified = true")
	}
	if e := item["notifyError"].(*types.AttributeValueMemberS).Value; e != "pushover: HTTP 500" {
		t.Errorf("notifyError = %q", e)
	}
	if err := s.SetContactNotified(ctx, ulid.Make().String(), true, ""); !errors.Is(err, errkind.ErrNotFound) {
		t.Errorf("marking a missing message: err = %v, want errkind.ErrNotFound", err)
	}
	if n := len(records(t, tbl)); n != 2 {
		t.Errorf("marking a missing message created an item")
	}
}

func TestUnreachableDynamoDBIsUnavailable(t *testing.T) {
	getenv := dbtest.Getenv(map[string]string{store.EnvEndpoint: "http://127.0.0.1:1", store.EnvTable: "t"})
	s, err := store.Open(ctx, getenv)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetTodo(ctx, "alice", ulid.Make().String()); !errors.Is(err, errkind.ErrUnavailable) {
		t.Fatalf("err = %v, want errkind.ErrUnavailable", err)
	}
}

func TestExpiredContextIsUnavailable(t *testing.T) {
	s := dbtest.NewTable(t).Store()
	c, cancel := context.WithTimeout(ctx, 0)
	defer cancel()
	if _, err := s.GetTodo(c, "alice", ulid.Make().String()); !errors.Is(err, errkind.ErrUnavailable) {
		t.Fatalf("err = %v, want errkind.ErrUnavailable", err)
	}
}

// records returns the table's items but the users' counters: what the
// writes under test store.
func records(t *testing.T, tbl *dbtest.Table) []map[string]types.AttributeValue {
	t.Helper()
	var out []map[string]types.AttributeValue
	for _, item := range tbl.Items(t) {
		if sk, _ := item["SK"].(*types.AttributeValueMemberS); sk == nil || sk.Value != keys.CountersSK {
			out = append(out, item)
		}
	}
	return out
}

// todoCount returns owner's count of todos, -1 when it has none.
func todoCount(t *testing.T, tbl *dbtest.Table, owner string) int {
	t.Helper()
	for _, item := range tbl.Items(t) {
		pk, _ := item["PK"].(*types.AttributeValueMemberS)
		sk, _ := item["SK"].(*types.AttributeValueMemberS)
		if pk != nil && sk != nil && pk.Value == keys.UserPK(owner) && sk.Value == keys.CountersSK {
			n, err := strconv.Atoi(item["todos"].(*types.AttributeValueMemberN).Value)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	return -1
}
