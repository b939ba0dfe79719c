package e2e

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	oklog "github.com/oklog/ulid/v2"

	"github.com/example/serverless-todo/internal/local/devauth"
	"github.com/example/serverless-todo/internal/testkit/dbtest"
	"github.com/example/serverless-todo/pkg/attachment"
	"github.com/example/serverless-todo/pkg/keys"
)

// purgeFunction is the logical ID of the function behind the purge queue.
const purgeFunction = "PurgeAccountFunction"

// fill writes n items into owner's partition the way a long-lived account
// holds them, in batches: todos with their index keys, and idempotency
// records, half each. The purge must delete them whatever they are.
func fill(t *testing.T, table, owner string, n int) {
	t.Helper()
	client := dbtest.Client(t)
	var reqs []types.WriteRequest
	flush := func() {
		for len(reqs) > 0 {
			out, err := client.BatchWriteItem(t.Context(), &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{table: reqs}})
			if err != nil {
				t.Fatal(err)
			}
			reqs = out.UnprocessedItems[table]
		}
	}
	now := time.Now().UTC().Format("2006-01-02T15:04:05.000Z")
	for i := range n {
		id := oklog.Make().String()
		item := map[string]any{"PK": keys.UserPK(owner), "type": "todo", "id": id, "title": "filler " + strconv.Itoa(i),
			"done": false, "createdAt": now, "updatedAt": now, "version": 1,
			keys.StatusKeyAttr: keys.StatusKey(false, id), keys.DueKeyAttr: keys.DueKey("", id),
			keys.StatusDueKeyAttr: keys.StatusDueKey(false, "", id), keys.SeqKeyAttr: keys.SeqKey(int64(1_000_000 + i))}
		item["SK"] = keys.TodoSK(id)
		if i%2 == 1 {
			item = map[string]any{"PK": keys.UserPK(owner), "SK": keys.IdempotencySK("key-" + id), "type": "idempotency", "state": "done"}
		}
		av, err := attributevalue.MarshalMap(item)
		if err != nil {
			t.Fatal(err)
		}
		reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: av}})
		if len(reqs) == 25 {
			flush()
		}
	}
	flush()
}

// partitionSize counts the items of owner's partition, consistently.
func partitionSize(ctx context.Context, t *testing.T, table, owner string) int {
	t.Helper()
	p := dynamodb.NewQueryPaginator(dbtest.Client(t), &dynamodb.QueryInput{
		TableName:                 aws.String(table),
		KeyConditionExpression:    aws.String("PK = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": &types.AttributeValueMemberS{Value: keys.UserPK(owner)}},
		Select:                    types.SelectCount,
		ConsistentRead:            aws.Bool(true),
	})
	n := 0
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		n += int(page.Count)
	}
	return n
}

// firstKey is the key of the first item of owner's partition, in key
// order, after the counters (which the purge keeps as the mark).
func firstKey(t *testing.T, table, owner string) map[string]types.AttributeValue {
	t.Helper()
	pk := &types.AttributeValueMemberS{Value: keys.UserPK(owner)}
	out, err := dbtest.Client(t).Query(t.Context(), &dynamodb.QueryInput{
		TableName:                 aws.String(table),
		KeyConditionExpression:    aws.String("PK = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": pk},
		ExclusiveStartKey:         map[string]types.AttributeValue{"PK": pk, "SK": &types.AttributeValueMemberS{Value: keys.CountersSK}},
		ProjectionExpression:      aws.String("PK, SK"),
		Limit:                     aws.Int32(1),
		ConsistentRead:            aws.Bool(true),
	})
	if err != nil || len(out.Items) != 1 {
		t.Fatalf("the first item of %s: %v", owner, err)
	}
	return out.Items[0]
}

// exists reports whether the item of key is in the table.
func exists(ctx context.Context, t *testing.T, table string, key map[string]types.AttributeValue) bool {
	t.Helper()
	out, err := dbtest.Client(t).GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(table), Key: key, ConsistentRead: aws.Bool(true)})
	if err != nil {
		if ctx.Err() != nil {
			return true
		}
		t.Fatal(err)
	}
	return out.Item != nil
}

// purged reports whether owner's purge is done: it strips the mark of
// the counts last.
func purged(ctx context.Context, t *testing.T, table, owner string) bool {
	t.Helper()
	out, err := dbtest.Client(t).GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(table), ConsistentRead: aws.Bool(true),
		Key: map[string]types.AttributeValue{"PK": &types.AttributeValueMemberS{Value: keys.UserPK(owner)}, "SK": &types.AttributeValueMemberS{Value: keys.CountersSK}}})
	if err != nil {
		if ctx.Err() != nil {
			return false
		}
		t.Fatal(err)
	}
	_, counted := out.Item["seq"]
	return out.Item["deletedAt"] != nil && !counted
}

// ownedItems are the items of the table that belong to owner: in their
// partition, or a username claim of theirs.
func (a *api) ownedItems(t *testing.T, owner string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, it := range a.items(t) {
		if it["PK"] == keys.UserPK(owner) || it["owner"] == owner {
			out = append(out, it)
		}
	}
	return out
}

// A user with 10,000 items deletes their account; the purge is killed
// half-way once. The account's writes stop at the 202, the purge resumes
// when its message comes back, and then nothing of the user is left but
// the mark that refuses their old tokens, other users' data is untouched,
// the username is free, and the user pool issues the user no token.
func TestDeletingAnAccountLeavesNothingBehind(t *testing.T) {
	t.Parallel()
	a := startAPI(t, nil, nil)
	table := a.cfg.Tables[0].Name
	user := "gone-" + strconv.FormatUint(rand.Uint64(), 36)
	name := "u" + strconv.FormatUint(rand.Uint64(), 36)[:8]
	token := a.token(t, user)
	other := "stays-" + strconv.FormatUint(rand.Uint64(), 36)
	otherToken := a.token(t, other)

	// Through the API: a profile with a username, todos (one with an
	// Idempotency-Key), one deleted (a tombstone); then the bulk.
	a.do(t, request{method: "PATCH", path: "/me", token: token, body: `{"username":"` + name + `","firstName":"Gone"}`}).want(t, http.StatusOK)
	for i := range 5 {
		r := request{method: "POST", path: "/todos", token: token, body: fmt.Sprintf(`{"title":"todo %d"}`, i)}
		if i == 0 {
			r.header = map[string]string{"Idempotency-Key": "first-" + user}
		}
		created := a.do(t, r).want(t, http.StatusCreated)
		if i == 4 {
			var td todo
			created.decode(t, &td)
			a.do(t, request{method: "DELETE", path: "/todos/" + td.ID, token: token}).want(t, http.StatusNoContent)
		}
	}
	a.do(t, request{method: "PATCH", path: "/me", token: otherToken, body: `{"username":"other` + name + `"}`}).want(t, http.StatusOK)
	kept := a.create(t, otherToken, `{"title":"still here"}`)
	// A photo each, checked; and one of the user's never uploaded.
	withPhoto := a.create(t, token, `{"title":"with a photo"}`)
	for _, p := range []struct{ token, todo string }{{token, withPhoto.ID}, {otherToken, kept.ID}} {
		d := a.declare(t, p.token, p.todo, "image/jpeg", 1000)
		if status, body := upload(t, d.Upload, photo(1000)); status != http.StatusOK {
			t.Fatalf("upload: %d %s", status, body)
		}
		a.settled(t, p.token, p.todo, d.ID)
	}
	a.declare(t, token, withPhoto.ID, "image/jpeg", 1000)
	othersObjects := a.bucketKeys(t, attachment.UserPrefix(other))
	if len(othersObjects) != 1 || len(a.bucketKeys(t, attachment.UserPrefix(user))) != 1 {
		t.Fatalf("bucket holds %v before the deletion", a.bucketKeys(t, ""))
	}
	fill(t, table, user, 10_000-partitionSize(t.Context(), t, table, user)-1)
	if n := partitionSize(t.Context(), t, table, user); n+1 != 10_000 {
		t.Fatalf("%d items in the partition and the username, want 10,000", n+1)
	}
	otherBefore := fmt.Sprint(a.ownedItems(t, other))

	start := time.Now()
	var deletion struct {
		DeletedAt string `json:"deletedAt"`
	}
	a.do(t, request{method: "DELETE", path: "/me", token: token}).want(t, http.StatusAccepted).decode(t, &deletion)
	if _, err := time.Parse(time.RFC3339, deletion.DeletedAt); err != nil {
		t.Errorf("deletedAt %q: %v", deletion.DeletedAt, err)
	}
	// The token still passes the gateway, as API Gateway's authorizer lets
	// it until it expires, but writes nothing.
	for _, r := range []request{
		{method: "POST", path: "/todos", token: token, body: `{"title":"after"}`},
		{method: "PATCH", path: "/me", token: token, body: `{"bio":"after"}`},
	} {
		if p := a.do(t, r).wantProblem(t, http.StatusForbidden); !strings.Contains(p.Detail, "deleted") {
			t.Errorf("%s %s after the deletion: %q", r.method, r.path, p.Detail)
		}
	}
	// Kill the purge once, as soon as it has deleted something: the
	// first item of the partition in key order, which it deletes first.
	ctx, cancel := context.WithTimeout(t.Context(), 90*time.Second)
	defer cancel()
	first := firstKey(t, table, user)
	killed := false
	for !killed {
		if ctx.Err() != nil {
			t.Fatal("the purge did not start")
		}
		if exists(ctx, t, table, first) {
			continue
		}
		for _, pid := range a.PIDs(purgeFunction) {
			if err := syscall.Kill(pid, syscall.SIGKILL); err == nil {
				killed = true
			}
		}
		if !killed && purged(ctx, t, table, user) {
			t.Fatal("the purge ended before the test could kill it")
		}
	}
	// The message comes back after its visibility timeout and the purge
	// goes on in a new process, until it strips the mark.
	for !purged(ctx, t, table, user) {
		if ctx.Err() != nil {
			t.Fatalf("the purge did not resume: %d items left", partitionSize(t.Context(), t, table, user))
		}
	}
	took := time.Since(start)
	if runs := len(a.log.Matching(regexp.MustCompile(`^\[` + purgeFunction + `\] .*"type":"platform.start"`))); runs < 2 {
		t.Errorf("%d purge invocations, want the killed one and more", runs)
	}

	// The purge deleted the user from the user pool first: no new token.
	if _, err := a.Issuer.Mint(devauth.Token{Subject: user}); !errors.Is(err, devauth.ErrUserDeleted) {
		t.Errorf("the issuer minted a token for the deleted user: %v", err)
	}
	left := a.ownedItems(t, user)
	if len(left) != 1 || left[0]["SK"] != keys.CountersSK || left[0]["deletedAt"] == nil || left[0]["expiresAt"] == nil || len(left[0]) != 5 {
		t.Fatalf("left of the user: %v, want only the mark (PK, SK, type, deletedAt, expiresAt)", left)
	}
	if got := fmt.Sprint(a.ownedItems(t, other)); got != otherBefore {
		t.Errorf("the other user's items changed:\n%s\nwant\n%s", got, otherBefore)
	}
	// The purge deleted the user's objects, and only theirs.
	if keys := a.bucketKeys(t, ""); !slices.Equal(keys, othersObjects) {
		t.Errorf("bucket holds %v after the purge, want only the other user's %v", keys, othersObjects)
	}
	// The old token sees nothing; the username is another's to take.
	var listed page
	a.do(t, request{method: "GET", path: "/todos", token: token}).want(t, http.StatusOK).decode(t, &listed)
	if len(listed.Items) != 0 {
		t.Errorf("the deleted user's token lists %d todos", len(listed.Items))
	}
	var me map[string]any
	a.do(t, request{method: "GET", path: "/me", token: token}).want(t, http.StatusOK).decode(t, &me)
	if len(me) != 0 {
		t.Errorf("the deleted user's token reads a profile: %v", me)
	}
	a.do(t, request{method: "PATCH", path: "/me", token: otherToken, body: `{"username":"` + strings.ToUpper(name) + `"}`}).want(t, http.StatusOK)
	recordFigures("purge", map[string]any{"items": 10_000, "purgeSeconds": took.Seconds()})
}

// Twenty users race through the API for one username: one gets it, the
// others a 409 naming the field.
func TestTwentyUsersRaceForAUsername(t *testing.T) {
	t.Parallel()
	a := startAPI(t, nil, nil)
	name := "race" + strconv.FormatUint(rand.Uint64(), 36)[:8]
	statuses := make([]int, 20)
	done := make(chan struct{})
	for i := range statuses {
		go func() {
			defer func() { done <- struct{}{} }()
			tok := a.token(t, fmt.Sprintf("racer-%d-%s", i, name))
			resp := a.do(t, request{method: "PATCH", path: "/me", token: tok, body: `{"username":"` + name + `"}`})
			statuses[i] = resp.status
		}()
	}
	for range statuses {
		<-done
	}
	won := 0
	for i, s := range statuses {
		switch s {
		case http.StatusOK:
			won++
		case http.StatusConflict:
		default:
			t.Errorf("racer %d: status %d", i, s)
		}
	}
	if won != 1 {
		t.Errorf("%d racers got the username, want 1", won)
	}
}
