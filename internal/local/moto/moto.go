// Package moto starts and stops moto's server mode (moto_server), the
// open-source implementation of AWS service APIs that the local stack runs
// for the services DynamoDB Local does not cover: Secrets Manager and SQS.
// Its SQS keeps a queue's redrive policy: a message received
// maxReceiveCount times moves to the dead-letter queue when it would be
// received once more, as in SQS. Queue URLs are <endpoint>/<account>/<name>,
// and it finds a queue by the name at the end of any URL it is given.
// It serves their real wire protocols on a loopback port, so the functions
// reach it through the AWS SDK, by the same code as in AWS, with only the
// endpoint changed.
package moto

import (
	"context"
	"errors"
	"io"
	"os/exec"
	"strconv"
	"time"

	"github.com/example/serverless-todo/internal/local/emulator"
)

// Install says how to get moto_server.
const Install = "install moto with its server: pip install 'moto[server]'"

// Options configures Start; the zero value serves on a free loopback port.
type Options struct {
	// Port to listen on; 0 picks a free one.
	Port int
	// Log receives moto's own output; nil discards it.
	Log io.Writer
	// StartTimeout bounds the wait for the first answer; 0 means 60 s.
	StartTimeout time.Duration
}

// Server is a running moto_server: its Endpoint is the base URL to give
// the AWS SDK for every service it emulates, and Stop ends it. Its state
// is in memory only.
type Server struct {
	*emulator.Process
}

// Start runs moto_server on 127.0.0.1 and returns once it answers. It
// needs moto_server on the PATH; its absence is an error, never a reason
// to run without it.
func Start(ctx context.Context, opts Options) (*Server, error) {
	bin, err := exec.LookPath("moto_server")
	if err != nil {
		return nil, errors.New("moto: moto_server not found on PATH: " + Install)
	}
	port := opts.Port
	if port == 0 {
		if port, err = emulator.FreePort(); err != nil {
			return nil, err
		}
	}
	p, err := emulator.Start(ctx, emulator.Spec{
		Name:         "moto",
		Command:      bin,
		Args:         []string{"-H", "127.0.0.1", "-p", strconv.Itoa(port)},
		Port:         port,
		Log:          opts.Log,
		StartTimeout: opts.StartTimeout,
	})
	if err != nil {
		return nil, err
	}
	return &Server{p}, nil
}
