package lambda

import (
	"bytes"
	"io"
	"sync"
)

// maxLogLine is where a line without an end is cut, as Lambda cuts log
// events at 256 KB.
const maxLogLine = 256 << 10

// lineLog is the log all environments write to, a whole line at a time.
type lineLog struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lineLog) line(s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	_, _ = io.WriteString(l.w, s+"\n")
}

// lineSplitter cuts a stream into lines and logs each with a prefix.
type lineSplitter struct {
	prefix  string
	log     *lineLog
	partial []byte
}

func (l *lineSplitter) write(p []byte) {
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			l.partial = append(l.partial, p...)
			if len(l.partial) >= maxLogLine {
				l.emit()
			}
			return
		}
		l.partial = append(l.partial, p[:i]...)
		l.emit()
		p = p[i+1:]
	}
}

// flush logs what is left of a stream that ended without a newline.
func (l *lineSplitter) flush() {
	if len(l.partial) > 0 {
		l.emit()
	}
}

func (l *lineSplitter) emit() {
	l.log.line(l.prefix + string(bytes.TrimSuffix(l.partial, []byte("\r"))))
	l.partial = l.partial[:0]
}
