// Package attachment defines a todo's photo attachment: what the API
// returns, the body that declares an upload, the rules it must meet, the
// check of an uploaded object's leading bytes against its declared type,
// and the object key, which the server builds from the owner and the ids
// alone.
package attachment

import (
	"bytes"
	"encoding/hex"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/example/serverless-todo/pkg/problem"
)

// Statuses of an attachment: pending until S3 reports the object, then
// ready when its size and leading bytes match what was declared, rejected
// (and the object deleted) when they do not.
const (
	StatusPending  = "pending"
	StatusReady    = "ready"
	StatusRejected = "rejected"
)

// Limits of the API's attachments. DefaultMaxBytes is the default of
// the stack's size limit; MaxPerTodo bounds a todo's attachments, so that
// a todo and its list stay small.
const (
	DefaultMaxBytes = 10 << 20
	MaxPerTodo      = 10
)

// Attachment is an attachment's metadata, as GET /todos/{id} and the lists
// show it and the todo's item stores it: no URL, so that lists stay cheap.
type Attachment struct {
	ID          string `json:"id" dynamodbav:"id"`
	ContentType string `json:"contentType" dynamodbav:"contentType"`
	Size        int64  `json:"size" dynamodbav:"size"`
	FileName    string `json:"fileName,omitempty" dynamodbav:"fileName,omitempty"`
	Status      string `json:"status" dynamodbav:"status"`
	CreatedAt   string `json:"createdAt" dynamodbav:"createdAt"`
	// ExpiresAt (Unix seconds) ends a pending attachment whose upload
	// never arrived: from then on it is gone (Live), and the next write
	// of its todo drops it. The API never shows it.
	ExpiresAt int64 `json:"-" dynamodbav:"expiresAt,omitempty"`
}

// Expired reports whether a is a pending attachment past its expiry at
// now: its upload never came.
func (a *Attachment) Expired(now time.Time) bool {
	return a.Status == StatusPending && a.ExpiresAt != 0 && now.Unix() >= a.ExpiresAt
}

// Live returns the attachments of as that have not expired at now, as
// the API shows them; nil when none are left.
func Live(as []Attachment, now time.Time) []Attachment {
	var live []Attachment
	for _, a := range as {
		if !a.Expired(now) {
			live = append(live, a)
		}
	}
	return live
}

// Find returns the index of the attachment id in as, -1 when there is none.
func Find(as []Attachment, id string) int {
	return slices.IndexFunc(as, func(a Attachment) bool { return a.ID == id })
}

// New is the body of POST /todos/{id}/attachments: what the app is about
// to upload. Its tags are the rules; the size limit is the stack's
// parameter, which Check takes.
type New struct {
	ContentType string `json:"contentType" validate:"required,oneof=image/jpeg image/png image/heic image/webp"`
	Size        int64  `json:"size" validate:"required,min=1"`
	FileName    string `json:"fileName" validate:"omitempty,max=255,line,visible"`
}

// Validator checks a struct's fields against their validate tags and
// composes text; *validate.Validator is the one the functions use.
type Validator interface {
	Struct(s any) error
	Compose(s string) string
}

// Validate trims the file name, checks n against its rules and maxBytes,
// and composes the file name in Unicode's composed form (NFC).
func (n *New) Validate(v Validator, maxBytes int64) error {
	n.FileName = strings.TrimSpace(n.FileName)
	if err := v.Struct(n); err != nil {
		return err
	}
	if err := n.CheckSize(maxBytes); err != nil {
		return err
	}
	n.FileName = v.Compose(n.FileName)
	return nil
}

// Pending returns the attachment a valid New declares, id, pending until
// expiresAt (its upload's last chance), made at createdAt.
func (n *New) Pending(id, createdAt string, expiresAt time.Time) Attachment {
	return Attachment{ID: id, ContentType: n.ContentType, Size: n.Size, FileName: n.FileName,
		Status: StatusPending, CreatedAt: createdAt, ExpiresAt: expiresAt.Unix()}
}

// CheckSize refuses a declared size over maxBytes, naming the field.
func (n *New) CheckSize(maxBytes int64) error {
	if n.Size > maxBytes {
		return problem.InvalidField("size", "must be at most "+strconv.FormatInt(maxBytes, 10)+" bytes")
	}
	return nil
}

// signatures are the leading bytes of each accepted type: what an upload
// must begin with to be what it was declared as.
var signatures = map[string][]struct {
	offset int
	magic  []byte
}{
	"image/jpeg": {{0, []byte{0xFF, 0xD8, 0xFF}}},
	"image/png":  {{0, []byte{0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'}}},
	"image/webp": {{0, []byte("RIFF")}, {8, []byte("WEBP")}},
}

// heicBrands are the ISO base media file brands of HEIC and HEIF images,
// at offset 8 of their ftyp box (offset 4).
var heicBrands = [][]byte{[]byte("heic"), []byte("heix"), []byte("hevc"), []byte("hevx"), []byte("heim"), []byte("heis"), []byte("mif1"), []byte("msf1")}

// SniffLength is how many leading bytes Matches needs.
const SniffLength = 16

// Matches reports whether head, an object's leading bytes, begins as an
// image of contentType does.
func Matches(contentType string, head []byte) bool {
	if contentType == "image/heic" {
		if len(head) < 12 || !bytes.Equal(head[4:8], []byte("ftyp")) {
			return false
		}
		for _, b := range heicBrands {
			if bytes.Equal(head[8:12], b) {
				return true
			}
		}
		return false
	}
	sigs, ok := signatures[contentType]
	if !ok {
		return false
	}
	for _, s := range sigs {
		if len(head) < s.offset+len(s.magic) || !bytes.Equal(head[s.offset:s.offset+len(s.magic)], s.magic) {
			return false
		}
	}
	return true
}

// EnvBucket names the attachments' bucket in a function's environment.
const EnvBucket = "ATTACHMENTS_BUCKET"

// Key prefixes of the bucket. An upload lands under UploadsPrefix, which
// the bucket's event notification watches and its lifecycle rule empties
// of what was never confirmed; the confirming function copies what passes
// its checks to ObjectsPrefix, which downloads read. So no byte that was
// not checked is ever handed out, and a stray upload expires on its own.
const (
	UploadsPrefix = "uploads/"
	ObjectsPrefix = "users/"
)

// UserPrefix is the key prefix of every checked object of owner's: the
// owner hex encoded, so that no sub (whatever it holds: slashes, dots) can
// reach out of its prefix.
func UserPrefix(owner string) string { return ObjectsPrefix + hex.EncodeToString([]byte(owner)) + "/" }

// UserUploadsPrefix is the key prefix of owner's uploads.
func UserUploadsPrefix(owner string) string {
	return UploadsPrefix + hex.EncodeToString([]byte(owner)) + "/"
}

// ObjectKey is the key of an attachment's checked object, from the
// server's ids only, never from the file name the client gave.
func ObjectKey(owner, todoID, attachmentID string) string {
	return UserPrefix(owner) + todoID + "/" + attachmentID
}

// UploadKey is the key the presigned upload of an attachment writes.
func UploadKey(owner, todoID, attachmentID string) string {
	return UserUploadsPrefix(owner) + todoID + "/" + attachmentID
}

// Keys are every key an attachment's bytes may be under: its checked
// object's, and its upload's until the confirming function is done with
// it. Deleting an attachment deletes both.
func Keys(owner, todoID, attachmentID string) []string {
	return []string{ObjectKey(owner, todoID, attachmentID), UploadKey(owner, todoID, attachmentID)}
}

// ParseUploadKey reads the owner and ids back from a key UploadKey made;
// ok is false for any other key.
func ParseUploadKey(key string) (owner, todoID, attachmentID string, ok bool) {
	rest, found := strings.CutPrefix(key, UploadsPrefix)
	if !found {
		return "", "", "", false
	}
	parts := strings.Split(rest, "/")
	if len(parts) != 3 || parts[0] == "" || parts[1] == "" || parts[2] == "" {
		return "", "", "", false
	}
	b, err := hex.DecodeString(parts[0])
	if err != nil || len(b) == 0 {
		return "", "", "", false
	}
	return string(b), parts[1], parts[2], true
}

// ErrTooMany is the problem of a todo that holds MaxPerTodo attachments.
func ErrTooMany() error {
	return problem.New(http.StatusBadRequest, "The todo has "+strconv.Itoa(MaxPerTodo)+" attachments, the most it may: delete one first.")
}
