package e2e

import (
	"bufio"
	"bytes"
	"fmt"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/example/serverless-todo/internal/local/stack"
	"github.com/example/serverless-todo/internal/testkit/emf"
	"github.com/example/serverless-todo/pkg/attachment"
	"github.com/example/serverless-todo/pkg/metrics"
)

// functionLine is a line a function wrote, as the local stack prints it.
var functionLine = regexp.MustCompile(`^\[([A-Za-z0-9]+)\] (\{.*\})$`)

// emitted reads the metrics back from the functions' log lines, as
// CloudWatch Logs would. It returns each function's metrics, and what is
// wrong: a line that declares metrics but is no EMF document, or a
// request's line that declares none.
func emitted(log []byte) (map[string][]emf.Metric, []string) {
	out := map[string][]emf.Metric{}
	var wrong []string
	sc := bufio.NewScanner(bytes.NewReader(log))
	sc.Buffer(nil, emf.MaxBytes+1024)
	for sc.Scan() {
		m := functionLine.FindSubmatch(sc.Bytes())
		if m == nil {
			continue
		}
		function, line := string(m[1]), m[2]
		if !bytes.Contains(line, []byte(`"_aws"`)) {
			if bytes.Contains(line, []byte(`"msg":"request"`)) {
				wrong = append(wrong, fmt.Sprintf("%s's request line declares no metrics: %s", function, line))
			}
			continue
		}
		doc, err := emf.Validate(line)
		if err != nil {
			wrong = append(wrong, fmt.Sprintf("%s's line is no EMF document: %v\n%s", function, err, line))
			continue
		}
		out[function] = append(out[function], doc.Metrics...)
	}
	return out, wrong
}

// metricKey names a metric with its dimensions, like
// "latencyMs outcome=2xx route=POST /todos".
func metricKey(m emf.Metric) string {
	key := m.Name
	for _, d := range slices.Sorted(maps.Keys(m.Dimensions)) {
		key += " " + d + "=" + m.Dimensions[d]
	}
	return key
}

// samples counts the values each function gave each metric of namespace;
// for a count, the sum of its values.
func samples(ms map[string][]emf.Metric, namespace string) map[string]float64 {
	out := map[string]float64{}
	for function, list := range ms {
		for _, m := range list {
			if m.Namespace != namespace {
				out[function+": namespace "+m.Namespace]++
				continue
			}
			v := 1.0
			if m.Unit == "Count" {
				v = m.Value
			}
			out[function+": "+metricKey(m)] += v
		}
	}
	return out
}

// Every function's line is its metrics: requests by route and outcome,
// and the product's events, read back from the log through the local
// stack and checked against the embedded metric format's specification.
func TestFunctionsLogTheirMetricsInEmbeddedMetricFormat(t *testing.T) {
	t.Parallel()
	pushover := newPushover(t)
	a := startAPI(t, map[string]string{"MaxTodosPerUser": "1", "PushoverToken": "apptoken123", "PushoverUserKey": "userkey456"}, func(cfg *stack.Config) {
		cfg.Function("ContactFunction").Env["PUSHOVER_API_URL"] = pushover.srv.URL + "/1/messages.json"
	})
	// The template's namespace, as the stack resolved it for the functions.
	namespace := a.cfg.Function("CreateTodoFunction").Env[metrics.EnvNamespace]
	if !strings.HasPrefix(namespace, metrics.DefaultNamespace+"/") {
		t.Fatalf("%s = %q, want %s/<stack name>", metrics.EnvNamespace, namespace, metrics.DefaultNamespace)
	}
	alice := a.token(t, "alice")
	td := a.create(t, alice, `{"title":"Photos"}`)
	a.do(t, request{method: "POST", path: "/todos", token: alice, body: `{"title":"one too many"}`}).wantProblem(t, http.StatusForbidden)
	a.do(t, request{method: "GET", path: "/todos/01ARZ3NDEKTSV4RRFFQ69G5FAV", token: alice}).wantProblem(t, http.StatusNotFound)
	a.do(t, request{method: "POST", path: "/contact",
		body: `{"name":"Ada Lovelace","email":"ada@example.com","message":"Metrics, please.","website":""}`}).want(t, http.StatusAccepted)
	<-pushover.received

	good := photo(20_000)
	png := append([]byte("\x89PNG\r\n\x1a\n"), good[8:]...)
	for _, tt := range []struct {
		body []byte
		want string
	}{{good, attachment.StatusReady}, {png, attachment.StatusRejected}} {
		d := a.declare(t, alice, td.ID, "image/jpeg", len(tt.body))
		if status, body := upload(t, d.Upload, tt.body); status != http.StatusOK {
			t.Fatalf("upload: %d %s", status, body)
		}
		if s := a.settled(t, alice, td.ID, d.ID); s != tt.want {
			t.Fatalf("attachment %s, want %s", s, tt.want)
		}
	}

	// What each function must have said, at least: the GETs that waited for
	// the attachments to settle add to GetTodoFunction's 2xx.
	want := map[string]float64{
		"CreateTodoFunction: latencyMs outcome=2xx route=POST /todos":                        1,
		"CreateTodoFunction: latencyMs outcome=4xx route=POST /todos":                        1,
		"CreateTodoFunction: " + string(metrics.TodoCreated):                                 1,
		"CreateTodoFunction: " + string(metrics.QuotaReached):                                1,
		"GetTodoFunction: latencyMs outcome=4xx route=GET /todos/{id}":                       1,
		"GetTodoFunction: latencyMs outcome=2xx route=GET /todos/{id}":                       2,
		"ContactFunction: latencyMs outcome=2xx route=POST /contact":                         1,
		"ContactFunction: " + string(metrics.ContactStored):                                  1,
		"ContactFunction: " + string(metrics.ContactNotified):                                1,
		"CreateAttachmentFunction: latencyMs outcome=2xx route=POST /todos/{id}/attachments": 2,
		"ConfirmAttachmentFunction: " + string(metrics.AttachmentConfirmed):                  1,
		"ConfirmAttachmentFunction: " + string(metrics.AttachmentRejected):                   1,
	}
	exact := []string{
		"CreateTodoFunction: " + string(metrics.TodoCreated),
		"CreateTodoFunction: " + string(metrics.QuotaReached),
		"ContactFunction: " + string(metrics.ContactStored),
		"ContactFunction: " + string(metrics.ContactNotified),
		"ConfirmAttachmentFunction: " + string(metrics.AttachmentConfirmed),
		"ConfirmAttachmentFunction: " + string(metrics.AttachmentRejected),
	}
	// The stack copies each function's output to the log as it comes: wait
	// until the lines of every request above are in it.
	a.log.WaitUntil(t, "every metric is logged", func(log []byte) bool {
		ms, _ := emitted(log)
		got := samples(ms, namespace)
		for k, n := range want {
			if got[k] < n {
				return false
			}
		}
		return true
	})
	ms, wrong := emitted([]byte(a.log.String()))
	for _, w := range wrong {
		t.Error(w)
	}
	got := samples(ms, namespace)
	for _, k := range exact {
		if got[k] != want[k] {
			t.Errorf("%s = %v, want %v", k, got[k], want[k])
		}
	}
	var keys []string
	for k := range got {
		if !strings.Contains(k, "latencyMs") && !slices.Contains(exact, k) {
			keys = append(keys, fmt.Sprintf("%s = %v", k, got[k]))
		}
	}
	if len(keys) > 0 {
		t.Errorf("events counted that nothing here did: %v", keys)
	}
}
