package store

import (
	"errors"
	"strings"
	"testing"

	"github.com/oklog/ulid/v2"

	"github.com/example/serverless-todo/pkg/errkind"
	"github.com/example/serverless-todo/pkg/keys"
	"github.com/example/serverless-todo/pkg/todo"
)

// listQueries are the forms of listing, each with its own cursors.
func listQueries() []ListQuery {
	yes, no := true, false
	var out []ListQuery
	for _, sort := range []Sort{SortCreatedAt, SortDueAt} {
		for _, done := range []*bool{nil, &yes, &no} {
			out = append(out, ListQuery{Sort: sort, Done: done})
		}
	}
	return out
}

func FuzzDecodeCursor(f *testing.F) {
	id := ulid.Make().String()
	t := todo.Todo{ID: id, DueAt: "2026-12-24T18:00:00Z"}
	for form, q := range listQueries() {
		l := listingOf(q)
		pk := keys.UserPK("alice")
		f.Add("alice", uint8(form), encodeCursor(cursor{PK: pk, SK: keys.TodoSK(id), Index: l.index, Key: l.keyOf(t)}))
		f.Add("alice", uint8(form), encodeCursor(cursor{PK: keys.UserPK("bob"), SK: keys.TodoSK(id), Index: l.index, Key: l.keyOf(t)}))
		f.Add("alice", uint8(form), encodeCursor(cursor{PK: pk, SK: keys.TodoSK(id), Index: l.index, Key: l.keyOf(todo.Todo{ID: ulid.Make().String()})}))
		f.Add("alice", uint8(form), encodeCursor(cursor{PK: pk, SK: keys.IdempotencySK("k")}))
	}
	f.Add("alice", uint8(0), "e30")
	f.Add("alice", uint8(1), "!!")
	f.Add("", uint8(2), "")
	forms := listQueries()
	f.Fuzz(func(t *testing.T, owner string, form uint8, s string) {
		pk := keys.UserPK(owner)
		l := listingOf(forms[int(form)%len(forms)])
		c, err := decodeCursor(pk, l, s)
		if err != nil {
			if !errors.Is(err, errkind.ErrInvalidCursor) {
				t.Fatalf("decodeCursor(%q) error %v is not errkind.ErrInvalidCursor", s, err)
			}
			return
		}
		id, ok := strings.CutPrefix(c.SK, keys.TodoPrefix)
		if _, perr := ulid.ParseStrict(id); !ok || perr != nil {
			t.Fatalf("decodeCursor(%q) = %+v: not a todo key", s, c)
		}
		if c.PK != pk || c.Index != l.index || !cursorKeyFits(l, c.Key, id) {
			t.Fatalf("decodeCursor(%q) = %+v: not a position of this listing of %s", s, c, pk)
		}
		if back, err := decodeCursor(pk, l, encodeCursor(c)); back != c || err != nil {
			t.Fatalf("cursor %+v does not decode back: %+v, %v", c, back, err)
		}
	})
}
