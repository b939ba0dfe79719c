//go:build unix

package lambda

import (
	"os"
	"sync"
	"syscall"
)

// funcOutput passes one of a function's output streams to the log. It
// reads the pipe without blocking, under a lock, so that drain can take
// everything the process has written so far: a runtime writes its log
// lines before it posts its answer, and they belong before the END line.
type funcOutput struct {
	f     *os.File
	rc    syscall.RawConn
	mu    sync.Mutex // guards lines, buf, eof
	lines lineSplitter
	buf   []byte
	eof   bool
}

// newFuncOutput starts passing f, the read end of a pipe, to log.
func newFuncOutput(f *os.File, prefix string, log *lineLog) *funcOutput {
	o := &funcOutput{f: f, lines: lineSplitter{prefix: prefix, log: log}, buf: make([]byte, 32<<10)}
	rc, err := f.SyscallConn()
	if err != nil {
		// Not a pollable pipe: read it plainly, without drain.
		go o.copy()
		return o
	}
	o.rc = rc
	go o.run()
	return o
}

func (o *funcOutput) run() {
	defer o.f.Close()
	// Read calls the function again each time the pipe becomes readable,
	// until it returns true: at the end of the stream.
	_ = o.rc.Read(func(fd uintptr) bool {
		o.mu.Lock()
		defer o.mu.Unlock()
		return !o.readAvailable(int(fd))
	})
	o.mu.Lock()
	defer o.mu.Unlock()
	o.eof = true
	o.lines.flush()
}

// readAvailable logs what the pipe holds without waiting for more, and
// reports whether the pipe is still open.
func (o *funcOutput) readAvailable(fd int) bool {
	if o.eof {
		return false
	}
	for {
		n, err := syscall.Read(fd, o.buf)
		switch {
		case n > 0:
			o.lines.write(o.buf[:n])
		case err == syscall.EINTR:
		case err == syscall.EAGAIN:
			return true
		default: // the end of the stream (n == 0), or a broken pipe
			o.eof = true
			o.lines.flush()
			return false
		}
	}
}

// drain logs what the process has written and the log has not had yet.
func (o *funcOutput) drain() {
	if o.rc == nil {
		return
	}
	_ = o.rc.Control(func(fd uintptr) {
		o.mu.Lock()
		defer o.mu.Unlock()
		o.readAvailable(int(fd))
	})
}
