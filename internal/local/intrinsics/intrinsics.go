// Package intrinsics evaluates the intrinsic functions of a SAM template
// (Ref, Fn::Sub, Fn::GetAtt, Fn::Join, Fn::If and the others) for one
// deployment of it, with stand-ins for what only CloudFormation knows: the
// names, ARNs and pseudo parameters of a Stack. The drift tests resolve the
// template with placeholders; the local stack with its local copies.
package intrinsics

import (
	"encoding/base64"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/example/serverless-todo/internal/local/samtemplate"
)

// A Resolver evaluates intrinsic functions (Ref, Fn::Sub, Fn::GetAtt,
// Fn::Join, Fn::If, Fn::Select, Fn::Split, Fn::Base64 and the condition
// functions) with local stand-ins for what only CloudFormation knows. Its
// zero value resolves nothing but literals; set Template to read parameters
// and conditions.
type Resolver struct {
	Template *samtemplate.Template
	// Parameters sets parameter values; a parameter not set here takes its
	// default.
	Parameters map[string]string
	// Pseudo sets pseudo parameters, like AWS::Region and AWS::AccountId.
	Pseudo map[string]string
	// Refs sets what Ref of a resource returns, by logical ID, like a
	// local table's name for the table. SAM's own references like
	// MyApi.Stage are set here too.
	Refs map[string]string
	// Attrs sets what Fn::GetAtt returns, by "LogicalID.Attribute", like
	// "MyFunction.Arn".
	Attrs map[string]string
}

// noValue is what Ref AWS::NoValue resolves to: the property is left out.
type noValue struct{}

// maxDepth bounds the nesting of conditions, so that a cycle is an error
// rather than a hang.
const maxDepth = 64

// Value returns v with every intrinsic function in it evaluated: plain
// strings, numbers, bools, lists and mappings. A mapping member or list item
// that resolves to AWS::NoValue is left out.
func (r *Resolver) Value(v any) (any, error) {
	out, err := r.value(v, 0)
	if err != nil {
		return nil, err
	}
	if _, ok := out.(noValue); ok {
		return nil, nil
	}
	return out, nil
}

// String returns v evaluated to a string; numbers and bools are formatted
// as CloudFormation passes them on.
func (r *Resolver) String(v any) (string, error) {
	out, err := r.value(v, 0)
	if err != nil {
		return "", err
	}
	return text(out)
}

// Condition evaluates the named condition of the template.
func (r *Resolver) Condition(name string) (bool, error) {
	return r.condition(name, 0)
}

// Environment returns a function's environment variables, resolved.
func (r *Resolver) Environment(f samtemplate.Function) (map[string]string, error) {
	env := make(map[string]string, len(f.Environment))
	for name, v := range f.Environment {
		out, err := r.value(v, 0)
		if err != nil {
			return nil, fmt.Errorf("intrinsics: %s of %s: %w", name, f.LogicalID, err)
		}
		if _, ok := out.(noValue); ok {
			continue
		}
		s, err := text(out)
		if err != nil {
			return nil, fmt.Errorf("intrinsics: %s of %s: %w", name, f.LogicalID, err)
		}
		env[name] = s
	}
	return env, nil
}

func (r *Resolver) value(v any, depth int) (any, error) {
	if depth > maxDepth {
		return nil, errors.New("intrinsics: intrinsic functions nest too deeply (a cycle of conditions?)")
	}
	if name, arg, ok := samtemplate.Intrinsic(v); ok {
		return r.intrinsic(name, arg, depth+1)
	}
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, item := range x {
			res, err := r.value(item, depth+1)
			if err != nil {
				return nil, err
			}
			if _, ok := res.(noValue); !ok {
				out[k] = res
			}
		}
		return out, nil
	case []any:
		out := make([]any, 0, len(x))
		for _, item := range x {
			res, err := r.value(item, depth+1)
			if err != nil {
				return nil, err
			}
			if _, ok := res.(noValue); !ok {
				out = append(out, res)
			}
		}
		return out, nil
	}
	return v, nil
}

func (r *Resolver) intrinsic(name string, arg any, depth int) (any, error) {
	switch name {
	case "Ref":
		s, ok := arg.(string)
		if !ok {
			return nil, fmt.Errorf("intrinsics: Ref of %v: not a name", arg)
		}
		return r.ref(s)
	case "Condition":
		s, ok := arg.(string)
		if !ok {
			return nil, fmt.Errorf("intrinsics: Condition %v: not a name", arg)
		}
		return r.condition(s, depth)
	case "Fn::GetAtt":
		return r.getAtt(arg)
	case "Fn::Sub":
		return r.sub(arg, depth)
	case "Fn::Join":
		return r.join(arg, depth)
	case "Fn::If":
		return r.ifThen(arg, depth)
	case "Fn::Select":
		return r.selectItem(arg, depth)
	case "Fn::Split":
		return r.split(arg, depth)
	case "Fn::Base64":
		s, err := r.str(arg, depth)
		if err != nil {
			return nil, err
		}
		return base64.StdEncoding.EncodeToString([]byte(s)), nil
	case "Fn::Equals":
		args, err := r.args(name, arg, 2, depth)
		if err != nil {
			return nil, err
		}
		a, errA := text(args[0])
		b, errB := text(args[1])
		if errA != nil || errB != nil {
			return nil, errors.New("intrinsics: Fn::Equals compares strings")
		}
		return a == b, nil
	case "Fn::Not":
		args, err := r.args(name, arg, 1, depth)
		if err != nil {
			return nil, err
		}
		b, ok := args[0].(bool)
		if !ok {
			return nil, errors.New("intrinsics: Fn::Not needs a condition")
		}
		return !b, nil
	case "Fn::And", "Fn::Or":
		args, err := r.args(name, arg, -1, depth)
		if err != nil {
			return nil, err
		}
		result := name == "Fn::And"
		for _, a := range args {
			b, ok := a.(bool)
			if !ok {
				return nil, fmt.Errorf("intrinsics: %s needs conditions", name)
			}
			if name == "Fn::And" {
				result = result && b
			} else {
				result = result || b
			}
		}
		return result, nil
	}
	return nil, fmt.Errorf("intrinsics: %s cannot be resolved locally", name)
}

// args resolves the list argument of a function; n < 0 takes any length.
func (r *Resolver) args(name string, arg any, n, depth int) ([]any, error) {
	list, ok := arg.([]any)
	if !ok || (n >= 0 && len(list) != n) {
		return nil, fmt.Errorf("intrinsics: %s takes a list of %d", name, n)
	}
	out := make([]any, len(list))
	for i, a := range list {
		v, err := r.value(a, depth)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

func (r *Resolver) str(v any, depth int) (string, error) {
	out, err := r.value(v, depth)
	if err != nil {
		return "", err
	}
	return text(out)
}

func (r *Resolver) ref(name string) (any, error) {
	if name == "AWS::NoValue" {
		return noValue{}, nil
	}
	if strings.HasPrefix(name, "AWS::") {
		if v, ok := r.Pseudo[name]; ok {
			return v, nil
		}
		return nil, fmt.Errorf("intrinsics: no local value for %s", name)
	}
	if r.Template != nil {
		if p, ok := r.Template.Parameters[name]; ok {
			return r.parameter(name, p)
		}
	}
	if v, ok := r.Refs[name]; ok {
		return v, nil
	}
	return nil, fmt.Errorf("intrinsics: no local value for Ref %s", name)
}

func (r *Resolver) parameter(name string, p samtemplate.Parameter) (any, error) {
	v, ok := r.Parameters[name]
	if !ok {
		if !p.HasDefault {
			return nil, fmt.Errorf("intrinsics: parameter %s has no value and no default", name)
		}
		v = p.Default
	}
	if p.Type == "CommaDelimitedList" || strings.HasPrefix(p.Type, "List<") {
		var list []any
		for _, item := range strings.Split(v, ",") {
			list = append(list, strings.TrimSpace(item))
		}
		return list, nil
	}
	return v, nil
}

func (r *Resolver) condition(name string, depth int) (bool, error) {
	if r.Template == nil {
		return false, fmt.Errorf("intrinsics: condition %s: no template", name)
	}
	expr, ok := r.Template.Conditions[name]
	if !ok {
		return false, fmt.Errorf("intrinsics: no condition %s", name)
	}
	v, err := r.value(expr, depth+1)
	if err != nil {
		return false, fmt.Errorf("intrinsics: condition %s: %w", name, err)
	}
	b, ok := v.(bool)
	if !ok {
		return false, fmt.Errorf("intrinsics: condition %s is not true or false", name)
	}
	return b, nil
}

func (r *Resolver) getAtt(arg any) (any, error) {
	var key string
	switch a := arg.(type) {
	case string:
		key = a
	case []any:
		if len(a) == 2 {
			id, ok1 := a[0].(string)
			attr, ok2 := a[1].(string)
			if ok1 && ok2 {
				key = id + "." + attr
			}
		}
	}
	if key == "" {
		return nil, fmt.Errorf("intrinsics: Fn::GetAtt of %v: not a resource and an attribute", arg)
	}
	if v, ok := r.Attrs[key]; ok {
		return v, nil
	}
	return nil, fmt.Errorf("intrinsics: no local value for Fn::GetAtt %s", key)
}

func (r *Resolver) sub(arg any, depth int) (any, error) {
	var format string
	vars := map[string]any{}
	switch a := arg.(type) {
	case string:
		format = a
	case []any:
		if len(a) != 2 {
			return nil, errors.New("intrinsics: Fn::Sub takes a string and a mapping")
		}
		s, ok1 := a[0].(string)
		m, ok2 := a[1].(map[string]any)
		if !ok1 || !ok2 {
			return nil, errors.New("intrinsics: Fn::Sub takes a string and a mapping")
		}
		format, vars = s, m
	default:
		return nil, errors.New("intrinsics: Fn::Sub takes a string")
	}
	var b strings.Builder
	for {
		start := strings.Index(format, "${")
		if start < 0 {
			b.WriteString(format)
			return b.String(), nil
		}
		end := strings.Index(format[start:], "}")
		if end < 0 {
			return nil, fmt.Errorf("intrinsics: Fn::Sub %q: unclosed ${", format)
		}
		b.WriteString(format[:start])
		name := format[start+2 : start+end]
		format = format[start+end+1:]
		if lit, ok := strings.CutPrefix(name, "!"); ok {
			// ${!Name} is the literal text ${Name}.
			b.WriteString("${" + lit + "}")
			continue
		}
		s, err := r.subVar(strings.TrimSpace(name), vars, depth)
		if err != nil {
			return nil, err
		}
		b.WriteString(s)
	}
}

// subVar resolves one ${Name} of Fn::Sub: a variable of its mapping, a
// parameter, a pseudo parameter or a resource, or Resource.Attribute.
func (r *Resolver) subVar(name string, vars map[string]any, depth int) (string, error) {
	if v, ok := vars[name]; ok {
		return r.str(v, depth)
	}
	_, isRef := r.Refs[name]
	if id, attr, ok := strings.Cut(name, "."); ok && !isRef {
		v, err := r.getAtt([]any{id, attr})
		if err != nil {
			return "", err
		}
		return text(v)
	}
	v, err := r.ref(name)
	if err != nil {
		return "", err
	}
	return text(v)
}

func (r *Resolver) join(arg any, depth int) (any, error) {
	a, ok := arg.([]any)
	if !ok || len(a) != 2 {
		return nil, errors.New("intrinsics: Fn::Join takes a delimiter and a list")
	}
	delim, ok := a[0].(string)
	if !ok {
		return nil, errors.New("intrinsics: Fn::Join takes a delimiter and a list")
	}
	items, err := r.value(a[1], depth)
	if err != nil {
		return nil, err
	}
	list, ok := items.([]any)
	if !ok {
		return nil, errors.New("intrinsics: Fn::Join takes a delimiter and a list")
	}
	parts := make([]string, len(list))
	for i, item := range list {
		if parts[i], err = text(item); err != nil {
			return nil, fmt.Errorf("intrinsics: Fn::Join: %w", err)
		}
	}
	return strings.Join(parts, delim), nil
}

func (r *Resolver) ifThen(arg any, depth int) (any, error) {
	a, ok := arg.([]any)
	if !ok || len(a) != 3 {
		return nil, errors.New("intrinsics: Fn::If takes a condition and two values")
	}
	name, ok := a[0].(string)
	if !ok {
		return nil, errors.New("intrinsics: Fn::If takes a condition name")
	}
	holds, err := r.condition(name, depth)
	if err != nil {
		return nil, err
	}
	if holds {
		return r.value(a[1], depth)
	}
	return r.value(a[2], depth)
}

func (r *Resolver) selectItem(arg any, depth int) (any, error) {
	args, err := r.args("Fn::Select", arg, 2, depth)
	if err != nil {
		return nil, err
	}
	idx, err := text(args[0])
	if err != nil {
		return nil, err
	}
	i, err := strconv.Atoi(idx)
	list, ok := args[1].([]any)
	if err != nil || !ok || i < 0 || i >= len(list) {
		return nil, fmt.Errorf("intrinsics: Fn::Select index %s out of range", idx)
	}
	return list[i], nil
}

func (r *Resolver) split(arg any, depth int) (any, error) {
	args, err := r.args("Fn::Split", arg, 2, depth)
	if err != nil {
		return nil, err
	}
	delim, err1 := text(args[0])
	s, err2 := text(args[1])
	if err1 != nil || err2 != nil {
		return nil, errors.New("intrinsics: Fn::Split takes a delimiter and a string")
	}
	var out []any
	for _, part := range strings.Split(s, delim) {
		out = append(out, part)
	}
	return out, nil
}

// text formats a resolved scalar as CloudFormation passes it to a resource.
func text(v any) (string, error) {
	switch v.(type) {
	case noValue:
		return "", errors.New("intrinsics: AWS::NoValue where a value is needed")
	case []any, map[string]any:
		return "", fmt.Errorf("intrinsics: %v is not a single value", describe(v))
	}
	return samtemplate.Literal(v)
}

func describe(v any) string {
	switch x := v.(type) {
	case []any:
		return fmt.Sprintf("a list of %d", len(x))
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		return "a mapping of " + strings.Join(keys, ", ")
	}
	return fmt.Sprint(v)
}
