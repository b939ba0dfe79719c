package metrics_test

import (
	"bytes"
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/example/serverless-todo/internal/testkit/emf"
	"github.com/example/serverless-todo/pkg/metrics"
)

// line writes attrs as the functions' logger does and checks the line
// against the embedded metric format.
func line(t *testing.T, attrs []slog.Attr) *emf.Document {
	t.Helper()
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).LogAttrs(context.Background(), slog.LevelInfo, "request", attrs...)
	doc, err := emf.Validate(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
	if err != nil {
		t.Fatalf("%v\nline: %s", err, buf.Bytes())
	}
	return doc
}

func find(doc *emf.Document, name string) []emf.Metric {
	var out []emf.Metric
	for _, m := range doc.Metrics {
		if m.Name == name {
			out = append(out, m)
		}
	}
	return out
}

func TestARequestsLineIsItsLatencyByRouteAndOutcome(t *testing.T) {
	for _, tt := range []struct {
		status  int
		outcome string
	}{{200, "2xx"}, {201, "2xx"}, {302, "3xx"}, {304, "3xx"}, {404, "4xx"}, {429, "4xx"}, {500, "5xx"}, {503, "5xx"}} {
		var c *metrics.Counts
		_, c = metrics.NewContext(context.Background())
		now := time.UnixMilli(1_800_000_000_123)
		doc := line(t, c.AppendRequest(nil, now, "GET /todos/{id}", tt.status, 1500*time.Microsecond))
		got := find(doc, metrics.Latency)
		if len(got) != 1 {
			t.Fatalf("status %d: latency metrics %+v, want one", tt.status, doc.Metrics)
		}
		m := got[0]
		if m.Namespace != metrics.DefaultNamespace || m.Unit != "Milliseconds" || m.Value != 1.5 ||
			len(m.Dimensions) != 2 || m.Dimensions["route"] != "GET /todos/{id}" || m.Dimensions["outcome"] != tt.outcome {
			t.Errorf("status %d: metric %+v, want 1.5 ms with route GET /todos/{id} and outcome %s", tt.status, m, tt.outcome)
		}
		if len(doc.Metrics) != 1 {
			t.Errorf("status %d: no event was counted, yet the line declares %+v", tt.status, doc.Metrics)
		}
		if ts := doc.Members["_aws"].(map[string]any)["Timestamp"]; ts == nil || ts.(interface{ String() string }).String() != "1800000000123" {
			t.Errorf("status %d: Timestamp %v, want the line's time in milliseconds", tt.status, ts)
		}
	}
}

func TestEventsCountedAreMetricsWithoutDimensions(t *testing.T) {
	ctx, c := metrics.NewContext(context.Background())
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() { metrics.Count(ctx, metrics.ContactNotifyFailed) })
	}
	wg.Wait()
	metrics.Count(ctx, metrics.ContactStored)
	for name, attrs := range map[string][]slog.Attr{
		"request": c.AppendRequest(nil, time.Now(), "POST /contact", 202, time.Millisecond),
		"record":  c.AppendRecord(nil, time.Now()),
	} {
		doc := line(t, attrs)
		for e, want := range map[metrics.Event]float64{metrics.ContactNotifyFailed: 3, metrics.ContactStored: 1} {
			got := find(doc, string(e))
			if len(got) != 1 || got[0].Value != want || got[0].Unit != "Count" || len(got[0].Dimensions) != 0 || got[0].Namespace != metrics.DefaultNamespace {
				t.Errorf("%s line: %s = %+v, want one count of %v without dimensions", name, e, got, want)
			}
		}
	}
}

func TestARecordThatCountedNothingAddsNothing(t *testing.T) {
	_, c := metrics.NewContext(context.Background())
	if attrs := c.AppendRecord(nil, time.Now()); len(attrs) != 0 {
		t.Errorf("AppendRecord = %v, want nothing", attrs)
	}
}

func TestCountOutsideARequestDoesNothing(t *testing.T) {
	metrics.Count(context.Background(), metrics.TodoCreated) // must not panic
	var c *metrics.Counts
	c.Add(metrics.TodoCreated)
	if attrs := c.AppendRecord(nil, time.Now()); len(attrs) != 0 {
		t.Errorf("a nil Counts appended %v", attrs)
	}
}

func TestWithNamespaceSetsTheNamespaceOfEveryMetric(t *testing.T) {
	for _, tt := range []struct{ set, want string }{{"", metrics.DefaultNamespace}, {"ServerlessTodo/staging", "ServerlessTodo/staging"}} {
		ctx, c := metrics.NewContext(metrics.WithNamespace(context.Background(), tt.set))
		metrics.Count(ctx, metrics.TodoCreated)
		doc := line(t, c.AppendRequest(nil, time.Now(), "POST /todos", 201, time.Millisecond))
		if len(doc.Metrics) != 2 {
			t.Fatalf("metrics %+v, want latency and todosCreated", doc.Metrics)
		}
		for _, m := range doc.Metrics {
			if m.Namespace != tt.want {
				t.Errorf("WithNamespace(%q): %s in namespace %q, want %q", tt.set, m.Name, m.Namespace, tt.want)
			}
		}
	}
}
