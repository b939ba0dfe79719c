package lambda

// copy passes the stream to the log with plain blocking reads, until it
// ends. Where the pipe can be read without blocking (output_unix.go),
// drain can also take everything written so far; this is the fallback.
func (o *funcOutput) copy() {
	defer o.f.Close()
	buf := make([]byte, 32<<10)
	for {
		n, err := o.f.Read(buf)
		o.mu.Lock()
		o.lines.write(buf[:n])
		if err != nil {
			o.lines.flush()
			o.mu.Unlock()
			return
		}
		o.mu.Unlock()
	}
}
