package lambda

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"
)

// pool holds one function's execution environments. The slots channel
// caps how many invocations run at once; an environment is either idle or
// serving the holder of one slot, so there are never more environments
// than slots.
type pool struct {
	svc   *Service
	fn    Function
	slots chan struct{}

	// mu guards idle and live.
	mu   sync.Mutex
	idle []*env
	live map[*env]struct{}
}

// maxRedeliveries bounds how often an event goes to another environment
// because the one it was meant for ended before taking it.
const maxRedeliveries = 3

// invoke runs one invocation on a warm environment or a new one. The
// caller holds a slot.
func (p *pool) invoke(payload []byte) result {
	for attempt := 0; ; attempt++ {
		e, err := p.acquire()
		if err != nil {
			return result{err: err}
		}
		out := e.invoke(payload)
		if out.undelivered && attempt < maxRedeliveries {
			// The process ended before it took the event (a panic ends
			// the process after it answers, for one): the invocation
			// never started, so it goes to another environment.
			continue
		}
		if out.healthy {
			p.putIdle(e)
		} else {
			e.kill()
		}
		return out.result
	}
}

// acquire returns the most recently used idle environment, or starts one.
func (p *pool) acquire() (*env, error) {
	p.mu.Lock()
	for len(p.idle) > 0 {
		e := p.idle[len(p.idle)-1]
		p.idle = p.idle[:len(p.idle)-1]
		if e.alive() {
			p.mu.Unlock()
			return e, nil
		}
	}
	p.mu.Unlock()
	return p.start()
}

// start starts a new environment and waits for its init phase to end.
func (p *pool) start() (*env, error) {
	s := p.svc
	e, err := newEnv(p)
	if err != nil {
		return nil, err
	}
	if err := e.startProcess(); err != nil {
		e.release()
		return nil, fmt.Errorf("lambda: start %s: %w", p.fn.Name, err)
	}
	// Close stops the environments it finds in live; one that arrives
	// later stops itself.
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		e.kill()
		e.release()
		return nil, ErrClosed
	}
	p.mu.Lock()
	p.live[e] = struct{}{}
	p.mu.Unlock()
	s.workers.Add(1)
	s.mu.Unlock()
	go func() {
		defer s.workers.Done()
		<-e.exited
		// What the process wrote last is still in the pipes.
		e.drainOutput()
		p.forget(e)
		e.release()
	}()

	if err := e.waitInit(s.initTimeout); err != nil {
		var ie *InitError
		if errors.As(err, &ie) {
			e.platformInitReport(e.sinceStart(), initStatus(ie), ie.Type)
		}
		e.kill()
		return nil, err
	}
	return e, nil
}

func initStatus(e *InitError) string {
	if e.Type == initTimeoutType {
		return "timeout"
	}
	return "error"
}

func (p *pool) putIdle(e *env) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, ok := p.live[e]; ok {
		p.idle = append(p.idle, e)
	}
}

// forget drops e, whose process has ended, from the pool.
func (p *pool) forget(e *env) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.live, e)
	for i, idle := range p.idle {
		if idle == e {
			p.idle = append(p.idle[:i], p.idle[i+1:]...)
			break
		}
	}
}

// PIDs returns the process IDs of the named function's execution
// environments whose processes run, idle or busy, in increasing order; nil
// for a function the Service does not have. A test can kill one to see how
// its caller copes with a crash mid-request.
func (s *Service) PIDs(name string) []int {
	p, ok := s.pools[name]
	if !ok {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	var pids []int
	for e := range p.live {
		if e.alive() {
			pids = append(pids, e.cmd.Process.Pid)
		}
	}
	slices.Sort(pids)
	return pids
}

// shutdown empties the pool and returns the environments it had.
func (p *pool) shutdown() []*env {
	p.mu.Lock()
	defer p.mu.Unlock()
	envs := make([]*env, 0, len(p.live))
	for e := range p.live {
		envs = append(envs, e)
	}
	p.idle = nil
	return envs
}

// ms formats d as Lambda's reports do: milliseconds with two decimals.
func ms(d time.Duration) string {
	return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000)
}
