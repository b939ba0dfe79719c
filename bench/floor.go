package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/example/serverless-todo/pkg/store"
)

// floorProgram is sdkcall running: the floor of a request, the SDK alone
// doing a route's DynamoDB work, in a process of its own like a function.
type floorProgram struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stdout *bufio.Scanner
	stderr strings.Builder
}

// startFloor starts sdkcall with only the environment it needs: the table,
// the DynamoDB, the Region and the notifier's endpoint. Without HOME, the
// SDK reads no profile of the developer's.
func startFloor(ctx context.Context, path, table, endpoint, pushover string) (*floorProgram, error) {
	p := &floorProgram{cmd: exec.CommandContext(ctx, path)}
	p.cmd.Env = []string{
		"TABLE_NAME=" + table,
		store.EnvEndpoint + "=" + endpoint,
		"AWS_REGION=us-east-1",
		// As the local Lambda service gives the functions.
		"AWS_ACCESS_KEY_ID=local",
		"AWS_SECRET_ACCESS_KEY=local",
		"PUSHOVER_API_URL=" + pushover,
	}
	p.cmd.Stderr = &p.stderr
	var err error
	if p.stdin, err = p.cmd.StdinPipe(); err != nil {
		return nil, err
	}
	out, err := p.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	p.stdout = bufio.NewScanner(out)
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("bench: start sdkcall: %w", err)
	}
	return p, nil
}

// floorResult is what sdkcall measured of one operation: the time around
// its SDK calls, and the read and write units DynamoDB said they consumed.
type floorResult struct {
	Took                  time.Duration
	ReadUnits, WriteUnits float64
}

// do runs one operation.
func (p *floorProgram) do(line string) (floorResult, error) {
	if _, err := io.WriteString(p.stdin, line+"\n"); err != nil {
		return floorResult{}, fmt.Errorf("bench: sdkcall: %w", err)
	}
	if !p.stdout.Scan() {
		// Its error output is Close's to report, once it has ended.
		return floorResult{}, fmt.Errorf("bench: sdkcall ended early: %v", p.stdout.Err())
	}
	return parseFloorAnswer(p.stdout.Text())
}

// parseFloorAnswer reads sdkcall's answer: "ok <ns> <read units> <write
// units>" or "error <ns> <message>".
func parseFloorAnswer(answer string) (floorResult, error) {
	f := strings.Fields(answer)
	if len(f) >= 3 && f[0] == "error" {
		return floorResult{}, fmt.Errorf("bench: sdkcall: %s", strings.SplitN(answer, " ", 3)[2])
	}
	if len(f) != 4 || f[0] != "ok" {
		return floorResult{}, fmt.Errorf("bench: sdkcall answered %q", answer)
	}
	ns, err1 := strconv.ParseInt(f[1], 10, 64)
	read, err2 := strconv.ParseFloat(f[2], 64)
	write, err3 := strconv.ParseFloat(f[3], 64)
	if err1 != nil || err2 != nil || err3 != nil || ns < 0 || read < 0 || write < 0 {
		return floorResult{}, fmt.Errorf("bench: sdkcall answered %q", answer)
	}
	return floorResult{Took: time.Duration(ns), ReadUnits: read, WriteUnits: write}, nil
}

// Close ends sdkcall: it exits at the end of its input.
func (p *floorProgram) Close() error {
	err := p.stdin.Close()
	if werr := p.cmd.Wait(); werr != nil {
		err = errors.Join(err, fmt.Errorf("bench: sdkcall: %w: %s", werr, p.stderr.String()))
	}
	return err
}
