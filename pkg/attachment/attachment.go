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
	"strconv"

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
}

// New is the body of POST /todos/{id}/attachments: what the app is about
// to upload. Its tags are the rules; the size limit is the stack's
// parameter, which Check takes.
type New struct {
	ContentType string `json:"contentType" validate:"required,oneof=image/jpeg image/png image/heic image/webp"`
	Size        int64  `json:"size" validate:"required,min=1"`
	FileName    string `json:"fileName" validate:"omitempty,max=255,line,visible"`
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

// UserPrefix is the key prefix of every object of owner's: the owner hex
// encoded, so that no sub (whatever it holds: slashes, dots) can reach
// out of its prefix, and a role or policy can be scoped to it.
func UserPrefix(owner string) string { return "users/" + hex.EncodeToString([]byte(owner)) + "/" }

// ObjectKey is the key of an attachment's object, from the server's ids
// only, never from the file name the client gave.
func ObjectKey(owner, todoID, attachmentID string) string {
	return UserPrefix(owner) + todoID + "/" + attachmentID
}

// ErrTooMany is the problem of a todo that holds MaxPerTodo attachments.
func ErrTooMany() error {
	return problem.New(http.StatusBadRequest, "The todo has "+strconv.Itoa(MaxPerTodo)+" attachments, the most it may: delete one first.")
}
