package e2e

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/example/serverless-todo/internal/local/devauth"
	"github.com/example/serverless-todo/internal/testkit/dbtest"
)

// hostile is one bad request: raw enough to carry what a well-behaved client
// never sends.
type hostile struct {
	name   string
	method string
	// path may carry a query.
	path string
	// header is sent as it is: no Content-Type or Authorization is added.
	header map[string]string
	body   string
}

// hostileTargets are what the hostile requests aim at: valid tokens, ids
// and a cursor, so that each request is wrong in exactly one way.
type hostileTargets struct {
	alice, bob       string // tokens
	aliceID, bobID   string // a todo of each
	bobCursor        string // a cursor of bob's listing
	expired, notYet  string // tokens outside their validity
	foreign          string // a token of another issuer
	wrongAudience    string
	noSub            string // a valid token without a sub claim
	tamperedPayload  string
	tamperedSig      string
	algNone, algHMAC string
}

const (
	validTodo    = `{"title":"Buy milk","notes":"2 litres","done":false,"dueAt":"2027-01-02T10:00:00Z","tags":["home","shop"]}`
	validPatch   = `{"title":"New title","done":true,"tags":["x"]}`
	validContact = `{"name":"Ann Example","email":"ann@example.com","message":"Hello there, a question."}`
)

// hostileRequests returns the suite: every kind of bad input, for every
// route that reads it. Each has a distinct name.
func hostileRequests(x hostileTargets) []hostile {
	var out []hostile
	add := func(name, method, path string, header map[string]string, body string) {
		out = append(out, hostile{name: name, method: method, path: path, header: header, body: body})
	}
	auth := func(token string, more ...string) map[string]string {
		h := map[string]string{}
		if token != "" {
			h["Authorization"] = "Bearer " + token
		}
		for i := 0; i+1 < len(more); i += 2 {
			h[more[i]] = more[i+1]
		}
		return h
	}
	jsonAuth := func(token string, more ...string) map[string]string {
		return auth(token, append([]string{"Content-Type", "application/json"}, more...)...)
	}
	patchAuth := func(token string, more ...string) map[string]string {
		return auth(token, append([]string{"Content-Type", "application/merge-patch+json"}, more...)...)
	}
	todoPath := "/todos/" + x.aliceID

	// Bodies broken the same ways for each route that reads one.
	type bodyRoute struct {
		name, method, path, valid string
		header                    func(more ...string) map[string]string
		fields                    []string
	}
	routes := []bodyRoute{
		{"create", "POST", "/todos", validTodo, func(m ...string) map[string]string { return jsonAuth(x.alice, m...) }, []string{"title", "notes", "done", "dueAt", "tags"}},
		{"update", "PATCH", todoPath, validPatch, func(m ...string) map[string]string { return patchAuth(x.alice, m...) }, []string{"title", "notes", "done", "dueAt", "tags"}},
		{"contact", "POST", "/contact", validContact, func(m ...string) map[string]string {
			return auth("", append([]string{"Content-Type", "application/json"}, m...)...)
		}, []string{"name", "email", "message"}},
	}
	for _, r := range routes {
		body := func(name, b string) { add(r.name+": "+name, r.method, r.path, r.header(), b) }
		// Truncated: every few bytes of a valid body, and the last one.
		for n := 1; n < len(r.valid); n += 7 {
			body(fmt.Sprintf("truncated to %d bytes", n), r.valid[:n])
		}
		body("truncated by its last byte", r.valid[:len(r.valid)-1])
		for i, b := range []string{
			`{title: "x"}`, `{'title':'x'}`, `{"title":"x",}`, `{"title" "x"}`, `{"title":"x"]`, `{"title":"x"}}`,
			`{"title":"x"} {"title":"y"}`, `{"title":"x"}garbage`, `NaN`, `{"title":Infinity}`, `{"title":"x" /* c */}`,
			`{"title":"\x"}`, `{"title":"\uZZZZ"}`, `{"title":"a` + "\n" + `b"}`, `{"title":0x10}`, `{"title":+1}`, `{"title":.5}`,
			`{"title":01}`, `{"title":"x"` + strings.Repeat(" ", 10) + `,,}`, `{,}`, `{"":""}`, `"just a string"`, `[]`, `[{"title":"x"}]`, `123`, `true`, `null`, ``, `   `,
		} {
			body(fmt.Sprintf("invalid JSON #%d", i+1), b)
		}
		for _, f := range r.fields {
			for _, v := range []string{`5`, `true`, `["x"]`, `{"a":1}`, `null`, `-1e999`, `1e999`, `123456789012345678901234567890`} {
				// Skip what is valid: true for done, a list for tags, and
				// null where a merge patch removes the member.
				if (f == "done" && v == `true`) || (f == "tags" && v == `["x"]`) ||
					(r.name == "update" && v == `null` && f != "title" && f != "done") {
					continue
				}
				body(fmt.Sprintf("%s is %s", f, v), replaceMember(r.valid, f, v))
			}
		}
		body("deep arrays", `{"tags":`+strings.Repeat("[", 100)+strings.Repeat("]", 100)+`}`)
		body("deeper arrays", `{"tags":`+strings.Repeat("[", 5000)+strings.Repeat("]", 5000)+`}`)
		body("deep objects", strings.Repeat(`{"a":`, 200)+`1`+strings.Repeat(`}`, 200))
		body("invalid UTF-8 in a value", replaceMember(r.valid, r.fields[0], "\"\xff\xfe\""))
		body("invalid UTF-8 in a name", `{"`+"\xff"+`":"x"}`)
		body("overlong UTF-8", replaceMember(r.valid, r.fields[0], "\"\xc0\xaf\""))
		body("a UTF-8 surrogate", replaceMember(r.valid, r.fields[0], "\"\xed\xa0\x80\""))
		body("a cut multi-byte character", replaceMember(r.valid, r.fields[0], "\"\xe2\x82\""))
		body("an escaped NUL", replaceMember(r.valid, r.fields[0], `"a\u0000b"`))
		body("a raw NUL in a string", replaceMember(r.valid, r.fields[0], "\"a\x00b\""))
		body("a NUL after the body", r.valid+"\x00")
		body("an escape sequence", replaceMember(r.valid, r.fields[0], `"\u001b[2Jhi"`))
		body("a C1 control", replaceMember(r.valid, r.fields[0], `"a\u0085b"`))
		body("only zero-width spaces", replaceMember(r.valid, r.fields[0], `"\u200b\u200b\u200b"`))
		body("a bidi override", replaceMember(r.valid, r.fields[0], `"invoice \u202egnp.exe"`))
		body("a line separator", replaceMember(r.valid, r.fields[0], `"a\u2028b"`))
		body("hidden tag characters", replaceMember(r.valid, r.fields[0], `"hi\udb40\udc41\udb40\udc42"`))
		body("only combining marks", replaceMember(r.valid, r.fields[0], `"\u0301\u0301"`))
		body("a 70 KB body", replaceMember(r.valid, r.fields[0], `"`+strings.Repeat("a", 70_000)+`"`))
		body("a 10 MB body", replaceMember(r.valid, r.fields[0], `"`+strings.Repeat("a", 10<<20)+`"`))
		body("a 60 KB first field", replaceMember(r.valid, r.fields[0], `"`+strings.Repeat("é", 30_000)+`"`))
		body("a duplicate member", strings.Replace(r.valid, "{", `{"`+r.fields[0]+`":"dup",`, 1))
		body("a duplicate member in another case", strings.Replace(r.valid, "{", `{"`+strings.ToUpper(r.fields[0])+`":"dup",`, 1))
		body("an unknown member of 65,000 characters", strings.Replace(r.valid, "{", `{"`+strings.Repeat("<", 65_000)+`":"x",`, 1))
		body("many unknown members", strings.Replace(r.valid, "{", "{"+manyMembers(200), 1))
		body("a duplicate member of 60,000 characters", strings.Replace(r.valid, "{", `{"`+strings.Repeat("é", 30_000)+`":1,"`+strings.Repeat("é", 30_000)+`":1,`, 1))
		for _, u := range []string{"id", "version", "owner", "PK", "SK", "createdAt", "__proto__", "constructor", "website2", "Title", " title", "tïtle"} {
			body("the unknown member "+u, strings.Replace(r.valid, "{", `{"`+u+`":"x",`, 1))
		}
		for _, ct := range []string{"", "text/plain", "application/xml", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
			"application/json; charset=latin1", "application/json; charset=utf-16", "application/jsonx", "json", ";;", "application/json-patch+json"} {
			add(r.name+": Content-Type "+strconvQuote(ct), r.method, r.path, r.header("Content-Type", ct), r.valid)
		}
	}
	// Create-only: field limits and the Idempotency-Key.
	for name, b := range map[string]string{
		"a title of 201 characters": `{"title":"` + strings.Repeat("t", 201) + `"}`,
		"a blank title":             `{"title":"   "}`,
		"notes of 2001 characters":  `{"title":"x","notes":"` + strings.Repeat("n", 2001) + `"}`,
		"eleven tags":               `{"title":"x","tags":["1","2","3","4","5","6","7","8","9","10","11"]}`,
		"a repeated tag":            `{"title":"x","tags":["a","a"]}`,
		"an empty tag":              `{"title":"x","tags":[""]}`,
		"a tag of 33 characters":    `{"title":"x","tags":["` + strings.Repeat("t", 33) + `"]}`,
		"a due date without a zone": `{"title":"x","dueAt":"2027-01-02T10:00:00"}`,
		"a due date on day 32":      `{"title":"x","dueAt":"2027-01-32T10:00:00Z"}`,
		"no title":                  `{"notes":"n"}`,
	} {
		add("create: "+name, "POST", "/todos", jsonAuth(x.alice), b)
	}
	for name, key := range map[string]string{
		"an empty Idempotency-Key":              "",
		"an Idempotency-Key of 256 characters":  strings.Repeat("k", 256),
		"an Idempotency-Key with a space":       "a b",
		"an Idempotency-Key with a tab":         "a\tb",
		"an Idempotency-Key with UTF-8":         "clé",
		"an Idempotency-Key with invalid UTF-8": "k\xff",
	} {
		add("create: "+name, "POST", "/todos", jsonAuth(x.alice, "Idempotency-Key", key), validTodo)
	}
	// Update-only: merge patch rules and If-Match.
	for name, b := range map[string]string{
		"an empty patch":      `{}`,
		"title null":          `{"title":null}`,
		"done null":           `{"done":null}`,
		"null in the tags":    `{"tags":[null]}`,
		"a blank title":       `{"title":" "}`,
		"a due date of words": `{"dueAt":"tomorrow"}`,
	} {
		add("update: "+name, "PATCH", todoPath, patchAuth(x.alice), b)
	}
	badTags := []string{`1`, `"abc"`, `W/"1"`, `"1", "2"`, `"0"`, `"-1"`, `""`, `"1`, `*, "1"`, `"99999999999999999999"`, `"1"x`, `'1'`}
	for _, tag := range badTags {
		add("update: If-Match "+tag, "PATCH", todoPath, patchAuth(x.alice, "If-Match", tag), validPatch)
		add("delete: If-Match "+tag, "DELETE", todoPath, auth(x.alice, "If-Match", tag), "")
	}
	add("update: a stale If-Match", "PATCH", todoPath, patchAuth(x.alice, "If-Match", `"7"`), validPatch)
	add("delete: a stale If-Match", "DELETE", todoPath, auth(x.alice, "If-Match", `"7"`), "")
	for _, tag := range []string{`1`, `"abc"`, `"1",`, `,`, `W/1`, `"1" "2"`, `W/`, `"1"x`} {
		add("get: If-None-Match "+tag, "GET", todoPath, auth(x.alice, "If-None-Match", tag), "")
	}
	// Ids that are not ULIDs, and ids of another user or of nothing.
	for _, id := range []string{"abc", "01ARZ3NDEKTSV4RRFFQ69G5FA", "01ARZ3NDEKTSV4RRFFQ69G5FAVV", "8ZZZZZZZZZZZZZZZZZZZZZZZZZ",
		"01ARZ3NDEKTSV4RRFFQ69G5FAU", "%00", "%20", "%C3%A9%C3%A9", "null", "-1", x.bobID, "01ARZ3NDEKTSV4RRFFQ69G5FAV"} {
		add("get: the id "+id, "GET", "/todos/"+id, auth(x.alice), "")
		add("update: the id "+id, "PATCH", "/todos/"+id, patchAuth(x.alice), validPatch)
		add("delete: the id "+id, "DELETE", "/todos/"+id, auth(x.alice), "")
	}
	// Query parameters of the listing.
	for _, q := range []string{"limit=0", "limit=-1", "limit=101", "limit=1000", "limit=1e2", "limit=0x10", "limit=", "limit=abc",
		"limit=99999999999999999999", "limit=5&limit=6", "limit=%205", "limit=2.5", "done=yes", "done=1", "done=", "done=TRUE", "done=true&done=false",
		"sort=", "sort=DUEAT", "sort=title", "sort=-dueAt", "sort=dueAt&sort=createdAt", "sort=" + strings.Repeat("dueAt", 1000),
		"cursor=!!!", "cursor=abc", "cursor=e30", "cursor=" + strings.Repeat("A", 5000), "cursor=" + x.bobCursor,
		"cursor=" + base64.RawURLEncoding.EncodeToString([]byte(`{"pk":"USER#bob","sk":"TODO#01ARZ3NDEKTSV4RRFFQ69G5FAV"}`)),
		"cursor=" + base64.RawURLEncoding.EncodeToString([]byte(`{"pk":"USER#alice","sk":"IDEMPOTENCY#k"}`)),
		"cursor=" + base64.RawURLEncoding.EncodeToString([]byte(`{"pk":"USER#alice","sk":"TODO#not-a-ulid"}`)),
	} {
		add("list: "+truncate(q, 60), "GET", "/todos?"+q, auth(x.alice), "")
	}
	// Tokens.
	for name, h := range map[string]map[string]string{
		"no Authorization":                        {},
		"an empty Authorization":                  {"Authorization": ""},
		"Bearer alone":                            {"Authorization": "Bearer"},
		"Bearer and a space":                      {"Authorization": "Bearer "},
		"a word for a token":                      {"Authorization": "Bearer abc"},
		"Basic credentials":                       {"Authorization": "Basic dXNlcjpwYXNz"},
		"an expired token":                        {"Authorization": "Bearer " + x.expired},
		"a token not yet valid":                   {"Authorization": "Bearer " + x.notYet},
		"another issuer's token":                  {"Authorization": "Bearer " + x.foreign},
		"a token for another audience":            {"Authorization": "Bearer " + x.wrongAudience},
		"a token whose payload was edited":        {"Authorization": "Bearer " + x.tamperedPayload},
		"a token whose signature was edited":      {"Authorization": "Bearer " + x.tamperedSig},
		"an unsigned token (alg none)":            {"Authorization": "Bearer " + x.algNone},
		"an HMAC token keyed with the public key": {"Authorization": "Bearer " + x.algHMAC},
		"two tokens":                              {"Authorization": "Bearer " + x.alice + " " + x.bob},
		"a valid token without a sub":             {"Authorization": "Bearer " + x.noSub},
	} {
		add("list: "+name, "GET", "/todos", h, "")
		h2 := map[string]string{"Content-Type": "application/json"}
		for k, v := range h {
			h2[k] = v
		}
		add("create: "+name, "POST", "/todos", h2, validTodo)
	}
	// Methods and paths no route takes.
	for _, mp := range [][2]string{{"PUT", "/todos"}, {"DELETE", "/todos"}, {"PATCH", "/todos"}, {"GET", "/contact"}, {"PUT", "/contact"},
		{"DELETE", "/contact"}, {"POST", todoPath}, {"PUT", todoPath}, {"PROPFIND", "/todos"}, {"OPTIONS", "/todos"}, {"GET", "/todo"},
		{"GET", "/todos/"}, {"GET", "/todos/" + x.aliceID + "/x"}, {"GET", "/TODOS"}, {"POST", "/contact/"}, {"GET", "/"}, {"GET", "/favicon.ico"},
		{"GET", "//todos"}, {"GET", "/%2e%2e/todos"}, {"GET", "/todos%2F" + x.aliceID}, {"POST", "/todos/"}} {
		add(mp[0]+" "+mp[1], mp[0], mp[1], jsonAuth(x.alice), "")
	}
	// Headers over API Gateway's 10,240 bytes.
	add("list: one header of 11 KB", "GET", "/todos", auth(x.alice, "X-Big", strings.Repeat("b", 11_000)), "")
	many := auth(x.alice)
	for i := range 40 {
		many[fmt.Sprintf("X-Many-%02d", i)] = strings.Repeat("m", 300)
	}
	add("list: forty headers of 300 bytes", "GET", "/todos", many, "")
	add("list: a query of 11 KB", "GET", "/todos?limit=1&pad="+strings.Repeat("q", 11_000), auth(x.alice), "")
	return out
}

// replaceMember sets the member name of a JSON object text to the raw
// JSON value, adding it when it is not there.
func replaceMember(object, name, raw string) string {
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(object), &m); err != nil {
		panic(err)
	}
	var b strings.Builder
	b.WriteString("{")
	keys := slices.Sorted(func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	})
	if _, ok := m[name]; !ok {
		keys = append(keys, name)
	}
	for i, k := range keys {
		if i > 0 {
			b.WriteString(",")
		}
		v := string(m[k])
		if k == name {
			v = raw
		}
		b.WriteString(`"` + k + `":` + v)
	}
	b.WriteString("}")
	return b.String()
}

func strconvQuote(s string) string { return fmt.Sprintf("%q", s) }

// truncate keeps names readable.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// leaks are what no error body may contain: the SDK's words, Go's, or the
// table's name.
var leaks = []string{"operation error", "DynamoDB", "dynamodb", "goroutine", ".go:", "panic", "arn:", "runtime error", "smithy", "StatusCode"}

func TestHostileRequestsGetAClientErrorAndWriteNothing(t *testing.T) {
	t.Parallel()
	a := startAPI(t, nil, nil)
	x := a.hostileTargets(t)
	table := a.cfg.Tables[0].Name
	before := scan(t, table)

	reqs := hostileRequests(x)
	names := map[string]bool{}
	for _, r := range reqs {
		if names[r.name] {
			t.Fatalf("two hostile requests are named %q", r.name)
		}
		names[r.name] = true
	}
	if len(reqs) < 300 {
		t.Fatalf("only %d hostile requests", len(reqs))
	}

	var mu sync.Mutex
	byStatus := map[int]int{}
	largest := 0
	var wg sync.WaitGroup
	work := make(chan hostile)
	for range 4 {
		wg.Go(func() {
			for r := range work {
				resp := a.sendRaw(t, r)
				mu.Lock()
				byStatus[resp.status]++
				largest = max(largest, len(resp.body))
				mu.Unlock()
				checkHostileAnswer(t, r, resp, table)
			}
		})
	}
	for _, r := range reqs {
		work <- r
	}
	close(work)
	wg.Wait()

	after := scan(t, table)
	written := 0
	if !slices.Equal(before, after) {
		written = len(symmetricDifference(before, after))
		t.Errorf("the hostile requests changed the table: %d items differ", written)
	}
	fives := 0
	for s, n := range byStatus {
		if s >= 500 {
			fives += n
		}
	}
	// No answer and no log line grows with the input.
	if largest > maxErrorBody {
		t.Errorf("the largest error body is %d bytes, want at most %d", largest, maxErrorBody)
	}
	longestLine := 0
	for line := range strings.SplitSeq(a.log.String(), "\n") {
		longestLine = max(longestLine, len(line))
	}
	if longestLine > maxLogLine {
		t.Errorf("the longest log line is %d bytes, want at most %d", longestLine, maxLogLine)
	}
	recordFigures("hostile", map[string]any{"requests": len(reqs), "statuses": byStatus, "5xx": fives, "itemsWritten": written,
		"largestBody": largest, "longestLogLine": longestLine})
}

// The bounds of what a hostile request may make the API write: a few KB.
const (
	maxErrorBody = 4096
	maxLogLine   = 4096
)

// manyMembers returns n members, unknown to any route, each named apart,
// followed by a comma.
func manyMembers(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, `"unknown%03d":1,`, i)
	}
	return b.String()
}

// checkHostileAnswer requires a 4xx that is a function's problem or the
// gateway's own error, carrying nothing it should not.
func checkHostileAnswer(t *testing.T, r hostile, resp response, table string) {
	t.Helper()
	what := fmt.Sprintf("%s (%s %s): %d %s", r.name, r.method, truncate(r.path, 80), resp.status, truncate(string(resp.body), 200))
	if resp.status < 400 || resp.status > 499 {
		t.Errorf("%s: want a 4xx", what)
		return
	}
	switch ct := resp.header.Get("Content-Type"); ct {
	case "application/problem+json":
		var p problem
		if err := json.Unmarshal(resp.body, &p); err != nil || p.Status != resp.status || p.Type != "about:blank" || p.Detail == "" {
			t.Errorf("%s: not a problem body (%v)", what, err)
		}
		if resp.header.Get("X-Content-Type-Options") != "nosniff" || resp.header.Get("Cache-Control") != "no-store" {
			t.Errorf("%s: a function's answer without nosniff and no-store", what)
		}
	case "application/json":
		var body map[string]string
		if err := json.Unmarshal(resp.body, &body); err != nil || body["message"] != http.StatusText(resp.status) || len(body) != 1 {
			t.Errorf("%s: not the gateway's own error", what)
		}
	default:
		t.Errorf("%s: Content-Type %q, want a problem or the gateway's JSON", what, ct)
	}
	for _, leak := range append(slices.Clone(leaks), table) {
		if strings.Contains(string(resp.body), leak) {
			t.Errorf("%s: the body gives away %q", what, leak)
		}
	}
}

// sendRaw sends a hostile request as it is and checks the answer against
// openapi.yaml.
func (a *api) sendRaw(t *testing.T, r hostile) response {
	t.Helper()
	var body io.Reader
	if r.body != "" {
		body = strings.NewReader(r.body)
	}
	req, err := http.NewRequestWithContext(t.Context(), r.method, a.URL+r.path, body)
	if err != nil {
		t.Fatalf("%s: %v", r.name, err)
	}
	for k, v := range r.header {
		req.Header[http.CanonicalHeaderKey(k)] = []string{v}
	}
	httpResp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s: %v", r.name, err)
	}
	defer httpResp.Body.Close()
	b, err := io.ReadAll(httpResp.Body)
	if err != nil {
		t.Fatalf("%s: reading the body: %v", r.name, err)
	}
	resp := response{status: httpResp.StatusCode, header: httpResp.Header, body: b}
	checkContract(t, req, request{method: r.method, path: r.path, header: r.header, body: r.body}, resp)
	return resp
}

// hostileTargets makes the tokens, todos and cursor the suite aims at.
func (a *api) hostileTargets(t *testing.T) hostileTargets {
	t.Helper()
	x := hostileTargets{alice: a.token(t, "alice"), bob: a.token(t, "bob")}
	x.aliceID = a.create(t, x.alice, validTodo).ID
	x.bobID = a.create(t, x.bob, validTodo).ID
	a.create(t, x.bob, validTodo)
	var p page
	a.do(t, request{method: "GET", path: "/todos?limit=1", token: x.bob}).want(t, http.StatusOK).decode(t, &p)
	if p.NextCursor == nil {
		t.Fatal("bob's first page has no cursor")
	}
	x.bobCursor = *p.NextCursor

	mintOr := func(tok devauth.Token) string {
		s, err := a.Issuer.Mint(tok)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	now := time.Now()
	x.expired = mintOr(devauth.Token{Subject: "alice", IssuedAt: now.Add(-2 * time.Hour), TTL: time.Hour})
	x.notYet = mintOr(devauth.Token{Subject: "alice", Claims: map[string]any{"nbf": now.Add(time.Hour).Unix()}})
	x.wrongAudience = mintOr(devauth.Token{Subject: "alice", Claims: map[string]any{"aud": "someone-else", "client_id": "someone-else"}})
	x.noSub = mintOr(devauth.Token{Subject: "alice", Claims: map[string]any{"sub": ""}})
	other, err := devauth.Open(t.TempDir(), devauth.Options{URL: a.Issuer.URL, Audience: a.Issuer.Audience})
	if err != nil {
		t.Fatal(err)
	}
	if x.foreign, err = other.Mint(devauth.Token{Subject: "alice"}); err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(x.alice, ".")
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	x.tamperedPayload = parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(strings.Replace(string(payload), `"alice"`, `"bob"`, 1))) + "." + parts[2]
	sig := []byte(parts[2])
	sig[10] ^= 1
	x.tamperedSig = parts[0] + "." + parts[1] + "." + string(sig)
	x.algNone = base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + parts[1] + "."
	jwks, err := a.Issuer.JWKS()
	if err != nil {
		t.Fatal(err)
	}
	head := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT","kid":"` + a.Issuer.KeyID() + `"}`))
	mac := hmac.New(sha256.New, jwks)
	mac.Write([]byte(head + "." + parts[1]))
	x.algHMAC = head + "." + parts[1] + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
	return x
}

// scan returns every item of the table, each as canonical JSON, sorted.
func scan(t *testing.T, table string) []string {
	t.Helper()
	client := dbtest.Client(t)
	var out []string
	p := dynamodb.NewScanPaginator(client, &dynamodb.ScanInput{TableName: aws.String(table), ConsistentRead: aws.Bool(true)})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, item := range page.Items {
			b, err := json.Marshal(item)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, string(b))
		}
	}
	slices.Sort(out)
	return out
}

func symmetricDifference(a, b []string) []string {
	var out []string
	for _, s := range a {
		if !slices.Contains(b, s) {
			out = append(out, s)
		}
	}
	for _, s := range b {
		if !slices.Contains(a, s) {
			out = append(out, s)
		}
	}
	return out
}
