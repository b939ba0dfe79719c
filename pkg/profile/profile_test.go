package profile_test

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/example/serverless-todo/pkg/problem"
	"github.com/example/serverless-todo/pkg/profile"
	"github.com/example/serverless-todo/pkg/validate"
)

func decodePatch(t *testing.T, s string) profile.Patch {
	t.Helper()
	var p profile.Patch
	if err := json.Unmarshal([]byte(s), &p); err != nil {
		t.Fatal(err)
	}
	return p
}

// fields returns the fields a validation problem names, failing on any
// other error.
func fields(t *testing.T, err error) []string {
	t.Helper()
	if err == nil {
		return nil
	}
	var p *problem.Problem
	if !errors.As(err, &p) || p.Status != 400 {
		t.Fatalf("error %v is not a 400 problem", err)
	}
	var out []string
	for _, e := range p.Errors {
		if e.Message == "" || strings.HasPrefix(e.Message, "is invalid (") {
			t.Errorf("field %s has no message of its own: %q", e.Field, e.Message)
		}
		out = append(out, e.Field)
	}
	return out
}

// patchOf is the JSON of a patch that sets one member to value.
func patchOf(t *testing.T, member, value string) string {
	t.Helper()
	b, err := json.Marshal(map[string]string{member: value})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestPatchValidatesEveryFieldByItsRule(t *testing.T) {
	v := validate.New()
	tests := []struct {
		name   string
		member string
		value  string
		valid  bool
	}{
		{"a username", "username", "Ada.L_1815", true},
		{"a username of 3 characters", "username", "ada", true},
		{"a username of 30 characters", "username", strings.Repeat("a", 30), true},
		{"a username with surrounding spaces", "username", "  ada  ", true},
		{"a username of 2 characters", "username", "ad", false},
		{"a username of 2 characters and spaces", "username", " ad ", false},
		{"a username of 31 characters", "username", strings.Repeat("a", 31), false},
		{"an empty username", "username", "", false},
		{"a username with a space", "username", "ada l", false},
		{"a username with a hyphen", "username", "ada-l", false},
		{"a username with a non-ASCII letter", "username", "adé", false},
		{"a username with a look-alike Cyrillic a", "username", "\u0430da", false},
		{"a username with an @", "username", "ada@l", false},
		{"a username with a NUL", "username", "ada\x00", false},

		{"a first name", "firstName", "Ada", true},
		{"a first name of one letter", "firstName", "A", true},
		{"a first name of 100 two-byte characters", "firstName", strings.Repeat("é", 100), true},
		{"a first name with a space and an apostrophe", "firstName", "Mary O'Neil", true},
		{"a first name in Persian with a non-joiner", "firstName", "می\u200cخواهم", true},
		{"an empty first name", "firstName", "", false},
		{"a first name of spaces", "firstName", "  \t ", false},
		{"a first name of 101 characters", "firstName", strings.Repeat("a", 101), false},
		{"a first name with a control character", "firstName", "Ada\x1b[2J", false},
		{"a first name with a newline", "firstName", "Ada\nL", false},
		{"a first name with a bidi override", "firstName", "Ada \u202eL", false},
		{"a first name of zero-width spaces", "firstName", "\u200b\u200b", false},
		{"a last name", "lastName", "Lovelace", true},
		{"a last name of 100 characters", "lastName", strings.Repeat("l", 100), true},
		{"an empty last name", "lastName", "", false},
		{"a last name of spaces", "lastName", "   ", false},
		{"a last name of 101 characters", "lastName", strings.Repeat("l", 101), false},
		{"a last name with a NUL", "lastName", "Love\x00lace", false},

		{"an email address", "email", "ada@example.com", true},
		{"an email address of 254 characters", "email", strings.Repeat("a", 64) + "@" + strings.Repeat("b", 63) + "." + strings.Repeat("c", 63) + "." + strings.Repeat("d", 61), true},
		{"an email address in upper case", "email", "Ada@Example.COM", true},
		{"an email address without @", "email", "ada.example.com", false},
		{"an email address with nothing after @", "email", "ada@", false},
		{"an empty email address", "email", "", false},
		{"an email address of 255 characters", "email", strings.Repeat("a", 64) + "@" + strings.Repeat("b", 63) + "." + strings.Repeat("c", 63) + "." + strings.Repeat("d", 62), false},

		{"a phone number in E.164", "phoneNumber", "+14155552671", true},
		{"a phone number of 15 digits", "phoneNumber", "+" + strings.Repeat("4", 15), true},
		{"a phone number without +", "phoneNumber", "14155552671", false},
		{"a phone number with spaces", "phoneNumber", "+1 415 555 2671", false},
		{"a phone number with dashes", "phoneNumber", "+1-415-555-2671", false},
		{"a phone number of 16 digits", "phoneNumber", "+" + strings.Repeat("4", 16), false},
		{"a phone number starting with 0", "phoneNumber", "+04155552671", false},
		{"a national phone number", "phoneNumber", "(415) 555-2671", false},
		{"a phone number with a letter", "phoneNumber", "+1415555267a", false},
		{"an empty phone number", "phoneNumber", "", false},

		{"a bio", "bio", "Mathematician.\nWrote the first program.\tReally.", true},
		{"a bio of 500 two-byte characters", "bio", strings.Repeat("é", 500), true},
		{"an empty bio", "bio", "", true},
		{"a bio of 501 characters", "bio", strings.Repeat("b", 501), false},
		{"a bio with an escape character", "bio", "\x1b[31mred", false},
		{"a bio with a zero-width space", "bio", "a\u200bb", false},
		{"a bio with a line separator", "bio", "a\u2028b", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := decodePatch(t, patchOf(t, tt.member, tt.value))
			got := fields(t, p.Validate(v))
			want := []string{tt.member}
			if tt.valid {
				want = nil
			}
			if !slices.Equal(got, want) {
				t.Fatalf("fields = %v, want %v", got, want)
			}
		})
	}
}

func TestPatchNamesEveryInvalidFieldAsTheClientSpellsIt(t *testing.T) {
	v := validate.New()
	p := decodePatch(t, `{"username":"a","firstName":"","lastName":" ","email":"x","phoneNumber":"1","bio":"\u0000"}`)
	want := []string{"username", "firstName", "lastName", "email", "phoneNumber", "bio"}
	if got := fields(t, p.Validate(v)); !slices.Equal(got, want) {
		t.Fatalf("fields = %v, want %v", got, want)
	}
}

func TestPatchMessagesNeverEchoTheValue(t *testing.T) {
	v := validate.New()
	p := decodePatch(t, `{"username":"secret-name","bio":"secret\u0000"}`)
	err := p.Validate(v)
	if err == nil {
		t.Fatal("an invalid patch passed")
	}
	b, _ := json.Marshal(err)
	if strings.Contains(err.Error(), "secret") || strings.Contains(string(b), "secret") {
		t.Fatalf("error %s echoes a value", b)
	}
}

func TestNullRemovesAnyFieldWithoutValidation(t *testing.T) {
	v := validate.New()
	p := decodePatch(t, `{"username":null,"firstName":null,"lastName":null,"email":null,"phoneNumber":null,"bio":null}`)
	if err := p.Validate(v); err != nil {
		t.Fatal(err)
	}
	if _, fields := p.Values(); fields != nil {
		t.Fatalf("fields = %v: a null needs no validating", fields)
	}
	full := profile.Profile{
		Username: "ada.l", FirstName: "Ada", LastName: "Lovelace", Email: "ada@example.com",
		PhoneNumber: "+14155552671", Bio: "b", CreatedAt: "c", UpdatedAt: "u", Version: 3,
	}
	now := time.Date(2026, 11, 21, 10, 15, 30, 0, time.UTC)
	got := p.Apply(full, now)
	want := profile.Profile{CreatedAt: "c", UpdatedAt: "2026-11-21T10:15:30.000Z", Version: 4}
	if got != want {
		t.Fatalf("got %+v, want %+v", got, want)
	}
}

func TestApplyLeavesWhatThePatchDoesNotMention(t *testing.T) {
	v := validate.New()
	p := decodePatch(t, `{"firstName":" Augusta ","bio":null}`)
	if err := p.Validate(v); err != nil {
		t.Fatal(err)
	}
	old := profile.Profile{Username: "ada.l", FirstName: "Ada", Email: "ada@example.com", Bio: "b", CreatedAt: "c", UpdatedAt: "u", Version: 1}
	got := p.Apply(old, time.Date(2026, 11, 21, 10, 15, 30, 0, time.UTC))
	want := profile.Profile{Username: "ada.l", FirstName: "Augusta", Email: "ada@example.com", CreatedAt: "c", UpdatedAt: "2026-11-21T10:15:30.000Z", Version: 2}
	if got != want {
		t.Fatalf("got %+v, want %+v", got, want)
	}
}

func TestPatchCheckRefusesAPatchThatChangesNothing(t *testing.T) {
	tests := []struct {
		patch string
		ok    bool
	}{
		{`{}`, false},
		{`{"username":"ada"}`, true},
		{`{"firstName":null}`, true},
		{`{"lastName":"L"}`, true},
		{`{"email":null}`, true},
		{`{"phoneNumber":"+14155552671"}`, true},
		{`{"bio":""}`, true},
	}
	for _, tt := range tests {
		p := decodePatch(t, tt.patch)
		err := p.Check()
		if tt.ok {
			if err != nil {
				t.Errorf("%s: %v", tt.patch, err)
			}
			continue
		}
		var pr *problem.Problem
		if !errors.As(err, &pr) || pr.Status != 400 || pr.Errors != nil {
			t.Errorf("%s: err = %v, want a 400 problem naming no field", tt.patch, err)
			continue
		}
		if want := "The patch changes nothing: set at least one of username, firstName, lastName, email, phoneNumber, bio."; pr.Detail != want {
			t.Errorf("%s: detail %q, want %q", tt.patch, pr.Detail, want)
		}
		if err := p.Validate(validate.New()); !errors.As(err, &pr) || pr.Status != 400 {
			t.Errorf("%s: Validate = %v, want the same 400", tt.patch, err)
		}
	}
}

func TestApplyBumpsTheVersionAndSetsCreatedAtOnce(t *testing.T) {
	p := decodePatch(t, `{"username":"ada.l"}`)
	first := time.Date(2026, 11, 21, 10, 15, 30, 123456789, time.FixedZone("CET", 3600))
	created := p.Apply(profile.Profile{}, first)
	want := profile.Profile{Username: "ada.l", CreatedAt: "2026-11-21T09:15:30.123Z", UpdatedAt: "2026-11-21T09:15:30.123Z", Version: 1}
	if created != want {
		t.Fatalf("first write: got %+v, want %+v", created, want)
	}
	p = decodePatch(t, `{"bio":"hello"}`)
	later := first.Add(time.Hour)
	updated := p.Apply(created, later)
	want = profile.Profile{Username: "ada.l", Bio: "hello", CreatedAt: "2026-11-21T09:15:30.123Z", UpdatedAt: "2026-11-21T10:15:30.123Z", Version: 2}
	if updated != want {
		t.Fatalf("second write: got %+v, want %+v", updated, want)
	}
}

func TestValidKeepsTheUsernamesCaseAndComposesText(t *testing.T) {
	v := validate.New()
	p := decodePatch(t, `{"username":"  Ada.L ","firstName":" Rene\u0301 ","lastName":"Desca\u0300rtes","email":" Ada@Example.com ","phoneNumber":" +14155552671 ","bio":" re\u0301sume\u0301\n "}`)
	if err := p.Validate(v); err != nil {
		t.Fatal(err)
	}
	got := p.Apply(profile.Profile{}, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	if got.Username != "Ada.L" || got.FirstName != "René" || got.LastName != "Descàrtes" ||
		got.Email != "Ada@Example.com" || got.PhoneNumber != "+14155552671" || got.Bio != "résumé" {
		t.Fatalf("got %+v, want the trimmed, composed (NFC) values in the case given", got)
	}
}

func TestPatchValuesNameTheFieldsItSets(t *testing.T) {
	p := decodePatch(t, `{"username":" ada ","firstName":null,"email":"a@b.co","bio":"b"}`)
	p.Normalize()
	values, fields := p.Values()
	if !slices.Equal(fields, []string{"Username", "Email", "Bio"}) {
		t.Fatalf("fields = %v", fields)
	}
	if want := (profile.Rules{Username: "ada", Email: "a@b.co", Bio: "b"}); values != want {
		t.Fatalf("values = %+v, want %+v", values, want)
	}
}

func TestProfileJSONLeavesOutWhatWasNeverSet(t *testing.T) {
	tests := []struct {
		name string
		in   profile.Profile
		want string
	}{
		{"never written", profile.Profile{}, `{}`},
		{"an email from the token", profile.Profile{Email: "a@b.co"}, `{"email":"a@b.co"}`},
		{"written", profile.Profile{Username: "ada.l", CreatedAt: "c", UpdatedAt: "u", Version: 1},
			`{"username":"ada.l","createdAt":"c","updatedAt":"u","version":1}`},
		{"every field", profile.Profile{Username: "u", FirstName: "f", LastName: "l", Email: "e", PhoneNumber: "p", Bio: "b", CreatedAt: "c", UpdatedAt: "u", Version: 2},
			`{"username":"u","firstName":"f","lastName":"l","email":"e","phoneNumber":"p","bio":"b","createdAt":"c","updatedAt":"u","version":2}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if b, _ := json.Marshal(tt.in); string(b) != tt.want {
				t.Fatalf("got %s, want %s", b, tt.want)
			}
		})
	}
}

func TestUsernameKeyFoldsCase(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Ada.L", "ada.l"},
		{"ADA_L", "ada_l"},
		{"ada.l", "ada.l"},
		{"Z9_.", "z9_."},
		{"", ""},
	}
	for _, tt := range tests {
		if got := profile.UsernameKey(tt.in); got != tt.want {
			t.Errorf("UsernameKey(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if profile.UsernameKey("Ada.L") != profile.UsernameKey("aDA.l") {
		t.Error("two cases of one username have different keys")
	}
}

func TestFromClaimsIsTheTokensEmailAndNothingElse(t *testing.T) {
	tests := []struct {
		name   string
		claims map[string]string
		want   profile.Profile
	}{
		{"no claims", nil, profile.Profile{}},
		{"an email claim", map[string]string{"email": "ada@example.com", "sub": "s", "username": "u", "given_name": "Ada"}, profile.Profile{Email: "ada@example.com"}},
		{"no email claim", map[string]string{"sub": "s", "username": "u"}, profile.Profile{}},
		{"an empty email claim", map[string]string{"email": ""}, profile.Profile{}},
		{"an email claim of spaces", map[string]string{"email": "  "}, profile.Profile{}},
		{"an email claim of 254 characters", map[string]string{"email": strings.Repeat("a", 242) + "@example.com"}, profile.Profile{Email: strings.Repeat("a", 242) + "@example.com"}},
		{"an email claim of 255 characters", map[string]string{"email": strings.Repeat("a", 243) + "@example.com"}, profile.Profile{}},
		{"an email claim without @", map[string]string{"email": "ada"}, profile.Profile{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := profile.FromClaims(tt.claims)
			if got != tt.want {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
			if got.Version != 0 || got.CreatedAt != "" || got.UpdatedAt != "" {
				t.Fatalf("got %+v: a profile never written has no version or times", got)
			}
		})
	}
}

func TestErrChangedIsA412(t *testing.T) {
	var p *problem.Problem
	if !errors.As(profile.ErrChanged, &p) || p.Status != 412 {
		t.Fatalf("ErrChanged = %v, want a 412 problem", profile.ErrChanged)
	}
}
