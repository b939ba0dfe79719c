package store

import (
	"errors"
	"strings"
	"testing"

	"github.com/oklog/ulid/v2"

	"github.com/example/serverless-todo/pkg/errkind"
	"github.com/example/serverless-todo/pkg/keys"
)

func FuzzDecodeCursor(f *testing.F) {
	id := ulid.Make().String()
	f.Add("alice", encodeCursor(keys.UserPK("alice"), keys.TodoSK(id)))
	f.Add("alice", encodeCursor(keys.UserPK("bob"), keys.TodoSK(id)))
	f.Add("alice", encodeCursor(keys.UserPK("alice"), keys.IdempotencySK("k")))
	f.Add("alice", "e30")
	f.Add("alice", "!!")
	f.Add("", "")
	f.Fuzz(func(t *testing.T, owner, cursor string) {
		pk := keys.UserPK(owner)
		sk, err := decodeCursor(pk, cursor)
		if err != nil {
			if !errors.Is(err, errkind.ErrInvalidCursor) {
				t.Fatalf("decodeCursor(%q) error %v is not errkind.ErrInvalidCursor", cursor, err)
			}
			return
		}
		id, ok := strings.CutPrefix(sk, keys.TodoPrefix)
		if _, perr := ulid.ParseStrict(id); !ok || perr != nil {
			t.Fatalf("decodeCursor(%q) = %q: not a todo key", cursor, sk)
		}
		if back, err := decodeCursor(pk, encodeCursor(pk, sk)); back != sk || err != nil {
			t.Fatalf("cursor for %q does not decode back: %q, %v", sk, back, err)
		}
	})
}
