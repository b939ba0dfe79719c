// Package etag turns a todo's version into an HTTP entity tag and evaluates
// the If-Match and If-None-Match conditions against it (RFC 9110 section
// 13.1). The tag is the version number in quotes, "3", so a condition needs
// no extra read: the store compares versions inside its conditional write.
package etag

import (
	"errors"
	"strconv"
	"strings"
)

// ErrMalformed is returned for a condition header that is not "*" or this
// API's entity tags.
var ErrMalformed = errors.New(`must be "*" or an ETag of this API, like "3"`)

// Format returns the strong entity tag of a version.
func Format(version int64) string {
	return `"` + strconv.FormatInt(version, 10) + `"`
}

// ParseIfMatch reads an If-Match header. It returns the version the request
// expects, or 0 when it expects none: no header, or "*", which every existing
// todo matches (versions start at 1). The API only ever issues one strong tag
// per todo, so anything else (a list, a weak tag, a tag this API did not make)
// is ErrMalformed rather than a condition that silently never holds.
func ParseIfMatch(h string) (int64, error) {
	h = strings.TrimSpace(h)
	if h == "" || h == "*" {
		return 0, nil
	}
	return parseTag(h)
}

// NoneMatch reports whether an If-None-Match header matches a todo at the
// given version, so a GET can answer 304. It uses the weak comparison RFC 9110
// prescribes for If-None-Match: W/"3" matches "3". The header may list tags.
func NoneMatch(h string, version int64) (bool, error) {
	h = strings.TrimSpace(h)
	if h == "" {
		return false, nil
	}
	if h == "*" {
		return true, nil
	}
	match := false
	for tag := range strings.SplitSeq(h, ",") {
		tag = strings.TrimSpace(tag)
		tag = strings.TrimPrefix(tag, "W/")
		v, err := parseTag(tag)
		if err != nil {
			return false, err
		}
		if v == version {
			match = true
		}
	}
	return match, nil
}

// parseTag reads a quoted positive version, as Format writes it.
func parseTag(tag string) (int64, error) {
	inner, ok := strings.CutPrefix(tag, `"`)
	if !ok {
		return 0, ErrMalformed
	}
	inner, ok = strings.CutSuffix(inner, `"`)
	if !ok || inner == "" || inner[0] == '0' {
		return 0, ErrMalformed
	}
	for i := 0; i < len(inner); i++ {
		if inner[i] < '0' || inner[i] > '9' {
			return 0, ErrMalformed
		}
	}
	v, err := strconv.ParseInt(inner, 10, 64)
	if err != nil {
		return 0, ErrMalformed
	}
	return v, nil
}
