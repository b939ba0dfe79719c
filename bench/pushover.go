package main

import (
	"net"
	"net/http"
	"sync/atomic"
	"time"
)

// pushover stands in for Pushover's message API on loopback, so that the
// contact function notifies as it does in AWS, only without the internet
// round trip. It counts the messages it takes.
type pushover struct {
	URL      string
	messages atomic.Int64
	srv      *http.Server
}

func startPushover() (*pushover, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &pushover{URL: "http://" + ln.Addr().String() + "/1/messages.json"}
	p.srv = &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Pushover's answer to a message it accepts.
		if r.Method != http.MethodPost || r.FormValue("token") == "" || r.FormValue("user") == "" || r.FormValue("message") == "" {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"status":0,"errors":["token, user and message are required"]}`))
			return
		}
		p.messages.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"status":1,"request":"5042853c-402d-4a18-abcb-168734a801de"}`))
	})}
	go p.srv.Serve(ln)
	return p, nil
}

// Messages returns how many messages Pushover took.
func (p *pushover) Messages() int64 { return p.messages.Load() }

func (p *pushover) Close() error { return p.srv.Close() }
