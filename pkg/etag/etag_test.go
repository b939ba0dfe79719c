package etag_test

import (
	"errors"
	"testing"

	"github.com/example/serverless-todo/pkg/etag"
)

func TestFormatQuotesTheVersion(t *testing.T) {
	if got := etag.Format(42); got != `"42"` {
		t.Fatalf("Format(42) = %s", got)
	}
}

func TestParseIfMatch(t *testing.T) {
	tests := []struct {
		header  string
		want    int64
		wantErr bool
	}{
		{"", 0, false},
		{"*", 0, false},
		{` "3" `, 3, false},
		{`"9223372036854775807"`, 9223372036854775807, false},
		{`3`, 0, true},
		{`"3`, 0, true},
		{`""`, 0, true},
		{`"03"`, 0, true},
		{`"0"`, 0, true},
		{`"-1"`, 0, true},
		{`"abc"`, 0, true},
		{`W/"3"`, 0, true},
		{`"1", "2"`, 0, true},
		{`"9223372036854775808"`, 0, true},
	}
	for _, tt := range tests {
		got, err := etag.ParseIfMatch(tt.header)
		if got != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("ParseIfMatch(%q) = %d, %v; want %d, error %v", tt.header, got, err, tt.want, tt.wantErr)
		}
		if err != nil && !errors.Is(err, etag.ErrMalformed) {
			t.Errorf("ParseIfMatch(%q) error %v is not ErrMalformed", tt.header, err)
		}
	}
}

func TestNoneMatch(t *testing.T) {
	tests := []struct {
		header  string
		version int64
		want    bool
		wantErr bool
	}{
		{"", 3, false, false},
		{"*", 3, true, false},
		{`"3"`, 3, true, false},
		{`"2"`, 3, false, false},
		{`W/"3"`, 3, true, false},
		{`"1", W/"3"`, 3, true, false},
		{`"1","2"`, 3, false, false},
		{`"3", bogus`, 3, false, true},
		{`"x"`, 3, false, true},
		{`,`, 3, false, true},
	}
	for _, tt := range tests {
		got, err := etag.NoneMatch(tt.header, tt.version)
		if got != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("NoneMatch(%q, %d) = %v, %v; want %v, error %v", tt.header, tt.version, got, err, tt.want, tt.wantErr)
		}
	}
}
