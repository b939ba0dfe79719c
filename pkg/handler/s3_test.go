package handler_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/example/serverless-todo/pkg/handler"
)

// Every record of a notification is handled, whatever happened to the
// ones before; any failure or panic fails the invocation, which Lambda
// then retries; each record leaves one log line.
func TestWrapObjectsHandlesEveryRecordAndFailsOnAnyFailure(t *testing.T) {
	var buf bytes.Buffer
	var seen []string
	h := handler.WrapObjects(handler.NewLogger(&buf), func(_ context.Context, rec *events.S3EventRecord) error {
		key := rec.S3.Object.URLDecodedKey
		seen = append(seen, key)
		switch key {
		case "uploads/fail":
			return errors.New("it failed")
		case "uploads/panic":
			panic("it panicked")
		}
		return nil
	})
	record := func(key string) events.S3EventRecord {
		return events.S3EventRecord{EventName: "ObjectCreated:Put", S3: events.S3Entity{Object: events.S3Object{Key: key, URLDecodedKey: key, Size: 42}}}
	}
	keys := []string{"uploads/ok", "uploads/fail", "uploads/panic", "uploads/last"}
	var ev events.S3Event
	for _, k := range keys {
		ev.Records = append(ev.Records, record(k))
	}
	err := h(context.Background(), ev)
	if err == nil || !strings.Contains(err.Error(), "it failed") || !strings.Contains(err.Error(), "it panicked") {
		t.Fatalf("error %v, want both failures", err)
	}
	if strings.Join(seen, " ") != strings.Join(keys, " ") {
		t.Errorf("handled %v, want every record in turn", seen)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != len(keys) {
		t.Fatalf("%d log lines, want one per record:\n%s", len(lines), buf.String())
	}
	for i, line := range lines {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatal(err)
		}
		wantLevel := map[bool]string{true: "ERROR", false: "INFO"}[i == 1 || i == 2]
		if m["msg"] != "object" || m["key"] != keys[i] || m["event"] != "ObjectCreated:Put" || m["size"] != float64(42) || m["level"] != wantLevel {
			t.Errorf("line %d: %s", i, line)
		}
	}
	if err := h(context.Background(), events.S3Event{Records: []events.S3EventRecord{record("uploads/ok")}}); err != nil {
		t.Errorf("a notification whose records all succeed: %v", err)
	}
}
