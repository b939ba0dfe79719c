// Package metrics turns the log line a function writes for each request or
// record into CloudWatch metrics, in the embedded metric format (EMF): an
// "_aws" member that tells CloudWatch Logs which of the line's members are
// metrics. It makes no request and links no SDK; a metric costs one line
// that is written anyway.
//
// Package handler writes every line, so a function gets the per-route
// metrics without code of its own; a function counts the product's events
// it sees with Count.
package metrics

import (
	"context"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// DefaultNamespace is the CloudWatch namespace of the metrics, unless
// WithNamespace names another.
const DefaultNamespace = "ServerlessTodo"

// EnvNamespace is the environment variable that names the namespace. The
// template sets it to ServerlessTodo/<stack name>, so that two stacks in
// one account and region (staging and production) keep their metrics, and
// their alarms, apart.
const EnvNamespace = "METRICS_NAMESPACE"

// The members of a request's line that the route metrics use. Latency is
// the metric; Route and Outcome are its dimensions.
const (
	Route   = "route"
	Outcome = "outcome"
	Latency = "latencyMs"
)

// Event is something the product did, counted as a metric of that name
// without dimensions. Each name is one billed custom metric, so there are
// few, and none carries who or what.
type Event string

// The events. README's "Metrics" lists each with what it counts.
const (
	TodoCreated         Event = "todosCreated"
	ContactStored       Event = "contactMessagesStored"
	ContactNotified     Event = "contactMessagesNotified"
	ContactNotifyFailed Event = "contactNotificationsFailed"
	RateLimited         Event = "rateLimited"
	QuotaReached        Event = "quotaReached"
	AttachmentConfirmed Event = "attachmentsConfirmed"
	AttachmentRejected  Event = "attachmentsRejected"
	PurgeCompleted      Event = "purgesCompleted"
)

// Events lists every Event, for the tests that keep the README and the
// dashboard in step with them.
func Events() []Event {
	return []Event{TodoCreated, ContactStored, ContactNotified, ContactNotifyFailed, RateLimited, QuotaReached, AttachmentConfirmed, AttachmentRejected, PurgeCompleted}
}

// Counts are the events one request or record counted. Its methods are safe
// for concurrent use, and those of a nil *Counts do nothing.
type Counts struct {
	namespace string
	mu        sync.Mutex
	n         map[Event]int
}

type (
	countsKey    struct{}
	namespaceKey struct{}
)

// WithNamespace returns a context whose Counts declare their metrics in
// namespace; an empty one leaves DefaultNamespace.
func WithNamespace(ctx context.Context, namespace string) context.Context {
	if namespace == "" {
		return ctx
	}
	return context.WithValue(ctx, namespaceKey{}, namespace)
}

// NewContext returns a context whose Count calls add to the returned Counts.
func NewContext(ctx context.Context) (context.Context, *Counts) {
	c := &Counts{namespace: DefaultNamespace}
	if ns, ok := ctx.Value(namespaceKey{}).(string); ok {
		c.namespace = ns
	}
	return context.WithValue(ctx, countsKey{}, c), c
}

// Namespace is the namespace c declares its metrics in.
func (c *Counts) Namespace() string {
	if c == nil {
		return DefaultNamespace
	}
	return c.namespace
}

// Count adds one e to the Counts of ctx. Outside a request or record (no
// Counts in ctx) it does nothing.
func Count(ctx context.Context, e Event) {
	c, _ := ctx.Value(countsKey{}).(*Counts)
	c.Add(e)
}

// Add adds one e.
func (c *Counts) Add(e Event) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == nil {
		c.n = make(map[Event]int, 2)
	}
	c.n[e]++
}

// AppendRequest appends to attrs what makes a request's line an EMF
// document: its route, its outcome (the status's class, like "4xx") and
// its latency, which are the per-route metric, then the events counted.
func (c *Counts) AppendRequest(attrs []slog.Attr, now time.Time, route string, status int, took time.Duration) []slog.Attr {
	events := c.sorted()
	directives := make([]directive, 0, 2)
	directives = append(directives, directive{
		Namespace:  c.Namespace(),
		Dimensions: [][]string{{Route, Outcome}},
		Metrics:    []definition{{Name: Latency, Unit: "Milliseconds"}},
	})
	if len(events) > 0 {
		directives = append(directives, eventDirective(c.Namespace(), events))
	}
	attrs = append(attrs,
		slog.Any("_aws", metadata{Timestamp: now.UnixMilli(), CloudWatchMetrics: directives}),
		slog.String(Route, route),
		slog.String(Outcome, strconv.Itoa(status/100)+"xx"),
		slog.Float64(Latency, Milliseconds(took)),
	)
	return appendCounts(attrs, events)
}

// AppendRecord appends to attrs the events a record counted, as an EMF
// document; nothing when it counted none.
func (c *Counts) AppendRecord(attrs []slog.Attr, now time.Time) []slog.Attr {
	events := c.sorted()
	if len(events) == 0 {
		return attrs
	}
	attrs = append(attrs, slog.Any("_aws", metadata{Timestamp: now.UnixMilli(), CloudWatchMetrics: []directive{eventDirective(c.Namespace(), events)}}))
	return appendCounts(attrs, events)
}

// Milliseconds is d in milliseconds, to the microsecond.
func Milliseconds(d time.Duration) float64 {
	return float64(d.Microseconds()) / 1000
}

// count is one event and how many times it happened.
type count struct {
	event Event
	n     int
}

// sorted returns the events counted, in name order, so that lines compare.
func (c *Counts) sorted() []count {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	counts := make([]count, 0, len(c.n))
	for e, n := range c.n {
		counts = append(counts, count{e, n})
	}
	slices.SortFunc(counts, func(a, b count) int { return strings.Compare(string(a.event), string(b.event)) })
	return counts
}

func appendCounts(attrs []slog.Attr, counts []count) []slog.Attr {
	for _, c := range counts {
		attrs = append(attrs, slog.Int(string(c.event), c.n))
	}
	return attrs
}

// eventDirective declares the events as metrics without dimensions.
func eventDirective(namespace string, counts []count) directive {
	d := directive{Namespace: namespace, Dimensions: [][]string{{}}, Metrics: make([]definition, len(counts))}
	for i, c := range counts {
		d.Metrics[i] = definition{Name: string(c.event), Unit: "Count"}
	}
	return d
}

// metadata is EMF's "_aws" member.
type metadata struct {
	Timestamp         int64       `json:"Timestamp"`
	CloudWatchMetrics []directive `json:"CloudWatchMetrics"`
}

// directive is EMF's MetricDirective: which members are metrics, and which
// are their dimensions.
type directive struct {
	Namespace  string       `json:"Namespace"`
	Dimensions [][]string   `json:"Dimensions"`
	Metrics    []definition `json:"Metrics"`
}

// definition is EMF's MetricDefinition.
type definition struct {
	Name string `json:"Name"`
	Unit string `json:"Unit"`
}
