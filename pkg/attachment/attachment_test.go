package attachment_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/example/serverless-todo/internal/testkit/apitest"
	"github.com/example/serverless-todo/pkg/attachment"
	"github.com/example/serverless-todo/pkg/problem"
	"github.com/example/serverless-todo/pkg/validate"
)

var (
	jpeg = []byte{0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, 'J', 'F', 'I', 'F', 0, 1, 1, 0, 0, 1}
	png  = []byte{0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n', 0, 0, 0, 0x0D, 'I', 'H', 'D', 'R'}
	webp = []byte("RIFF\x24\x00\x00\x00WEBPVP8 ")
	heic = []byte("\x00\x00\x00\x18ftypheic\x00\x00\x00\x00")
	avif = []byte("\x00\x00\x00\x1cftypavif\x00\x00\x00\x00")
)

func TestMatchesTellsAnImageByItsLeadingBytes(t *testing.T) {
	tests := []struct {
		name, contentType string
		head              []byte
		want              bool
	}{
		{"a JPEG", "image/jpeg", jpeg, true},
		{"a PNG", "image/png", png, true},
		{"a WebP", "image/webp", webp, true},
		{"a HEIC", "image/heic", heic, true},
		{"a PNG declared as JPEG", "image/jpeg", png, false},
		{"a JPEG declared as PNG", "image/png", jpeg, false},
		{"a RIFF that is not WebP", "image/webp", []byte("RIFF\x24\x00\x00\x00WAVEfmt "), false},
		{"an AVIF declared as HEIC", "image/heic", avif, false},
		{"text declared as JPEG", "image/jpeg", []byte("<html><body>hi"), false},
		{"too few bytes", "image/png", png[:4], false},
		{"nothing", "image/jpeg", nil, false},
		{"a type not accepted", "image/gif", []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00\x00\x00\x00"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := attachment.Matches(tt.contentType, tt.head); got != tt.want {
				t.Errorf("Matches(%s, % x) = %v, want %v", tt.contentType, tt.head, got, tt.want)
			}
		})
	}
}

// An object's key comes from the owner and the ids: every owner's keys
// stay under their own prefix, whatever the sub holds.
func TestObjectKeysStayUnderTheirOwnersPrefix(t *testing.T) {
	owners := []string{"alice", "bob", "alice/../bob", "../bob", "a/b", "alice%2Fbob"}
	seen := map[string]string{}
	for _, o := range owners {
		key := attachment.ObjectKey(o, "01JD8X3N7Q5V2K8M4R6T9W1Y3Z", "01JD8X3N7Q5V2K8M4R6T9W1Y40")
		prefix := attachment.UserPrefix(o)
		if !strings.HasPrefix(key, prefix) || strings.Contains(key, "..") || strings.Count(prefix, "/") != 2 {
			t.Errorf("owner %q: key %q, prefix %q", o, key, prefix)
		}
		if other, dup := seen[prefix]; dup {
			t.Errorf("owners %q and %q share the prefix %q", o, other, prefix)
		}
		seen[prefix] = o
		for _, p := range seen {
			if p != prefix && strings.HasPrefix(prefix, p) {
				t.Errorf("prefix %q lies inside %q", prefix, p)
			}
		}
	}
}

func TestNewFollowsTheRules(t *testing.T) {
	v := validate.New()
	tests := []struct {
		name   string
		in     attachment.New
		fields []string
	}{
		{"a JPEG", attachment.New{ContentType: "image/jpeg", Size: 1234, FileName: "beach.jpg"}, nil},
		{"each accepted type", attachment.New{ContentType: "image/webp", Size: 1}, nil},
		{"a GIF", attachment.New{ContentType: "image/gif", Size: 10}, []string{"contentType"}},
		{"no type", attachment.New{Size: 10}, []string{"contentType"}},
		{"an empty file", attachment.New{ContentType: "image/png"}, []string{"size"}},
		{"a negative size", attachment.New{ContentType: "image/png", Size: -1}, []string{"size"}},
		{"a name with a line break", attachment.New{ContentType: "image/png", Size: 1, FileName: "a\nb.png"}, []string{"fileName"}},
		{"a name too long", attachment.New{ContentType: "image/png", Size: 1, FileName: strings.Repeat("n", 256)}, []string{"fileName"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := v.Struct(&tt.in)
			if tt.fields == nil {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			p := apitest.ClientError(t, err)
			if !slices.Equal(apitest.Fields(*p), tt.fields) {
				t.Errorf("fields %v, want %v", apitest.Fields(*p), tt.fields)
			}
		})
	}
}

func TestCheckSizeRefusesMoreThanTheLimit(t *testing.T) {
	n := attachment.New{ContentType: "image/jpeg", Size: attachment.DefaultMaxBytes}
	if err := n.CheckSize(attachment.DefaultMaxBytes); err != nil {
		t.Errorf("the limit itself: %v", err)
	}
	n.Size++
	err := n.CheckSize(attachment.DefaultMaxBytes)
	p, ok := err.(*problem.Problem)
	if !ok || p.Status != http.StatusBadRequest || !slices.Equal(apitest.Fields(*p), []string{"size"}) {
		t.Errorf("one byte over: %v", err)
	}
}

// The confirming function reads the owner and ids back from the key S3
// reports; nothing but a key UploadKey made parses.
func TestParseUploadKeyReadsBackWhatUploadKeyMade(t *testing.T) {
	todoID, attID := "01JD8X3N7Q5V2K8M4R6T9W1Y3Z", "01JD8X3N7Q5V2K8M4R6T9W1Y40"
	for _, owner := range []string{"alice", "a/b", "../bob", "ünïcødé"} {
		o, td, a, ok := attachment.ParseUploadKey(attachment.UploadKey(owner, todoID, attID))
		if !ok || o != owner || td != todoID || a != attID {
			t.Errorf("owner %q: parsed (%q, %q, %q, %v)", owner, o, td, a, ok)
		}
		if key := attachment.UploadKey(owner, todoID, attID); !strings.HasPrefix(key, attachment.UserUploadsPrefix(owner)) {
			t.Errorf("owner %q: upload key %q outside %q", owner, key, attachment.UserUploadsPrefix(owner))
		}
	}
	for _, key := range []string{
		attachment.ObjectKey("alice", todoID, attID), // a checked object, not an upload
		"uploads/616c696365/" + todoID,               // no attachment id
		"uploads/616c696365/" + todoID + "/" + attID + "/x",
		"uploads/zz/" + todoID + "/" + attID, // not hex
		"uploads//" + todoID + "/" + attID,
		"",
	} {
		if _, _, _, ok := attachment.ParseUploadKey(key); ok {
			t.Errorf("ParseUploadKey(%q) accepted it", key)
		}
	}
}

// A pending attachment whose upload never came is gone once it expires;
// ready and rejected ones stay until deleted.
func TestLiveDropsExpiredPendingAttachmentsOnly(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	as := []attachment.Attachment{
		{ID: "a", Status: attachment.StatusPending, ExpiresAt: now.Unix() + 1},
		{ID: "b", Status: attachment.StatusPending, ExpiresAt: now.Unix()},
		{ID: "c", Status: attachment.StatusReady},
		{ID: "d", Status: attachment.StatusRejected},
	}
	var ids []string
	for _, a := range attachment.Live(as, now) {
		ids = append(ids, a.ID)
	}
	if want := []string{"a", "c", "d"}; !slices.Equal(ids, want) {
		t.Errorf("Live = %v, want %v", ids, want)
	}
	if got := attachment.Live(as[1:2], now); got != nil {
		t.Errorf("Live of only an expired one = %v, want nil", got)
	}
	if i := attachment.Find(as, "c"); i != 2 {
		t.Errorf("Find(c) = %d", i)
	}
	if i := attachment.Find(as, "x"); i != -1 {
		t.Errorf("Find(x) = %d", i)
	}
}
