package store_test

import (
	"io"
	"net"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/oklog/ulid/v2"

	"github.com/example/serverless-todo/internal/testkit/dbtest"
	"github.com/example/serverless-todo/pkg/store"
)

// countingProxy forwards TCP connections to DynamoDB Local and counts them.
func countingProxy(t *testing.T) (endpoint string, conns *atomic.Int32) {
	t.Helper()
	target := strings.TrimPrefix(dbtest.Endpoint(), "http://")
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	conns = new(atomic.Int32)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			conns.Add(1)
			go func() {
				defer c.Close()
				up, err := net.Dial("tcp", target)
				if err != nil {
					return
				}
				defer up.Close()
				go io.Copy(up, c)
				io.Copy(c, up)
			}()
		}
	}()
	return "http://" + l.Addr().String(), conns
}

func TestOpenWarmsTheConnectionTheFirstRequestUses(t *testing.T) {
	tbl := dbtest.NewTable(t)
	endpoint, conns := countingProxy(t)
	s, err := store.Open(t.Context(), dbtest.Getenv(map[string]string{store.EnvEndpoint: endpoint, store.EnvTable: tbl.Name}))
	if err != nil {
		t.Fatal(err)
	}
	// The warm-up runs in the background; the first call waits for it
	// and uses its connection rather than dial one beside it.
	if _, err := s.GetTodo(t.Context(), "alice", ulid.Make().String()); err == nil {
		t.Fatal("found a todo in an empty table")
	}
	if n := conns.Load(); n != 1 {
		t.Fatalf("after the first request: %d connections, want it to reuse the warm one", n)
	}
}
