package handler_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/example/serverless-todo/pkg/handler"
)

// Each message of a batch is handled on its own: those that fail or panic
// come back as batch item failures, the others are done, and each leaves
// one log line without its body.
func TestWrapQueueReportsOnlyTheMessagesThatFailed(t *testing.T) {
	var buf bytes.Buffer
	h := handler.WrapQueue(handler.NewLogger(&buf), func(_ context.Context, msg *events.SQSMessage) error {
		switch msg.Body {
		case "fail":
			return errors.New("it failed")
		case "panic":
			panic("it panicked")
		}
		return nil
	})
	ev := events.SQSEvent{Records: []events.SQSMessage{
		{MessageId: "m1", Body: "ok", Attributes: map[string]string{"ApproximateReceiveCount": "1"}},
		{MessageId: "m2", Body: "fail", Attributes: map[string]string{"ApproximateReceiveCount": "3"}},
		{MessageId: "m3", Body: "panic"},
		{MessageId: "m4", Body: "ok"},
	}}
	resp, err := h(context.Background(), ev)
	if err != nil {
		t.Fatal(err)
	}
	var failed []string
	for _, f := range resp.BatchItemFailures {
		failed = append(failed, f.ItemIdentifier)
	}
	if !slices.Equal(failed, []string{"m2", "m3"}) {
		t.Errorf("batch item failures %v, want [m2 m3]", failed)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 4 {
		t.Fatalf("%d log lines, want one per message:\n%s", len(lines), buf.String())
	}
	for i, line := range lines {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatal(err)
		}
		wantLevel := map[bool]string{true: "ERROR", false: "INFO"}[i == 1 || i == 2]
		if m["messageId"] != ev.Records[i].MessageId || m["level"] != wantLevel || strings.Contains(line, `"ok"`) {
			t.Errorf("line %d: %s", i, line)
		}
	}
	if !strings.Contains(lines[1], `"receiveCount":"3"`) || !strings.Contains(lines[2], "it panicked") {
		t.Errorf("the failures' lines say too little:\n%s\n%s", lines[1], lines[2])
	}
}

func TestStartQueueOutsideLambdaIsAnError(t *testing.T) {
	err := handler.StartQueue(context.Background(), func(string) string { return "" }, handler.NewLogger(&bytes.Buffer{}), nil)
	if err == nil || !strings.Contains(err.Error(), handler.EnvRuntimeAPI) {
		t.Errorf("StartQueue without the Runtime API: %v", err)
	}
}
