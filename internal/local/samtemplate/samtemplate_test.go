package samtemplate_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/example/serverless-todo/internal/local/samtemplate"
)

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

func mustParse(t *testing.T, src string) *samtemplate.Template {
	t.Helper()
	tpl, err := samtemplate.Parse([]byte(src))
	if err != nil {
		t.Fatalf("Parse: %v\n%s", err, src)
	}
	return tpl
}

func TestParseWritesIntrinsicsInLongForm(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want any
	}{
		{"short Ref", "V: !Ref Table", map[string]any{"Ref": "Table"}},
		{"long Ref", "V:\n  Ref: Table", map[string]any{"Ref": "Table"}},
		{"short GetAtt", "V: !GetAtt Table.Arn", map[string]any{"Fn::GetAtt": []any{"Table", "Arn"}}},
		{"short GetAtt with a dotted attribute", "V: !GetAtt Db.Endpoint.Address", map[string]any{"Fn::GetAtt": []any{"Db", "Endpoint.Address"}}},
		{"short GetAtt as a list", "V: !GetAtt [Table, Arn]", map[string]any{"Fn::GetAtt": []any{"Table", "Arn"}}},
		{"long GetAtt", "V:\n  Fn::GetAtt: [Table, Arn]", map[string]any{"Fn::GetAtt": []any{"Table", "Arn"}}},
		{"short Sub", "V: !Sub 'arn:${AWS::Partition}:x'", map[string]any{"Fn::Sub": "arn:${AWS::Partition}:x"}},
		{"short Sub with variables", "V: !Sub ['${A}-b', {A: !Ref X}]", map[string]any{"Fn::Sub": []any{"${A}-b", map[string]any{"A": map[string]any{"Ref": "X"}}}}},
		{"short If nesting short forms", "V: !If [C, !Ref A, !Ref AWS::NoValue]", map[string]any{"Fn::If": []any{"C", map[string]any{"Ref": "A"}, map[string]any{"Ref": "AWS::NoValue"}}}},
		{"short Condition", "V: !Condition IsProd", map[string]any{"Condition": "IsProd"}},
		{"short Join", "V: !Join [',', [a, !Ref B]]", map[string]any{"Fn::Join": []any{",", []any{"a", map[string]any{"Ref": "B"}}}}},
		{"block Equals", "V: !Equals\n  - !Ref P\n  - ''", map[string]any{"Fn::Equals": []any{map[string]any{"Ref": "P"}, ""}}},
		{"integer", "V: 10", int64(10)},
		{"float", "V: 1.5", 1.5},
		{"bool", "V: true", true},
		{"quoted number stays a string", "V: '7'", "7"},
		{"date-like value stays a string", "V: 2012-10-17", "2012-10-17"},
		{"null", "V:", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tpl := mustParse(t, minimal(tt.yaml))
			got := tpl.Resources["R"].Properties["V"]
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("V = %#v, want %#v", got, tt.want)
			}
		})
	}
}

func TestIntrinsicRecognisesOnlyFunctions(t *testing.T) {
	tests := []struct {
		name     string
		v        any
		wantName string
		wantOK   bool
	}{
		{"Ref", map[string]any{"Ref": "X"}, "Ref", true},
		{"Condition", map[string]any{"Condition": "C"}, "Condition", true},
		{"Fn::Sub", map[string]any{"Fn::Sub": "x"}, "Fn::Sub", true},
		{"a plain one-key mapping", map[string]any{"Variables": map[string]any{}}, "", false},
		{"two keys", map[string]any{"Ref": "X", "Other": 1}, "", false},
		{"a string", "Ref", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			name, _, ok := samtemplate.Intrinsic(tt.v)
			if name != tt.wantName || ok != tt.wantOK {
				t.Errorf("Intrinsic = %q, %v; want %q, %v", name, ok, tt.wantName, tt.wantOK)
			}
		})
	}
}

func TestParseRejectsMalformedTemplates(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want string
	}{
		{"not YAML", "Resources: [", "samtemplate:"},
		{"not a mapping", "- a\n- b", "not a mapping"},
		{"no resources", "Parameters: {}", "no Resources"},
		{"a resource without a type", "Resources:\n  R:\n    Properties: {}", "resource R: has no Type"},
		{"a key twice", "Resources:\n  R:\n    Type: A\n  R:\n    Type: B", "R appears twice"},
		{"a parameter without a type", "Parameters:\n  P: {Default: x}\nResources:\n  R: {Type: A}", "parameter P: has no Type"},
		{"GetAtt without an attribute", minimal("V: !GetAtt Table"), "names no attribute"},
		{"Globals SAM does not merge", "Globals:\n  Function:\n    Role: x\nResources:\n  R: {Type: A}", "Globals.Function.Role"},
		{"a Globals section this package does not merge", "Globals:\n  Api:\n    Cors: x\nResources:\n  R: {Type: A}", "Globals.Api is not supported"},
		{"properties that are not a mapping", "Resources:\n  R:\n    Type: A\n    Properties: [1]", "Properties must be a mapping"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := samtemplate.Parse([]byte(tt.yaml))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Parse error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestGlobalsMergeAsSAMMergesThem(t *testing.T) {
	src := `
Globals:
  Function:
    Timeout: 10
    Runtime: provided.al2023
    Layers: [global]
    Environment:
      Variables:
        A: global
        B: global
    LoggingConfig:
      LogFormat: JSON
    Tags: !Ref GlobalTags
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Timeout: 3
      Layers: [own]
      Environment:
        Variables:
          B: own
          C: own
      LoggingConfig:
        LogGroup: !Ref Logs
      Tags:
        own: tag
  Bare:
    Type: AWS::Serverless::Function
  NotAFunction:
    Type: AWS::Lambda::Function
    Properties:
      Timeout: 3
`
	tpl := mustParse(t, src)
	fn := tpl.Resources["Fn"].Properties
	tests := []struct {
		name string
		got  any
		want any
	}{
		{"the resource's own value wins", fn["Timeout"], int64(3)},
		{"a global value fills a gap", fn["Runtime"], "provided.al2023"},
		{"lists concatenate, global first", fn["Layers"], []any{"global", "own"}},
		{"mappings merge key by key", fn["Environment"], map[string]any{"Variables": map[string]any{"A": "global", "B": "own", "C": "own"}}},
		{"nested mappings merge", fn["LoggingConfig"], map[string]any{"LogFormat": "JSON", "LogGroup": map[string]any{"Ref": "Logs"}}},
		{"an intrinsic is one value, not a mapping to merge", fn["Tags"], map[string]any{"own": "tag"}},
		{"a function without properties gets the globals", tpl.Resources["Bare"].Properties["Timeout"], int64(10)},
		{"other types are left alone", tpl.Resources["NotAFunction"].Properties["Runtime"], nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !reflect.DeepEqual(tt.got, tt.want) {
				t.Errorf("got %#v, want %#v", tt.got, tt.want)
			}
		})
	}
}

func load(t *testing.T) *samtemplate.Template {
	t.Helper()
	tpl, err := samtemplate.Load("testdata/app.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return tpl
}

func TestLoadReadsTheSections(t *testing.T) {
	tpl := load(t)
	if tpl.Description != "Test app" {
		t.Errorf("Description = %q", tpl.Description)
	}
	if want := []string{"AWS::Serverless-2016-10-31"}; !reflect.DeepEqual(tpl.Transform, want) {
		t.Errorf("Transform = %v, want %v", tpl.Transform, want)
	}
	wantParams := map[string]samtemplate.Parameter{
		"Retention": {Type: "Number", Default: "14", HasDefault: true},
		"Stage":     {Type: "String", Default: "dev", HasDefault: true, AllowedValues: []string{"dev", "prod"}},
		"Secret":    {Type: "String", Default: "", HasDefault: true, NoEcho: true},
		"Origins":   {Type: "CommaDelimitedList", Default: "https://a.example, https://b.example", HasDefault: true},
		"Required":  {Type: "String"},
	}
	if !reflect.DeepEqual(tpl.Parameters, wantParams) {
		t.Errorf("Parameters = %#v\nwant %#v", tpl.Parameters, wantParams)
	}
	table := tpl.Resources["Table"]
	if table.DeletionPolicy != "Retain" || table.UpdateReplacePolicy != "Retain" {
		t.Errorf("Table policies = %q, %q; want Retain, Retain", table.DeletionPolicy, table.UpdateReplacePolicy)
	}
	if _, ok := tpl.Outputs["ApiUrl"]; !ok {
		t.Errorf("Outputs = %v, want ApiUrl", tpl.Outputs)
	}
	if _, ok := tpl.Conditions["ProdWithSecret"]; !ok {
		t.Errorf("Conditions = %v, want ProdWithSecret", tpl.Conditions)
	}
}

func TestLoadFailsForAMissingFile(t *testing.T) {
	if _, err := samtemplate.Load("testdata/missing.yaml"); err == nil {
		t.Fatal("Load of a missing file: no error")
	}
}

func TestFunctionsHaveGlobalsMerged(t *testing.T) {
	fns, err := load(t).Functions()
	if err != nil {
		t.Fatal(err)
	}
	want := []samtemplate.Function{{
		LogicalID:     "HelloFunction",
		CodeURI:       ".",
		Handler:       "bootstrap",
		Runtime:       "provided.al2023",
		Architectures: []string{"arm64"},
		MemorySize:    128,
		Timeout:       5,
		BuildMethod:   "makefile",
		Role:          map[string]any{"Fn::GetAtt": []any{"HelloRole", "Arn"}},
		Environment: map[string]any{
			"TABLE_NAME": map[string]any{"Ref": "Table"},
			"STAGE":      map[string]any{"Ref": "Stage"},
			"SECRET":     map[string]any{"Fn::If": []any{"HasSecret", map[string]any{"Ref": "Secret"}, map[string]any{"Ref": "AWS::NoValue"}}},
			"URL":        map[string]any{"Fn::Sub": "https://${Api}.execute-api.${AWS::Region}.${AWS::URLSuffix}/${!stage}"},
		},
		LogFormat: "JSON",
		LogGroup:  map[string]any{"Ref": "HelloLogs"},
	}}
	if !reflect.DeepEqual(fns, want) {
		t.Errorf("Functions =\n%#v\nwant\n%#v", fns, want)
	}
}

func TestFunctionsRejectWrongTypes(t *testing.T) {
	tests := []struct {
		name  string
		props string
		want  string
	}{
		{"Timeout not a number", "Timeout: soon", "Timeout must be an integer"},
		{"CodeUri not a path", "CodeUri: {Bucket: b, Key: k}", "CodeUri must be a string"},
		{"Environment an intrinsic", "Environment: !Ref Env", "Environment must be a mapping"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := "Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n" + indent(tt.props, "      ")
			_, err := mustParse(t, src).Functions()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Functions error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestHTTPAPIsReadTheIncludeAndStageSettings(t *testing.T) {
	apis, err := load(t).HTTPAPIs()
	if err != nil {
		t.Fatal(err)
	}
	if len(apis) != 1 {
		t.Fatalf("HTTPAPIs = %d, want 1", len(apis))
	}
	api := apis[0]
	checks := []struct {
		name string
		got  any
		want any
	}{
		{"logical ID", api.LogicalID, "Api"},
		{"include location", api.DefinitionLocation, "./api.yaml"},
		{"FailOnWarnings from Globals", api.FailOnWarnings, true},
		{"access log destination", api.AccessLogDestination, map[string]any{"Fn::GetAtt": []any{"AccessLogs", "Arn"}}},
		{"access log format", api.AccessLogFormat, `{"requestId":"$context.requestId"}`},
		{"default route settings", api.DefaultRouteSettings, samtemplate.RouteSettings{ThrottlingRateLimit: int64(50), ThrottlingBurstLimit: int64(100)}},
		{"route settings", api.RouteSettings, map[string]samtemplate.RouteSettings{"POST /hello": {ThrottlingRateLimit: int64(1), ThrottlingBurstLimit: int64(2)}}},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s = %#v, want %#v", c.name, c.got, c.want)
		}
	}
}

func TestHTTPAPIWithoutIncludeHasNoLocation(t *testing.T) {
	src := "Resources:\n  Api:\n    Type: AWS::Serverless::HttpApi\n    Properties:\n      DefinitionBody: {openapi: 3.0.3}\n"
	apis, err := mustParse(t, src).HTTPAPIs()
	if err != nil {
		t.Fatal(err)
	}
	if apis[0].DefinitionLocation != "" {
		t.Errorf("DefinitionLocation = %q, want empty", apis[0].DefinitionLocation)
	}
}

func TestTablesReadTheKeySchema(t *testing.T) {
	tables, err := load(t).Tables()
	if err != nil {
		t.Fatal(err)
	}
	want := []samtemplate.Table{{
		LogicalID:   "Table",
		BillingMode: "PAY_PER_REQUEST",
		KeySchema:   []samtemplate.KeyElement{{AttributeName: "PK", KeyType: "HASH"}, {AttributeName: "SK", KeyType: "RANGE"}},
		AttributeDefinitions: []samtemplate.AttributeDefinition{
			{AttributeName: "PK", AttributeType: "S"}, {AttributeName: "SK", AttributeType: "S"},
			{AttributeName: "byName", AttributeType: "S"},
		},
		LocalSecondaryIndexes: []samtemplate.LocalSecondaryIndex{{
			IndexName:        "ByName",
			KeySchema:        []samtemplate.KeyElement{{AttributeName: "PK", KeyType: "HASH"}, {AttributeName: "byName", KeyType: "RANGE"}},
			ProjectionType:   "INCLUDE",
			NonKeyAttributes: []string{"name"},
		}},
		TTLAttribute:        "expiresAt",
		PointInTimeRecovery: true,
		DeletionProtection:  map[string]any{"Fn::If": []any{"IsProd", true, false}},
		SSE:                 map[string]any{"SSEEnabled": true, "SSEType": "KMS"},
		DeletionPolicy:      "Retain",
		UpdateReplacePolicy: "Retain",
	}}
	if !reflect.DeepEqual(tables, want) {
		t.Errorf("Tables =\n%#v\nwant\n%#v", tables, want)
	}
}

func TestTablesRejectWhatALocalTableWouldMiss(t *testing.T) {
	tests := []struct {
		name  string
		props string
		want  string
	}{
		{"global secondary indexes", "KeySchema: [{AttributeName: PK, KeyType: HASH}]\nGlobalSecondaryIndexes: []", "GlobalSecondaryIndexes are not supported"},
		{"no key schema", "BillingMode: PAY_PER_REQUEST", "has no KeySchema"},
		{"an index without a key schema", "KeySchema: [{AttributeName: PK, KeyType: HASH}]\nLocalSecondaryIndexes: [{IndexName: I, Projection: {ProjectionType: ALL}}]", "LocalSecondaryIndexes[0].has no KeySchema"},
		{"an index without a projection", "KeySchema: [{AttributeName: PK, KeyType: HASH}]\nLocalSecondaryIndexes: [{IndexName: I, KeySchema: [{AttributeName: PK, KeyType: HASH}]}]", "LocalSecondaryIndexes[0].Projection"},
		{"an intrinsic key name", "KeySchema: [{AttributeName: !Ref Key, KeyType: HASH}]", "AttributeName must be a string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := "Resources:\n  T:\n    Type: AWS::DynamoDB::Table\n    Properties:\n" + indent(tt.props, "      ")
			_, err := mustParse(t, src).Tables()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Tables error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestPermissionsAndRoles(t *testing.T) {
	tpl := load(t)
	perms, err := tpl.Permissions()
	if err != nil {
		t.Fatal(err)
	}
	wantPerms := []samtemplate.Permission{{
		LogicalID:    "HelloPermission",
		Action:       "lambda:InvokeFunction",
		Principal:    "apigateway.amazonaws.com",
		FunctionName: map[string]any{"Ref": "HelloFunction"},
		SourceArn:    map[string]any{"Fn::Sub": "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${Api}/*/POST/hello"},
	}}
	if !reflect.DeepEqual(perms, wantPerms) {
		t.Errorf("Permissions =\n%#v\nwant\n%#v", perms, wantPerms)
	}

	roles, err := tpl.Roles()
	if err != nil {
		t.Fatal(err)
	}
	wantRoles := []samtemplate.Role{{
		LogicalID:       "HelloRole",
		TrustedServices: []string{"lambda.amazonaws.com"},
		Policies: []samtemplate.Policy{{
			Name: "table",
			Statements: []samtemplate.Statement{
				{Sid: "Table", Effect: "Allow", Actions: []string{"dynamodb:GetItem"}, Resources: []any{map[string]any{"Fn::GetAtt": []any{"Table", "Arn"}}}},
				{Effect: "Allow", Actions: []string{"logs:CreateLogStream", "logs:PutLogEvents"}, Resources: []any{map[string]any{"Fn::GetAtt": []any{"HelloLogs", "Arn"}}}},
			},
		}},
	}}
	if !reflect.DeepEqual(roles, wantRoles) {
		t.Errorf("Roles =\n%#v\nwant\n%#v", roles, wantRoles)
	}
}

func TestS3EventsAndBucketPoliciesOfRoles(t *testing.T) {
	tpl := mustParse(t, `
Resources:
  Photos:
    Type: AWS::S3::Bucket
  CheckRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - Effect: Allow
            Principal: {Service: lambda.amazonaws.com}
            Action: sts:AssumeRole
  CheckBucketPolicy:
    Type: AWS::IAM::Policy
    Properties:
      PolicyName: bucket
      Roles: [!Ref CheckRole]
      PolicyDocument:
        Statement:
          - Effect: Allow
            Action: s3:GetObject
            Resource: !Sub ${Photos.Arn}/uploads/*
  Check:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: .
      Role: !GetAtt CheckRole.Arn
      Events:
        Upload:
          Type: S3
          Properties:
            Bucket: !Ref Photos
            Events: s3:ObjectCreated:*
            Filter:
              S3Key:
                Rules:
                  - {Name: prefix, Value: uploads/}
                  - {Name: suffix, Value: .jpg}
`)
	if got := tpl.Buckets(); !reflect.DeepEqual(got, []string{"Photos"}) {
		t.Errorf("Buckets = %v", got)
	}
	fns, err := tpl.Functions()
	if err != nil {
		t.Fatal(err)
	}
	want := []samtemplate.S3Event{{Name: "Upload", Bucket: "Photos", Events: []string{"s3:ObjectCreated:*"}, Prefix: "uploads/", Suffix: ".jpg"}}
	if len(fns) != 1 || !reflect.DeepEqual(fns[0].S3Events, want) {
		t.Errorf("S3Events = %+v, want %+v", fns[0].S3Events, want)
	}
	roles, err := tpl.Roles()
	if err != nil {
		t.Fatal(err)
	}
	wantPolicies := []samtemplate.Policy{{Name: "CheckBucketPolicy", Statements: []samtemplate.Statement{
		{Effect: "Allow", Actions: []string{"s3:GetObject"}, Resources: []any{map[string]any{"Fn::Sub": "${Photos.Arn}/uploads/*"}}},
	}}}
	if len(roles) != 1 || !reflect.DeepEqual(roles[0].Policies, wantPolicies) {
		t.Errorf("the role's policies = %#v, want the attached one %#v", roles[0].Policies, wantPolicies)
	}
}

func TestS3EventsRejectWhatSAMRejects(t *testing.T) {
	for _, tt := range []struct{ name, props, want string }{
		{"a bucket by name", "Bucket: photos\nEvents: s3:ObjectCreated:*", "must be the Ref of a bucket"},
		{"no events", "Bucket: !Ref Photos", "Events must be"},
		{"a filter rule of another name", "Bucket: !Ref Photos\nEvents: s3:ObjectCreated:*\nFilter: {S3Key: {Rules: [{Name: middle, Value: x}]}}", "must be prefix or suffix"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tpl := mustParse(t, `
Resources:
  Photos:
    Type: AWS::S3::Bucket
  Check:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: .
      Events:
        Upload:
          Type: S3
          Properties:
`+indent(tt.props, "            "))
			if _, err := tpl.Functions(); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one saying %q", err, tt.want)
			}
		})
	}
}
