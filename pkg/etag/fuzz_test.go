package etag_test

import (
	"errors"
	"testing"

	"github.com/example/serverless-todo/pkg/etag"
)

func FuzzParseIfMatch(f *testing.F) {
	for _, s := range []string{`"1"`, "*", "", `W/"1"`, `"1", "2"`, `"00"`, `"99999999999999999999"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		v, err := etag.ParseIfMatch(h)
		if err != nil {
			if !errors.Is(err, etag.ErrMalformed) || v != 0 {
				t.Fatalf("ParseIfMatch(%q) = %d, %v", h, v, err)
			}
			return
		}
		if v < 0 {
			t.Fatalf("ParseIfMatch(%q) = %d", h, v)
		}
		if v > 0 {
			if back, err := etag.ParseIfMatch(etag.Format(v)); back != v || err != nil {
				t.Fatalf("Format(%d) does not parse back: %d, %v", v, back, err)
			}
		}
	})
}

func FuzzNoneMatch(f *testing.F) {
	for _, s := range []string{`"1"`, "*", "", `W/"1"`, `"1", "2"`, `,,`, `"1",`} {
		f.Add(s, int64(1))
	}
	f.Fuzz(func(t *testing.T, h string, version int64) {
		match, err := etag.NoneMatch(h, version)
		if err != nil && (match || !errors.Is(err, etag.ErrMalformed)) {
			t.Fatalf("NoneMatch(%q, %d) = %v, %v", h, version, match, err)
		}
	})
}
