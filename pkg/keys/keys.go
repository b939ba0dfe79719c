// Package keys builds the partition (PK) and sort (SK) keys of the one
// DynamoDB table. Every item's key is made here, so the layout of the table
// can be read in one place:
//
//	item              PK                SK
//	todo              USER#<owner>      TODO#<ulid>
//	deleted todo      USER#<owner>      TOMBSTONE#<ulid>
//	idempotency key   USER#<owner>      IDEMPOTENCY#<key>
//	user's counters   USER#<owner>      COUNTERS
//	contact message   CONTACT#<ulid>    CONTACT
//	contact limit     CONTACTLIMIT#<h>  HOUR#<yyyy-mm-ddThh>
//
// A user's todos and idempotency records share the user's partition, so one
// Query with a key condition on that partition can never see another user's
// data. A contact limit counts the messages of one sender (h, the keyed
// hash of their IP address) in one hour.
package keys

import (
	"strconv"
	"strings"
	"time"
)

// Prefixes of the key values. TodoPrefix is also the begins_with condition
// that lists a user's todos and nothing else of theirs.
const (
	UserPrefix         = "USER#"
	TodoPrefix         = "TODO#"
	TombstonePrefix    = "TOMBSTONE#"
	IdempotencyPrefix  = "IDEMPOTENCY#"
	ContactPrefix      = "CONTACT#"
	ContactLimitPrefix = "CONTACTLIMIT#"
	UsernamePrefix     = "USERNAME#"
	// ContactSK is the sort key of every contact message: each message has
	// a partition of its own.
	ContactSK = "CONTACT"
	// CountersSK is the sort key of a user's counters, such as how many
	// todos they keep.
	CountersSK = "COUNTERS"
	// ProfileSK is the sort key of a user's profile, in their partition.
	ProfileSK = "PROFILE"
	// UsernameSK is the sort key of a username's claim: each username has
	// a partition of its own, so that one put's condition makes it unique.
	UsernameSK = "USERNAME"
)

// UserPK is the partition key of everything that belongs to owner, the sub
// claim of the caller's token.
func UserPK(owner string) string { return UserPrefix + owner }

// UsernamePK is the partition key of the claim on a username, by its
// case-folded form (profile.UsernameKey): the claim is what makes a
// username unique across users, whatever its case.
func UsernamePK(key string) string { return UsernamePrefix + key }

// TodoSK is the sort key of the todo with the given ULID. ULIDs sort by
// creation time, so the sort key orders a user's todos oldest first.
func TodoSK(id string) string { return TodoPrefix + id }

// TodoID returns the todo ID in a sort key made by TodoSK.
func TodoID(sk string) (string, bool) { return strings.CutPrefix(sk, TodoPrefix) }

// TombstoneSK is the sort key of what the todo with the given ULID leaves
// when it is deleted. It is outside the TODO# range, so listing todos never
// reads one.
func TombstoneSK(id string) string { return TombstonePrefix + id }

// IdempotencySK is the sort key of the record of an Idempotency-Key.
func IdempotencySK(key string) string { return IdempotencyPrefix + key }

// ContactPK is the partition key of the contact message with the given ULID.
func ContactPK(id string) string { return ContactPrefix + id }

// ContactLimitPK is the partition key of the contact limits of the sender
// whose IP address hashes to sender.
func ContactLimitPK(sender string) string { return ContactLimitPrefix + sender }

// ContactLimitSK is the sort key of the limit of the hour that starts at
// hour, in UTC.
func ContactLimitSK(hour time.Time) string { return "HOUR#" + hour.UTC().Format("2006-01-02T15") }

// The table's local secondary indexes, each a sort key of its own over the
// user's partition, so that every form of GET /todos is one Query that
// reads only the page it returns. Only todos carry their attributes: the
// indexes are sparse, and the partition's other items are never read
// through them. Local rather than global: a local index is read with the
// table's strong consistency, so a client sees its own write in the next
// listing, as it does without a filter.
const (
	// ByStatus lists open or done todos, newest first: StatusKey.
	ByStatus      = "ByStatus"
	StatusKeyAttr = "statusKey"
	// ByDue lists todos by due date: DueKey.
	ByDue      = "ByDue"
	DueKeyAttr = "dueKey"
	// ByStatusDue lists open or done todos by due date: StatusDueKey.
	ByStatusDue      = "ByStatusDue"
	StatusDueKeyAttr = "statusDueKey"
	// BySeq lists what changed, todos and tombstones, in the order the
	// changes were made: SeqKey.
	BySeq      = "BySeq"
	SeqKeyAttr = "seqKey"
)

// Index is a local secondary index: its name and its sort key attribute.
type Index struct{ Name, SortKey string }

// Indexes are the table's local secondary indexes; template.yaml declares
// the same, and a test keeps the two in step.
var Indexes = []Index{
	{ByStatus, StatusKeyAttr},
	{ByDue, DueKeyAttr},
	{ByStatusDue, StatusDueKeyAttr},
	{BySeq, SeqKeyAttr},
}

// Status prefixes of StatusKey and StatusDueKey.
const (
	OpenPrefix = "OPEN#"
	DonePrefix = "DONE#"
)

// StatusPrefix is the prefix of the status keys of todos whose done is done.
func StatusPrefix(done bool) string {
	if done {
		return DonePrefix
	}
	return OpenPrefix
}

// StatusKey is a todo's key in ByStatus: its status, then its ULID, so
// that each status's todos sort by creation as TodoSK does. The ULID never
// changes, so a todo whose status changes leaves one listing and joins the
// other at its own place: a listing being paged never meets it twice.
func StatusKey(done bool, id string) string { return StatusPrefix(done) + id }

// noDue sorts after every due date: '~' is above the digits.
const noDue = "~"

// dueLayout is fixed-width, unlike RFC 3339's, so that the keys sort as
// the times do.
const dueLayout = "2006-01-02T15:04:05.000000000Z"

// DueKey is a todo's key in ByDue: its due date (dueAt, as the table stores
// it) in UTC at a fixed width, or after every date when it has none, then
// its ULID inverted, so that ascending keys give the earliest due first
// and, among equal due dates, the newest todo first.
func DueKey(dueAt, id string) string {
	due := noDue
	if dueAt != "" {
		if t, err := time.Parse(time.RFC3339Nano, dueAt); err == nil {
			due = t.UTC().Format(dueLayout)
		}
	}
	return due + "#" + invert(id)
}

// StatusDueKey is a todo's key in ByStatusDue: its status, then its DueKey.
func StatusDueKey(done bool, dueAt, id string) string {
	return StatusPrefix(done) + DueKey(dueAt, id)
}

// DueKeyID returns the ULID a DueKey ends with, and whether key has the
// shape of one.
func DueKeyID(key string) (string, bool) {
	due, inverted, ok := strings.Cut(key, "#")
	if !ok || (due != noDue && len(due) != len(dueLayout)) {
		return "", false
	}
	return invert(inverted), true
}

// crockford is the alphabet of ULIDs, in order.
const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// invert maps each character of a ULID to its mirror in the alphabet, so
// that inverted ULIDs sort in the reverse order. Anything else is kept,
// so invert is its own inverse on any string.
func invert(id string) string {
	b := []byte(id)
	for i, c := range b {
		if j := strings.IndexByte(crockford, c); j >= 0 {
			b[i] = crockford[len(crockford)-1-j]
		}
	}
	return string(b)
}

// SeqKey is the key in BySeq of the item that the write with sequence
// number seq (the user's counters' seq) left: zero-padded, so that the keys
// sort as the numbers do.
func SeqKey(seq int64) string {
	n := strconv.FormatInt(seq, 10)
	return strings.Repeat("0", max(0, 20-len(n))) + n
}

// SeqOf returns the sequence number of a SeqKey, and whether key is one.
func SeqOf(key string) (int64, bool) {
	if len(key) != 20 {
		return 0, false
	}
	n, err := strconv.ParseInt(key, 10, 64)
	return n, err == nil && n >= 0
}
