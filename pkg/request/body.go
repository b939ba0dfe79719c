package request

import (
	"bytes"
	"cmp"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"

	"github.com/example/serverless-todo/pkg/problem"
)

// MaxBodyBytes is the largest request body a function accepts. API Gateway
// allows 10 MB; nothing in this API needs more than a few KiB.
const MaxBodyBytes = 64 << 10

// maxDepth bounds how deeply a body may nest. The deepest valid body is two
// levels (an object holding the tags array); the bound only stops hostile
// input from costing time.
const maxDepth = 16

// JSON is the media type of JSON request bodies.
const JSON = "application/json"

// MergePatchJSON is the media type of JSON merge patches (RFC 7396).
const MergePatchJSON = "application/merge-patch+json"

// DecodeJSON decodes a JSON body (application/json) into v, a pointer to a
// struct. With DecodeMergePatch it is the only way functions read a body. It
// refuses, with a problem:
//   - a body over MaxBodyBytes (413), or no body at all (400);
//   - a Content-Type other than application/json, or a charset other than
//     UTF-8 (415);
//   - invalid base64 when the gateway encoded the body, invalid UTF-8,
//     invalid or truncated JSON, more than one JSON value, nesting deeper
//     than any valid body, and an object with a member twice (400: the
//     standard library would keep the last silently);
//   - null anywhere: no member of this API's bodies is ever null, and
//     encoding/json would take it for "absent" silently (400);
//   - members v does not have, spelled exactly as its json tags spell them
//     (encoding/json alone would take "Title" for "title"), and values of
//     the wrong type, each named as the client spells it (400).
func DecodeJSON(req *events.APIGatewayV2HTTPRequest, v any) error {
	return decode(req, v, false, JSON)
}

// DecodeMergePatch decodes a JSON merge patch (RFC 7396), sent as
// application/merge-patch+json or application/json, into v, which is made of
// mergepatch.Field members. It refuses what DecodeJSON refuses, except that a
// member of the patch may be null, which asks to remove it; null deeper down
// is refused still.
func DecodeMergePatch(req *events.APIGatewayV2HTTPRequest, v any) error {
	return decode(req, v, true, MergePatchJSON, JSON)
}

func decode(req *events.APIGatewayV2HTTPRequest, v any, memberNulls bool, mediaTypes ...string) error {
	body, err := Body(req)
	if err != nil {
		return err
	}
	if len(body) == 0 {
		return problem.New(http.StatusBadRequest, "The request needs a JSON body.")
	}
	if err := checkContentType(Header(req, "Content-Type"), mediaTypes); err != nil {
		return err
	}
	if !utf8.Valid(body) {
		return problem.New(http.StatusBadRequest, "The body is not valid UTF-8.")
	}
	if err := checkStructure(body, memberNulls, members(v)); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var typ *json.UnmarshalTypeError
		if errors.As(err, &typ) && !members(v)[strings.Split(typ.Field, ".")[0]] {
			// Since Go 1.27 encoding/json does not say which member a
			// json.Unmarshaler such as mergepatch.Field failed on: the
			// path is the one within that member's value.
			typ.Field = failingMember(body, v)
		}
		return decodeProblem(err)
	}
	return nil
}

// failingMember returns the path of the first member of the JSON object
// body, by name, whose value does not decode into its field of v's type,
// or "" if none fails alone. It is for errors only: it decodes each member
// again.
func failingMember(body []byte, v any) string {
	var members map[string]json.RawMessage
	if json.Unmarshal(body, &members) != nil {
		return ""
	}
	names := make([]string, 0, len(members))
	for name := range members {
		names = append(names, name)
	}
	slices.Sort(names)
	t := reflect.TypeOf(v).Elem()
	for _, name := range names {
		one, err := json.Marshal(map[string]json.RawMessage{name: members[name]})
		if err != nil {
			continue
		}
		var typ *json.UnmarshalTypeError
		if err := json.Unmarshal(one, reflect.New(t).Interface()); errors.As(err, &typ) {
			if typ.Field == "" || typ.Field == name || strings.HasPrefix(typ.Field, name+".") {
				return cmp.Or(typ.Field, name)
			}
			return name + "." + typ.Field
		}
	}
	return ""
}

// fieldPath writes encoding/json's path of a member, tags.1, as clients
// spell it, tags[1].
func fieldPath(path string) string {
	var b strings.Builder
	for i, part := range strings.Split(path, ".") {
		if _, err := strconv.Atoi(part); err == nil && i > 0 {
			b.WriteString("[" + part + "]")
			continue
		}
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(part)
	}
	return b.String()
}

// Body returns the request body, decoding it when the gateway sent it
// base64-encoded.
func Body(req *events.APIGatewayV2HTTPRequest) ([]byte, error) {
	if !req.IsBase64Encoded {
		if len(req.Body) > MaxBodyBytes {
			return nil, tooLarge()
		}
		return []byte(req.Body), nil
	}
	if base64.StdEncoding.DecodedLen(len(req.Body)) > MaxBodyBytes+2 {
		return nil, tooLarge()
	}
	body, err := base64.StdEncoding.DecodeString(req.Body)
	if err != nil {
		return nil, problem.New(http.StatusBadRequest, "The body is not valid base64.")
	}
	if len(body) > MaxBodyBytes {
		return nil, tooLarge()
	}
	return body, nil
}

func tooLarge() error {
	return problem.New(http.StatusRequestEntityTooLarge, "The body must be at most "+strconv.Itoa(MaxBodyBytes/1024)+" KiB.")
}

func checkContentType(header string, allowed []string) error {
	unsupported := problem.New(http.StatusUnsupportedMediaType, "The Content-Type must be "+strings.Join(allowed, " or ")+".")
	if header == "" {
		return unsupported
	}
	mt, params, err := mime.ParseMediaType(header)
	if err != nil {
		return unsupported
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
		return problem.New(http.StatusUnsupportedMediaType, "The body must be UTF-8.")
	}
	for _, a := range allowed {
		if mt == a {
			return nil
		}
	}
	return unsupported
}

// members returns the JSON member names of the struct v points to.
func members(v any) map[string]bool {
	t := reflect.TypeOf(v)
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil || t.Kind() != reflect.Struct {
		return nil
	}
	names := make(map[string]bool, t.NumField())
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch name {
		case "-":
			continue
		case "":
			name = f.Name
		}
		names[name] = true
	}
	return names
}

// checkStructure walks the tokens of body once and refuses what
// encoding/json would accept silently: a top-level member not in known
// (when known is set), which it would match case-insensitively; duplicate
// members, which the last one would win; null, which it takes for absent
// (allowed as the value of a top-level member when memberNulls is set, as
// in a merge patch); and nesting that only serves to make the server work.
func checkStructure(body []byte, memberNulls bool, known map[string]bool) error {
	type frame struct {
		object  bool
		wantKey bool
		keys    map[string]struct{}
		// member is the name of the member being read.
		member string
	}
	var stack []frame
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	values := 0
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return decodeProblem(err)
		}
		if len(stack) == 0 {
			values++
			if values > 1 {
				return problem.New(http.StatusBadRequest, "The body must be a single JSON value.")
			}
		}
		// A token that completes a value inside an object makes the next
		// string a member name.
		completesValue := true
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{', '[':
				if len(stack) == maxDepth {
					return problem.New(http.StatusBadRequest, "The body nests too deeply.")
				}
				stack = append(stack, frame{object: t == '{', wantKey: t == '{'})
				completesValue = false
			case '}', ']':
				stack = stack[:len(stack)-1]
			}
		case string:
			if n := len(stack); n > 0 && stack[n-1].object && stack[n-1].wantKey {
				top := &stack[n-1]
				if _, dup := top.keys[t]; dup {
					return problem.Invalid("The body has a member twice.", problem.FieldError{Field: t, Message: "appears more than once"})
				}
				if n == 1 && known != nil && !known[t] {
					return problem.Invalid("The body has members this API does not know.", problem.FieldError{Field: t, Message: "is not allowed"})
				}
				if top.keys == nil {
					top.keys = make(map[string]struct{})
				}
				top.keys[t] = struct{}{}
				top.wantKey = false
				top.member = t
				completesValue = false
			}
		case nil:
			if n := len(stack); !(memberNulls && n == 1 && stack[0].object) {
				field := ""
				for i := n - 1; i >= 0 && field == ""; i-- {
					field = stack[i].member
				}
				if field == "" {
					return problem.New(http.StatusBadRequest, "The body must be a JSON object, not null.")
				}
				return problem.Invalid("The body has a null where a value is needed.", problem.FieldError{Field: field, Message: "must not be null"})
			}
		}
		if n := len(stack); completesValue && n > 0 && stack[n-1].object {
			stack[n-1].wantKey = true
		}
	}
	return nil
}

// decodeProblem explains a decoding error to the client.
func decodeProblem(err error) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		return problem.New(http.StatusBadRequest, "The body is not valid JSON (at byte "+strconv.FormatInt(syntax.Offset, 10)+").")
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return problem.New(http.StatusBadRequest, "The body is not valid JSON: it ends too early.")
	case errors.As(err, &typ):
		if typ.Field == "" {
			return problem.New(http.StatusBadRequest, "The body must be a JSON object.")
		}
		return problem.Invalid("The body has members of the wrong type.", problem.FieldError{Field: fieldPath(typ.Field), Message: "must be " + jsonType(typ.Type)})
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		name, _ = strconv.Unquote(name)
		return problem.Invalid("The body has members this API does not know.", problem.FieldError{Field: name, Message: "is not allowed"})
	}
	return problem.New(http.StatusBadRequest, "The body could not be read as JSON.")
}

// jsonType names a Go type as the JSON type a client must send.
func jsonType(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "an array of " + strings.TrimPrefix(strings.TrimPrefix(jsonType(t.Elem()), "a "), "an ") + "s"
	case reflect.Pointer:
		return jsonType(t.Elem())
	default:
		return "an object"
	}
}
