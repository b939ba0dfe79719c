//go:build !unix

package lambda

import (
	"os"
	"sync"
)

// funcOutput passes one of a function's output streams to the log, a
// whole line at a time.
type funcOutput struct {
	f     *os.File
	mu    sync.Mutex
	lines lineSplitter
}

func newFuncOutput(f *os.File, prefix string, log *lineLog) *funcOutput {
	o := &funcOutput{f: f, lines: lineSplitter{prefix: prefix, log: log}}
	go o.copy()
	return o
}

// drain does nothing here: without non-blocking pipe reads, a function's
// last lines may follow its END line.
func (o *funcOutput) drain() {}
