package lambda_test

import (
	"slices"
	"testing"

	"github.com/example/serverless-todo/internal/local/lambda"
)

func TestPIDsListTheRunningEnvironments(t *testing.T) {
	s, _ := start(t, lambda.Config{}, fn())
	if pids := s.PIDs("fn"); len(pids) != 0 {
		t.Fatalf("PIDs before any invocation = %v, want none", pids)
	}
	if pids := s.PIDs("nope"); pids != nil {
		t.Errorf("PIDs of an unknown function = %v, want nil", pids)
	}

	first := invoke(t, s, `{"mode":"echo"}`)
	if pids := s.PIDs("fn"); !slices.Equal(pids, []int{first.PID}) {
		t.Fatalf("PIDs of a warm environment = %v, want [%d]", pids, first.PID)
	}

	// A crash ends the environment: it is no longer listed, and the next
	// invocation runs in, and lists, a new one.
	if _, err := s.Invoke(t.Context(), "fn", []byte(`{"mode":"exit","code":2}`)); err == nil {
		t.Fatal("the crashing invocation succeeded")
	}
	if pids := s.PIDs("fn"); slices.Contains(pids, first.PID) {
		t.Errorf("PIDs after the crash = %v, still listing the crashed %d", pids, first.PID)
	}
	second := invoke(t, s, `{"mode":"echo"}`)
	if second.PID == first.PID {
		t.Fatalf("the invocation after the crash ran in the crashed process %d", first.PID)
	}
	if pids := s.PIDs("fn"); !slices.Equal(pids, []int{second.PID}) {
		t.Errorf("PIDs after a new environment started = %v, want [%d]", pids, second.PID)
	}

	closeService(t, s)
	if pids := s.PIDs("fn"); len(pids) != 0 {
		t.Errorf("PIDs after Close = %v, want none", pids)
	}
}
