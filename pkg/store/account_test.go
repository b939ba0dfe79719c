package store_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/example/serverless-todo/internal/testkit/dbtest"
	"github.com/example/serverless-todo/pkg/errkind"
	"github.com/example/serverless-todo/pkg/keys"
	"github.com/example/serverless-todo/pkg/profile"
	"github.com/example/serverless-todo/pkg/todo"
)

// named is a patch that sets the username and nothing else.
func named(username string) *profile.Patch {
	return &profile.Patch{Username: set(username)}
}

// usernameOwners maps each username claim in the table to its owner.
func usernameOwners(t *testing.T, tbl *dbtest.Table) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, it := range tbl.Items(t) {
		var k struct{ PK, SK, Owner string }
		if err := attributevalue.UnmarshalMap(it, &k); err != nil {
			t.Fatal(err)
		}
		if name, ok := strings.CutPrefix(k.PK, keys.UsernamePrefix); ok {
			var owner struct {
				Owner string `dynamodbav:"owner"`
			}
			if err := attributevalue.UnmarshalMap(it, &owner); err != nil {
				t.Fatal(err)
			}
			out[name] = owner.Owner
		}
	}
	return out
}

func TestUpdateProfileCreatesThenChangesTheProfile(t *testing.T) {
	s := dbtest.NewTable(t).Store()
	if _, err := s.GetProfile(ctx, "alice"); !errors.Is(err, errkind.ErrNotFound) {
		t.Fatalf("profile before any write: %v, want ErrNotFound", err)
	}
	first, err := s.UpdateProfile(ctx, "alice", &profile.Patch{FirstName: set("Alice"), Bio: set("Hi")}, 0)
	if err != nil || first.Version != 1 || first.FirstName != "Alice" || first.CreatedAt == "" {
		t.Fatalf("first write: %+v %v", first, err)
	}
	second, err := s.UpdateProfile(ctx, "alice", &profile.Patch{Bio: null[string]()}, 1)
	if err != nil || second.Version != 2 || second.Bio != "" || second.FirstName != "Alice" || second.CreatedAt != first.CreatedAt {
		t.Fatalf("second write: %+v %v", second, err)
	}
	if _, err := s.UpdateProfile(ctx, "alice", &profile.Patch{Bio: set("stale")}, 1); !errors.Is(err, errkind.ErrVersionMismatch) {
		t.Fatalf("write at a stale version: %v, want ErrVersionMismatch", err)
	}
	got, err := s.GetProfile(ctx, "alice")
	if err != nil || got != second {
		t.Fatalf("stored %+v (%v), want %+v", got, err, second)
	}
}

func TestAUsernameIsOneUsersWhateverItsCase(t *testing.T) {
	tbl := dbtest.NewTable(t)
	s := tbl.Store()
	if _, err := s.UpdateProfile(ctx, "alice", named("alice"), 0); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"alice", "Alice", "ALICE"} {
		if _, err := s.UpdateProfile(ctx, "bob", named(name), 0); !errors.Is(err, errkind.ErrUsernameTaken) {
			t.Errorf("bob asking for %q: %v, want ErrUsernameTaken", name, err)
		}
	}
	if _, err := s.GetProfile(ctx, "bob"); !errors.Is(err, errkind.ErrNotFound) {
		t.Errorf("a refused claim wrote bob's profile: %v", err)
	}
	// Alice changes only the case: her claim stays.
	p, err := s.UpdateProfile(ctx, "alice", named("Alice"), 0)
	if err != nil || p.Username != "Alice" {
		t.Fatalf("case change: %+v %v", p, err)
	}
	// A rename releases the old name in the same transaction.
	if _, err := s.UpdateProfile(ctx, "alice", named("ally"), 0); err != nil {
		t.Fatal(err)
	}
	if got, want := usernameOwners(t, tbl), map[string]string{"ally": "alice"}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("claims %v, want %v", got, want)
	}
	if _, err := s.UpdateProfile(ctx, "bob", named("ALICE"), 0); err != nil {
		t.Fatalf("bob asking for the released name: %v", err)
	}
	// Removing the username releases it.
	if _, err := s.UpdateProfile(ctx, "alice", &profile.Patch{Username: null[string]()}, 0); err != nil {
		t.Fatal(err)
	}
	if got, want := usernameOwners(t, tbl), map[string]string{"alice": "bob"}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("claims %v, want %v", got, want)
	}
}

// Twenty users race for one username: one wins, the others are told it is
// taken, and no claim exists without the profile that names it.
func TestTwentyUsersRacingForAUsernameLeaveOneWinner(t *testing.T) {
	tbl := dbtest.NewTable(t)
	s := tbl.Store()
	const racers = 20
	errs := make([]error, racers)
	var wg sync.WaitGroup
	for i := range racers {
		wg.Go(func() {
			// Each racer holds a name of its own first, so that every one
			// both claims and releases.
			owner := fmt.Sprintf("racer-%02d", i)
			if _, err := s.UpdateProfile(ctx, owner, named(owner), 0); err != nil {
				errs[i] = err
				return
			}
			_, errs[i] = s.UpdateProfile(ctx, owner, named([]string{"Winner", "winner", "WINNER"}[i%3]), 0)
		})
	}
	wg.Wait()
	winners := 0
	for i, err := range errs {
		switch {
		case err == nil:
			winners++
		case !errors.Is(err, errkind.ErrUsernameTaken):
			t.Errorf("racer %d: %v, want nil or ErrUsernameTaken", i, err)
		}
	}
	if winners != 1 {
		t.Fatalf("%d winners, want 1", winners)
	}
	claims := usernameOwners(t, tbl)
	if len(claims) != racers {
		t.Errorf("%d claims, want %d (the winner's new one and the others' own): %v", len(claims), racers, claims)
	}
	for name, owner := range claims {
		p, err := s.GetProfile(ctx, owner)
		if err != nil || profile.UsernameKey(p.Username) != name {
			t.Errorf("claim %q of %s, whose profile is %+v (%v)", name, owner, p, err)
		}
	}
}

func TestADeletedAccountWritesNothing(t *testing.T) {
	tbl := dbtest.NewTable(t)
	s := tbl.Store()
	td := newTodo("before", time.Now())
	if err := s.PutTodo(ctx, "alice", td, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UpdateProfile(ctx, "alice", named("alice"), 0); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DeleteAccount(ctx, "alice", 0, time.Hour); err != nil {
		t.Fatal(err)
	}
	before := len(tbl.Items(t))
	writes := map[string]func() error{
		"PutTodo": func() error { return s.PutTodo(ctx, "alice", newTodo("after", time.Now()), 0) },
		"UpdateTodo": func() error {
			_, err := s.UpdateTodo(ctx, "alice", td.ID, &todo.Patch{Done: set(true)}, 0)
			return err
		},
		"DeleteTodo": func() error { _, err := s.DeleteTodo(ctx, "alice", td.ID, 0); return err },
		"UpdateProfile": func() error {
			_, err := s.UpdateProfile(ctx, "alice", named("newname"), 0)
			return err
		},
	}
	for name, write := range writes {
		if err := write(); !errors.Is(err, errkind.ErrAccountDeleted) {
			t.Errorf("%s after the deletion: %v, want ErrAccountDeleted", name, err)
		}
	}
	if after := len(tbl.Items(t)); after != before {
		t.Errorf("%d items after the refused writes, %d before", after, before)
	}
}

func TestDeleteAccountWithIfMatchHoldsOnlyAtThatVersion(t *testing.T) {
	s := dbtest.NewTable(t).Store()
	if _, err := s.UpdateProfile(ctx, "alice", named("alice"), 0); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DeleteAccount(ctx, "alice", 2, time.Hour); !errors.Is(err, errkind.ErrVersionMismatch) {
		t.Fatalf("deletion at a stale version: %v, want ErrVersionMismatch", err)
	}
	if err := s.PutTodo(ctx, "alice", newTodo("still alive", time.Now()), 0); err != nil {
		t.Fatalf("a refused deletion deleted the account: %v", err)
	}
	first, err := s.DeleteAccount(ctx, "alice", 1, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	again, err := s.DeleteAccount(ctx, "alice", 0, time.Hour)
	if err != nil || !again.Equal(first) {
		t.Fatalf("deleting again: %v at %v, want the first deletion's %v", err, again, first)
	}
}

// owned is every item of owner's, in their partition or a claim of theirs.
func owned(t *testing.T, tbl *dbtest.Table, owner string) []map[string]types.AttributeValue {
	t.Helper()
	var out []map[string]types.AttributeValue
	for _, it := range tbl.Items(t) {
		var k struct {
			PK    string `dynamodbav:"PK"`
			Owner string `dynamodbav:"owner"`
		}
		if err := attributevalue.UnmarshalMap(it, &k); err != nil {
			t.Fatal(err)
		}
		if k.PK == keys.UserPK(owner) || k.Owner == owner {
			out = append(out, it)
		}
	}
	return out
}

// asValues is items as plain Go values, which print as their content.
func asValues(t *testing.T, items []map[string]types.AttributeValue) []map[string]any {
	t.Helper()
	out := make([]map[string]any, len(items))
	for i, it := range items {
		if err := attributevalue.UnmarshalMap(it, &out[i]); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func TestPurgeAccountLeavesOnlyTheMarkAndIsResumable(t *testing.T) {
	tbl := dbtest.NewTable(t)
	s := tbl.Store()
	for _, owner := range []string{"alice", "bob"} {
		for i := range 60 {
			td := newTodo(fmt.Sprintf("todo %d", i), time.Now())
			if err := s.PutTodo(ctx, owner, td, 0); err != nil {
				t.Fatal(err)
			}
			if i%3 == 0 {
				if _, err := s.DeleteTodo(ctx, owner, td.ID, 0); err != nil {
					t.Fatal(err)
				}
			}
		}
		if _, err := s.UpdateProfile(ctx, owner, named(owner+"_name"), 0); err != nil {
			t.Fatal(err)
		}
	}
	bobBefore := asValues(t, owned(t, tbl, "bob"))
	if _, _, err := s.PurgeAccount(ctx, "alice", 1000); err == nil {
		t.Fatal("a purge of a live account went ahead")
	}
	if _, err := s.DeleteAccount(ctx, "alice", 0, time.Hour); err != nil {
		t.Fatal(err)
	}
	// Rounds of 25 stand for invocations that each ran out of time.
	rounds, total := 0, 0
	for {
		rounds++
		done, n, err := s.PurgeAccount(ctx, "alice", 25)
		if err != nil {
			t.Fatal(err)
		}
		total += n
		if done {
			break
		}
		if rounds > 20 {
			t.Fatal("the purge does not end")
		}
	}
	if rounds < 3 {
		t.Errorf("purged in %d rounds of 25: the limit was not kept", rounds)
	}
	left := owned(t, tbl, "alice")
	if len(left) != 1 {
		t.Fatalf("%d of alice's items left, want only the mark: %v", len(left), left)
	}
	var mark map[string]any
	if err := attributevalue.UnmarshalMap(left[0], &mark); err != nil {
		t.Fatal(err)
	}
	var names []string
	for k := range mark {
		names = append(names, k)
	}
	slices.Sort(names)
	if want := []string{"PK", "SK", "deletedAt", "expiresAt", "type"}; !slices.Equal(names, want) {
		t.Errorf("the mark holds %v, want %v", names, want)
	}
	if fmt.Sprint(asValues(t, owned(t, tbl, "bob"))) != fmt.Sprint(bobBefore) {
		t.Error("the purge of alice changed bob's items")
	}
	// A repeated purge finds nothing to do; the username is free again.
	if done, n, err := s.PurgeAccount(ctx, "alice", 25); !done || n != 0 || err != nil {
		t.Errorf("purge again: done %v, %d items, %v", done, n, err)
	}
	if _, err := s.UpdateProfile(ctx, "carol", named("ALICE_name"), 0); err != nil {
		t.Errorf("the purged user's name is not free: %v", err)
	}
}
