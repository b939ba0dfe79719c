package intrinsics_test

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/example/serverless-todo/internal/local/intrinsics"
	"github.com/example/serverless-todo/internal/local/samtemplate"
)

// resolver returns a Resolver of testdata/app.yaml with local values.
func resolver(t *testing.T) *intrinsics.Resolver {
	return &intrinsics.Resolver{
		Template:   load(t),
		Parameters: map[string]string{"Required": "given"},
		Pseudo:     map[string]string{"AWS::Region": "local-1", "AWS::Partition": "aws", "AWS::AccountId": "000000000000", "AWS::URLSuffix": "localhost"},
		Refs:       map[string]string{"Table": "todos-local", "Api": "api1", "Api.Stage": "$default"},
		Attrs:      map[string]string{"Table.Arn": "arn:aws:dynamodb:local-1:000000000000:table/todos-local"},
	}
}

func TestResolverEvaluatesIntrinsics(t *testing.T) {
	tests := []struct {
		name   string
		params map[string]string
		yaml   string
		want   any
	}{
		{"a parameter's default", nil, "V: !Ref Stage", "dev"},
		{"a parameter set locally", map[string]string{"Stage": "prod"}, "V: !Ref Stage", "prod"},
		{"a number parameter stays text", nil, "V: !Ref Retention", "14"},
		{"a list parameter", nil, "V: !Ref Origins", []any{"https://a.example", "https://b.example"}},
		{"a pseudo parameter", nil, "V: !Ref AWS::Region", "local-1"},
		{"a resource", nil, "V: !Ref Table", "todos-local"},
		{"a SAM sub-resource reference", nil, "V: !Ref Api.Stage", "$default"},
		{"GetAtt", nil, "V: !GetAtt Table.Arn", "arn:aws:dynamodb:local-1:000000000000:table/todos-local"},
		{"Sub of parameters, pseudo parameters and resources", nil, "V: !Sub '${Stage}/${AWS::Region}/${Table}'", "dev/local-1/todos-local"},
		{"Sub of an attribute", nil, "V: !Sub 'arn=${Table.Arn}'", "arn=arn:aws:dynamodb:local-1:000000000000:table/todos-local"},
		{"Sub keeps ${!Literal}", nil, "V: !Sub 'a-${!Stage}-b'", "a-${Stage}-b"},
		{"Sub with its own variables", nil, "V: !Sub ['${Name}.${Stage}', {Name: !Ref Table}]", "todos-local.dev"},
		{"Join", nil, "V: !Join ['-', [a, !Ref Stage, 3]]", "a-dev-3"},
		{"If when the condition holds", map[string]string{"Stage": "prod"}, "V: !If [IsProd, yes, no]", "yes"},
		{"If when it does not", nil, "V: !If [IsProd, yes, no]", "no"},
		{"And of conditions", map[string]string{"Stage": "prod", "Secret": "s"}, "V: !If [ProdWithSecret, yes, no]", "yes"},
		{"Or", nil, "V: !Or [!Equals [a, b], !Equals [c, c]]", true},
		{"Select", nil, "V: !Select [1, !Ref Origins]", "https://b.example"},
		{"Split", nil, "V: !Split [',', 'a,b']", []any{"a", "b"}},
		{"Base64", nil, "V: !Base64 hi", "aGk="},
		{"NoValue leaves a member out", nil, "V:\n  A: !Ref AWS::NoValue\n  B: kept", map[string]any{"B": "kept"}},
		{"NoValue leaves an item out", nil, "V: [!Ref AWS::NoValue, kept]", []any{"kept"}},
		{"literals pass through", nil, "V: {n: 1, b: true}", map[string]any{"n": int64(1), "b": true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := resolver(t)
			for k, v := range tt.params {
				r.Parameters[k] = v
			}
			v := mustParse(t, minimal(tt.yaml)).Resources["R"].Properties["V"]
			got, err := r.Value(v)
			if err != nil {
				t.Fatalf("Value: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Value = %#v, want %#v", got, tt.want)
			}
		})
	}
}

func TestResolverRefusesWhatItCannotKnow(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want string
	}{
		{"a resource without a local value", "V: !Ref HelloFunction", "no local value for Ref HelloFunction"},
		{"an attribute without a local value", "V: !GetAtt HelloFunction.Arn", "no local value for Fn::GetAtt HelloFunction.Arn"},
		{"a pseudo parameter without a local value", "V: !Ref AWS::StackName", "no local value for AWS::StackName"},
		{"an unknown condition", "V: !If [Nope, a, b]", "no condition Nope"},
		{"a function it does not evaluate", "V: !FindInMap [M, a, b]", "Fn::FindInMap cannot be resolved locally"},
		{"an unclosed Sub variable", "V: !Sub 'a ${b'", "unclosed"},
		{"Select out of range", "V: !Select [5, !Ref Origins]", "out of range"},
		{"a list where a string is needed", "V: !Join ['', [!Ref Origins]]", "not a single value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := mustParse(t, minimal(tt.yaml)).Resources["R"].Properties["V"]
			_, err := resolver(t).Value(v)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Value error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestResolverNeedsAValueForAParameterWithoutDefault(t *testing.T) {
	r := resolver(t)
	delete(r.Parameters, "Required")
	if _, err := r.String(map[string]any{"Ref": "Required"}); err == nil || !strings.Contains(err.Error(), "no value and no default") {
		t.Errorf("String error = %v, want no value and no default", err)
	}
}

func TestResolverStopsACycleOfConditions(t *testing.T) {
	tpl := mustParse(t, "Conditions:\n  A: !Condition B\n  B: !Condition A\n"+minimal("V: 1"))
	r := &intrinsics.Resolver{Template: tpl}
	if _, err := r.Condition("A"); err == nil {
		t.Fatal("Condition of a cycle: no error")
	}
}

func TestResolverCondition(t *testing.T) {
	tests := []struct {
		stage, secret string
		name          string
		want          bool
	}{
		{"dev", "", "IsProd", false},
		{"prod", "", "IsProd", true},
		{"prod", "", "ProdWithSecret", false},
		{"prod", "s", "ProdWithSecret", true},
		{"dev", "s", "HasSecret", true},
	}
	for _, tt := range tests {
		t.Run(tt.name+"/"+tt.stage+"/"+tt.secret, func(t *testing.T) {
			r := resolver(t)
			r.Parameters["Stage"], r.Parameters["Secret"] = tt.stage, tt.secret
			got, err := r.Condition(tt.name)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("Condition(%s) = %v, want %v", tt.name, got, tt.want)
			}
		})
	}
}

func TestResolverEnvironmentOfAFunction(t *testing.T) {
	fns, err := load(t).Functions()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		secret string
		want   map[string]string
	}{
		{"without the optional variable", "", map[string]string{
			"TABLE_NAME": "todos-local", "STAGE": "dev", "URL": "https://api1.execute-api.local-1.localhost/${stage}",
		}},
		{"with it", "s3cr3t", map[string]string{
			"TABLE_NAME": "todos-local", "STAGE": "dev", "URL": "https://api1.execute-api.local-1.localhost/${stage}", "SECRET": "s3cr3t",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := resolver(t)
			r.Parameters["Secret"] = tt.secret
			env, err := r.Environment(fns[0])
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(env, tt.want) {
				t.Errorf("Environment = %v, want %v", env, tt.want)
			}
		})
	}
}

// load reads the template the reader's own tests read, whose parameters,
// conditions and resources the cases here resolve.
func load(t *testing.T) *samtemplate.Template {
	t.Helper()
	tpl, err := samtemplate.Load(filepath.Join("..", "samtemplate", "testdata", "app.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return tpl
}

func TestNewStandsInForTheStack(t *testing.T) {
	tpl := load(t)
	r := intrinsics.New(tpl, intrinsics.Stack{
		Name:       "local",
		Region:     "local-1",
		AccountID:  "000000000000",
		Parameters: map[string]string{"Stage": "prod"},
		Ref: func(id string, res samtemplate.Resource) string {
			if res.Type == samtemplate.TypeTable {
				return "todos-" + id
			}
			return ""
		},
		Arn: func(id string, res samtemplate.Resource) string {
			if res.Type == samtemplate.TypeTable {
				return "arn:table/todos-" + id
			}
			return ""
		},
		Attrs: func(id string, res samtemplate.Resource) map[string]string {
			if res.Type == samtemplate.TypeTable {
				return map[string]string{"StreamArn": "arn:table/todos-" + id + "/stream", "Empty": ""}
			}
			return nil
		},
	})
	tests := []struct {
		expr any
		want any
	}{
		{map[string]any{"Ref": "Table"}, "todos-Table"},
		{map[string]any{"Fn::GetAtt": []any{"Table", "Arn"}}, "arn:table/todos-Table"},
		{map[string]any{"Fn::GetAtt": []any{"Table", "StreamArn"}}, "arn:table/todos-Table/stream"},
		{map[string]any{"Fn::Sub": "${Table.StreamArn}"}, "arn:table/todos-Table/stream"},
		{map[string]any{"Ref": "Stage"}, "prod"},
		{map[string]any{"Ref": "Retention"}, "14"},
		{map[string]any{"Fn::Sub": "${AWS::StackName} ${AWS::Region} ${AWS::AccountId} ${AWS::Partition} ${AWS::URLSuffix}"}, "local local-1 000000000000 aws amazonaws.com"},
	}
	for _, tt := range tests {
		got, err := r.Value(tt.expr)
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Value(%v) = %#v, %v; want %#v", tt.expr, got, err, tt.want)
		}
	}
	// What the stack gives no value stays unresolvable.
	for _, expr := range []any{
		map[string]any{"Ref": "HelloFunction"},
		map[string]any{"Fn::GetAtt": []any{"HelloFunction", "Arn"}},
		map[string]any{"Fn::GetAtt": []any{"Table", "Empty"}},
	} {
		if got, err := r.Value(expr); err == nil {
			t.Errorf("Value(%v) = %v, want an error", expr, got)
		}
	}
	if got, err := intrinsics.New(tpl, intrinsics.Stack{}).Value(map[string]any{"Ref": "AWS::Region"}); err == nil {
		t.Errorf("Ref AWS::Region of a stack without a Region = %v, want an error", got)
	}
}

func mustParse(t *testing.T, src string) *samtemplate.Template {
	t.Helper()
	tpl, err := samtemplate.Parse([]byte(src))
	if err != nil {
		t.Fatalf("Parse: %v\n%s", err, src)
	}
	return tpl
}

// minimal wraps a resource's properties in the smallest template Parse
// accepts.
func minimal(props string) string {
	return "Resources:\n  R:\n    Type: AWS::SNS::Topic\n    Properties:\n" + indent(props, "      ")
}

func indent(s, prefix string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		lines[i] = prefix + l
	}
	return strings.Join(lines, "\n") + "\n"
}
