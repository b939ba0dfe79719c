// Package mototest gives a test package moto_server, for the AWS services
// DynamoDB Local does not cover (Secrets Manager): started once per test
// binary, on first use, and stopped by Stop or with the test process. A
// missing moto_server fails the test, never skips it.
package mototest

import (
	"context"
	"sync"
	"testing"

	"github.com/example/serverless-todo/internal/local/moto"
)

var (
	once   sync.Once
	server *moto.Server
	err    error
)

// Endpoint returns the base URL of the test binary's moto_server,
// starting it on first use.
func Endpoint(tb testing.TB) string {
	tb.Helper()
	once.Do(func() { server, err = moto.Start(context.Background(), moto.Options{}) })
	if err != nil {
		tb.Fatalf("mototest: cannot start moto_server (%s): %v", moto.Install, err)
	}
	return server.Endpoint
}

// Stop ends the moto_server Endpoint started, if any; call it from
// TestMain after the tests.
func Stop() {
	if server != nil {
		server.Stop()
	}
}
