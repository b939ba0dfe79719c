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
	// ContactSK is the sort key of every contact message: each message has
	// a partition of its own.
	ContactSK = "CONTACT"
	// CountersSK is the sort key of a user's counters, such as how many
	// todos they keep.
	CountersSK = "COUNTERS"
)

// UserPK is the partition key of everything that belongs to owner, the sub
// claim of the caller's token.
func UserPK(owner string) string { return UserPrefix + owner }

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
