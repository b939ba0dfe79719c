// Package samtemplate reads an AWS SAM template such as template.yaml, the
// one description of what is deployed, so that local tools and tests take
// their facts from it instead of repeating them.
//
// Parse keeps every value of the template as plain Go values (strings,
// numbers, bools, []any, map[string]any) with intrinsic functions in their
// long form, whichever form the YAML used: !Ref X becomes {"Ref": "X"} and
// !GetAtt A.B becomes {"Fn::GetAtt": ["A", "B"]}. It merges the Globals
// section into the functions and HTTP APIs the way the SAM transform does.
// Typed views (Functions, HTTPAPIs, Tables, Permissions, Roles) give access
// to what the drift tests and the local gateway need, and a Resolver
// evaluates intrinsic functions with local values for what only
// CloudFormation knows, such as a table's name or the stack's Region;
// Template.Resolver makes one for a stand-in Stack. LoadInclude reads a
// file that AWS::Include inserts, such as an HTTP API's OpenAPI definition,
// and ParseIntegration the x-amazon-apigateway-integration of its
// operations.
package samtemplate

import (
	"errors"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Resource types the typed views read.
const (
	TypeFunction   = "AWS::Serverless::Function"
	TypeHTTPAPI    = "AWS::Serverless::HttpApi"
	TypeTable      = "AWS::DynamoDB::Table"
	TypePermission = "AWS::Lambda::Permission"
	TypeRole       = "AWS::IAM::Role"
	TypeLogGroup   = "AWS::Logs::LogGroup"
	TypeSecret     = "AWS::SecretsManager::Secret"
	TypeQueue      = "AWS::SQS::Queue"
	TypeBucket     = "AWS::S3::Bucket"
	TypePolicy     = "AWS::IAM::Policy"
	TypeUserPool   = "AWS::Cognito::UserPool"
)

// Template is a parsed SAM template. Values are plain Go values with
// intrinsic functions in long form; see the package documentation.
type Template struct {
	Description string
	// Transform lists the template's transforms, such as
	// AWS::Serverless-2016-10-31.
	Transform  []string
	Parameters map[string]Parameter
	// Conditions holds each condition's expression, unevaluated.
	Conditions map[string]any
	// Resources holds every resource, with Globals merged into the
	// functions and HTTP APIs.
	Resources map[string]Resource
	Outputs   map[string]any
}

// Parameter is a template parameter.
type Parameter struct {
	Type        string
	Description string
	// Default is the default value as CloudFormation reads it, a string;
	// HasDefault tells an empty default from none.
	Default       string
	HasDefault    bool
	AllowedValues []string
	// AllowedPattern is the regular expression a String must match, ""
	// for any; MinValue and MaxValue bound a Number, "" for no bound.
	AllowedPattern     string
	MinValue, MaxValue string
	NoEcho             bool
}

// Resource is a template resource.
type Resource struct {
	Type string
	// Condition names the condition that decides whether the resource
	// exists; empty when it always does.
	Condition           string
	DependsOn           []string
	DeletionPolicy      string
	UpdateReplacePolicy string
	Metadata            map[string]any
	Properties          map[string]any
}

// Load reads and parses the template at path.
func Load(path string) (*Template, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("samtemplate: %w", err)
	}
	t, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%w (in %s)", err, path)
	}
	return t, nil
}

// Parse parses a template in YAML or JSON (JSON is YAML).
func Parse(data []byte) (*Template, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("samtemplate: %w", err)
	}
	v, err := value(&doc)
	if err != nil {
		return nil, fmt.Errorf("samtemplate: %w", err)
	}
	root, ok := v.(map[string]any)
	if !ok {
		return nil, errors.New("samtemplate: the template is not a mapping")
	}
	return fromMap(root)
}

// Intrinsic reports whether v is an intrinsic function, a mapping with one
// key that is Ref, Condition or Fn::Something, and returns its name and
// argument.
func Intrinsic(v any) (name string, arg any, ok bool) {
	m, isMap := v.(map[string]any)
	if !isMap || len(m) != 1 {
		return "", nil, false
	}
	for k, a := range m {
		if k == "Ref" || k == "Condition" || strings.HasPrefix(k, "Fn::") {
			return k, a, true
		}
	}
	return "", nil, false
}

// value converts a YAML node to a plain value, turning the short forms of
// intrinsic functions (!Ref, !Sub, ...) into their long forms.
func value(n *yaml.Node) (any, error) {
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return value(n.Content[0])
	case yaml.AliasNode:
		return value(n.Alias)
	}
	var v any
	switch n.Kind {
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, val := n.Content[i], n.Content[i+1]
			if k.Kind != yaml.ScalarNode {
				return nil, fmt.Errorf("line %d: a mapping key must be a string", k.Line)
			}
			if _, dup := m[k.Value]; dup {
				return nil, fmt.Errorf("line %d: %s appears twice", k.Line, k.Value)
			}
			x, err := value(val)
			if err != nil {
				return nil, err
			}
			m[k.Value] = x
		}
		v = m
	case yaml.SequenceNode:
		s := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			x, err := value(c)
			if err != nil {
				return nil, err
			}
			s = append(s, x)
		}
		v = s
	case yaml.ScalarNode:
		x, err := scalar(n)
		if err != nil {
			return nil, err
		}
		v = x
	default:
		return nil, fmt.Errorf("line %d: unexpected YAML node", n.Line)
	}
	if !isShortForm(n.Tag) {
		return v, nil
	}
	return longForm(n, v)
}

// isShortForm reports whether a tag is a CloudFormation short form, a local
// tag like !Ref rather than a YAML one like !!str.
func isShortForm(tag string) bool {
	return strings.HasPrefix(tag, "!") && !strings.HasPrefix(tag, "!!")
}

// longForm writes a short-form intrinsic function as a long-form one.
func longForm(n *yaml.Node, v any) (any, error) {
	name := strings.TrimPrefix(n.Tag, "!")
	switch name {
	case "Ref", "Condition":
		return map[string]any{name: v}, nil
	case "GetAtt":
		// !GetAtt Resource.Attribute; the attribute may itself contain
		// dots (Endpoint.Address), the logical ID cannot.
		if s, ok := v.(string); ok {
			id, attr, found := strings.Cut(s, ".")
			if !found {
				return nil, fmt.Errorf("line %d: !GetAtt %s names no attribute", n.Line, s)
			}
			v = []any{id, attr}
		}
	}
	return map[string]any{"Fn::" + name: v}, nil
}

// scalar decodes a scalar as YAML's core schema resolves it. Anything that
// is not a number, a bool or null stays a string, timestamps included, as
// CloudFormation reads them.
func scalar(n *yaml.Node) (any, error) {
	if isShortForm(n.Tag) {
		return n.Value, nil
	}
	switch n.ShortTag() {
	case "!!null":
		return nil, nil
	case "!!bool":
		var b bool
		if err := n.Decode(&b); err != nil {
			return nil, fmt.Errorf("line %d: %w", n.Line, err)
		}
		return b, nil
	case "!!int":
		var i int64
		if err := n.Decode(&i); err != nil {
			return nil, fmt.Errorf("line %d: %w", n.Line, err)
		}
		return i, nil
	case "!!float":
		var f float64
		if err := n.Decode(&f); err != nil {
			return nil, fmt.Errorf("line %d: %w", n.Line, err)
		}
		return f, nil
	}
	return n.Value, nil
}

func fromMap(root map[string]any) (*Template, error) {
	t := &Template{
		Parameters: map[string]Parameter{},
		Conditions: map[string]any{},
		Resources:  map[string]Resource{},
		Outputs:    map[string]any{},
	}
	t.Description, _ = root["Description"].(string)
	switch tr := root["Transform"].(type) {
	case nil:
	case string:
		t.Transform = []string{tr}
	case []any:
		for _, x := range tr {
			s, ok := x.(string)
			if !ok {
				return nil, errors.New("samtemplate: Transform must list names")
			}
			t.Transform = append(t.Transform, s)
		}
	default:
		return nil, errors.New("samtemplate: Transform must be a name or a list of names")
	}

	params, err := section(root, "Parameters")
	if err != nil {
		return nil, err
	}
	for name, p := range params {
		param, err := parameter(p)
		if err != nil {
			return nil, fmt.Errorf("samtemplate: parameter %s: %w", name, err)
		}
		t.Parameters[name] = param
	}
	if t.Conditions, err = section(root, "Conditions"); err != nil {
		return nil, err
	}
	if t.Outputs, err = section(root, "Outputs"); err != nil {
		return nil, err
	}
	resources, err := section(root, "Resources")
	if err != nil {
		return nil, err
	}
	if len(resources) == 0 {
		return nil, errors.New("samtemplate: the template has no Resources")
	}
	for id, r := range resources {
		res, err := resource(r)
		if err != nil {
			return nil, fmt.Errorf("samtemplate: resource %s: %w", id, err)
		}
		t.Resources[id] = res
	}
	globals, err := section(root, "Globals")
	if err != nil {
		return nil, err
	}
	if err := t.mergeGlobals(globals); err != nil {
		return nil, err
	}
	return t, nil
}

// section returns a top-level section as a mapping, empty when absent.
func section(root map[string]any, name string) (map[string]any, error) {
	switch s := root[name].(type) {
	case nil:
		return map[string]any{}, nil
	case map[string]any:
		return s, nil
	}
	return nil, fmt.Errorf("samtemplate: %s must be a mapping", name)
}

func parameter(v any) (Parameter, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return Parameter{}, errors.New("must be a mapping")
	}
	var p Parameter
	p.Type, _ = m["Type"].(string)
	if p.Type == "" {
		return Parameter{}, errors.New("has no Type")
	}
	p.Description, _ = m["Description"].(string)
	p.NoEcho, _ = m["NoEcho"].(bool)
	if d, ok := m["Default"]; ok {
		s, err := Literal(d)
		if err != nil {
			return Parameter{}, fmt.Errorf("property Default: %w", err)
		}
		p.Default, p.HasDefault = s, true
	}
	if av, ok := m["AllowedValues"].([]any); ok {
		for _, x := range av {
			s, err := Literal(x)
			if err != nil {
				return Parameter{}, fmt.Errorf("AllowedValues: %w", err)
			}
			p.AllowedValues = append(p.AllowedValues, s)
		}
	}
	for name, dst := range map[string]*string{"AllowedPattern": &p.AllowedPattern, "MinValue": &p.MinValue, "MaxValue": &p.MaxValue} {
		if x, ok := m[name]; ok {
			s, err := Literal(x)
			if err != nil {
				return Parameter{}, fmt.Errorf("%s: %w", name, err)
			}
			*dst = s
		}
	}
	return p, nil
}

// literal returns a scalar as the string CloudFormation would read.
// Literal formats a scalar of the template as CloudFormation passes it to
// a resource: strings as they are, numbers and bools in their shortest form.
func Literal(v any) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case bool:
		return strconv.FormatBool(x), nil
	case int64:
		return strconv.FormatInt(x, 10), nil
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), nil
	case nil:
		return "", nil
	}
	return "", fmt.Errorf("%v is not a string, number or bool", v)
}

func resource(v any) (Resource, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return Resource{}, errors.New("must be a mapping")
	}
	var r Resource
	r.Type, _ = m["Type"].(string)
	if r.Type == "" {
		return Resource{}, errors.New("has no Type")
	}
	r.Condition, _ = m["Condition"].(string)
	r.DeletionPolicy, _ = m["DeletionPolicy"].(string)
	r.UpdateReplacePolicy, _ = m["UpdateReplacePolicy"].(string)
	switch d := m["DependsOn"].(type) {
	case string:
		r.DependsOn = []string{d}
	case []any:
		for _, x := range d {
			if s, ok := x.(string); ok {
				r.DependsOn = append(r.DependsOn, s)
			}
		}
	}
	var err error
	if r.Metadata, err = optionalMap(m, "Metadata"); err != nil {
		return Resource{}, err
	}
	if r.Properties, err = optionalMap(m, "Properties"); err != nil {
		return Resource{}, err
	}
	return r, nil
}

func optionalMap(m map[string]any, key string) (map[string]any, error) {
	switch x := m[key].(type) {
	case nil:
		return map[string]any{}, nil
	case map[string]any:
		return x, nil
	}
	return nil, fmt.Errorf("%s must be a mapping", key)
}

// globalProperties lists, per resource type this package merges Globals
// into, the properties SAM accepts in its Globals section.
var globalProperties = map[string]map[string]bool{
	"Function": set("Handler", "Runtime", "CodeUri", "DeadLetterQueue", "Description", "MemorySize",
		"Timeout", "VpcConfig", "Environment", "Tags", "PropagateTags", "Tracing", "KmsKeyArn",
		"AutoPublishAlias", "AutoPublishAliasAllProperties", "Layers", "DeploymentPreference", "RolePath",
		"PermissionsBoundary", "ReservedConcurrentExecutions", "ProvisionedConcurrencyConfig",
		"AssumeRolePolicyDocument", "EventInvokeConfig", "FileSystemConfigs", "CodeSigningConfigArn",
		"Architectures", "SnapStart", "EphemeralStorage", "FunctionUrlConfig", "RuntimeManagementConfig",
		"LoggingConfig", "RecursiveLoop", "SourceKMSKeyArn", "TenancyConfig", "DurableConfig",
		"CapacityProviderConfig", "FunctionScalingConfig", "PublishToLatestPublished", "VersionDeletionPolicy"),
	"HttpApi": set("Auth", "AccessLogSettings", "StageVariables", "Tags", "CorsConfiguration",
		"DefaultRouteSettings", "Domain", "RouteSettings", "FailOnWarnings", "PropagateTags"),
}

var globalTypes = map[string]string{
	"Function": TypeFunction,
	"HttpApi":  TypeHTTPAPI,
}

func set(names ...string) map[string]bool {
	s := make(map[string]bool, len(names))
	for _, n := range names {
		s[n] = true
	}
	return s
}

// mergeGlobals merges the Globals section into the resources it applies to,
// by SAM's rules: a resource's own value wins over a global one, mappings
// merge key by key, lists concatenate (global items first), and an
// intrinsic function counts as a single value.
func (t *Template) mergeGlobals(globals map[string]any) error {
	for section, props := range globals {
		typ, ok := globalTypes[section]
		if !ok {
			return fmt.Errorf("samtemplate: Globals.%s is not supported", section)
		}
		g, ok := props.(map[string]any)
		if !ok {
			return fmt.Errorf("samtemplate: Globals.%s must be a mapping", section)
		}
		for name := range g {
			if !globalProperties[section][name] {
				return fmt.Errorf("samtemplate: Globals.%s.%s is not a property SAM takes from Globals", section, name)
			}
		}
		for id, r := range t.Resources {
			if r.Type != typ {
				continue
			}
			merged, _ := merge(g, r.Properties).(map[string]any)
			r.Properties = merged
			t.Resources[id] = r
		}
	}
	return nil
}

func merge(global, local any) any {
	gm, gIsMap := global.(map[string]any)
	lm, lIsMap := local.(map[string]any)
	_, _, gIntrinsic := Intrinsic(global)
	_, _, lIntrinsic := Intrinsic(local)
	if gIsMap && lIsMap && !gIntrinsic && !lIntrinsic {
		out := make(map[string]any, len(gm)+len(lm))
		for k, v := range gm {
			out[k] = v
		}
		for k, v := range lm {
			if gv, ok := gm[k]; ok {
				out[k] = merge(gv, v)
			} else {
				out[k] = v
			}
		}
		return out
	}
	gl, gIsList := global.([]any)
	ll, lIsList := local.([]any)
	if gIsList && lIsList {
		return append(append([]any{}, gl...), ll...)
	}
	return local
}

// ids returns the logical IDs of the resources of a type, sorted.
func (t *Template) ids(typ string) []string {
	var ids []string
	for id, r := range t.Resources {
		if r.Type == typ {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	return ids
}
