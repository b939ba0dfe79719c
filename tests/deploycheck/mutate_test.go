package deploycheck

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// edit replaces the first occurrence of old with new in one file of a copy
// of the repository.
type edit struct {
	file, old, new string
}

// mutate copies the repository into a temporary folder and applies the
// edits. An edit whose old text is gone fails the test: the mutation no
// longer says anything about the files.
func mutate(t *testing.T, edits ...edit) string {
	t.Helper()
	dir := t.TempDir()
	if err := copyRepo(dir); err != nil {
		t.Fatal(err)
	}
	for _, e := range edits {
		path := filepath.Join(dir, e.file)
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(data), e.old) {
			t.Fatalf("%s no longer contains %q: update this mutation", e.file, e.old)
		}
		out := strings.Replace(string(data), e.old, e.new, 1)
		if err := os.WriteFile(path, []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func runCheck(t *testing.T, dir, name string) []string {
	t.Helper()
	r, err := loadRepo(dir)
	if err != nil {
		t.Fatalf("the mutated repository does not load: %v", err)
	}
	for _, c := range checks {
		if c.name == name {
			return c.run(r)
		}
	}
	t.Fatalf("no check %q", name)
	return nil
}

func TestChecksCatchDrift(t *testing.T) {
	tests := []struct {
		name  string
		edits []edit
		check string
		want  string
	}{
		{
			name:  "an operation invoking a function the template lacks",
			edits: []edit{{"template.yaml", "  ContactFunction:\n    Type: AWS::Serverless::Function", "  ContactFormFunction:\n    Type: AWS::Serverless::Function"}},
			check: "integrations",
			want:  "invokes ContactFunction, which template.yaml does not define",
		},
		{
			name:  "an integration of payload format 1.0",
			edits: []edit{{"openapi.yaml", "payloadFormatVersion: '2.0'", "payloadFormatVersion: '1.0'"}},
			check: "integrations",
			want:  `payloadFormatVersion is "1.0"`,
		},
		{
			name:  "a route removed: its operation invokes another function",
			edits: []edit{{"openapi.yaml", "${DeleteTodoFunction.Arn}", "${GetTodoFunction.Arn}"}},
			check: "routes",
			want:  "template.yaml: DeleteTodoFunction serves no route",
		},
		{
			name:  "a function reached by a route it may not be invoked from",
			edits: []edit{{"openapi.yaml", "${DeleteTodoFunction.Arn}", "${GetTodoFunction.Arn}"}},
			check: "permissions",
			want:  "template.yaml: GetTodoFunction has no permission for arn:aws:execute-api:eu-west-1:123456789012:ref-TodoApi/*/DELETE/todos/*: add an AWS::Lambda::Permission",
		},
		{
			name:  "a function renamed in the template",
			edits: []edit{{"template.yaml", "  ContactFunction:\n    Type: AWS::Serverless::Function", "  ContactFormFunction:\n    Type: AWS::Serverless::Function"}},
			check: "routes",
			want:  "template.yaml: ContactFormFunction serves no route",
		},
		{
			name: "a permission dropped",
			edits: []edit{{"template.yaml",
				"  ContactFunctionPermission:\n    Type: AWS::Lambda::Permission\n    Properties:\n      Action: lambda:InvokeFunction\n      FunctionName: !Ref ContactFunction",
				"  ContactFunctionPermission:\n    Type: AWS::Lambda::Permission\n    Properties:\n      Action: lambda:InvokeFunction\n      FunctionName: !Ref CreateTodoFunction"}},
			check: "permissions",
			want:  "ContactFunction has no permission for arn:aws:execute-api:eu-west-1:123456789012:ref-TodoApi/*/POST/contact",
		},
		{
			name:  "a permission widened to every route",
			edits: []edit{{"template.yaml", "${TodoApi}/*/POST/contact", "${TodoApi}/*/*"}},
			check: "permissions",
			want:  "ContactFunction may be invoked from arn:aws:execute-api:eu-west-1:123456789012:ref-TodoApi/*/*, beyond its routes",
		},
		{
			name:  "a permission for any API",
			edits: []edit{{"template.yaml", "${TodoApi}/*/GET/todos/*", "*/*/GET/todos/*"}},
			check: "permissions",
			want:  "GetTodoFunction may be invoked from arn:aws:execute-api:eu-west-1:123456789012:*/*/GET/todos/*",
		},
		{
			name:  "a Makefile target renamed",
			edits: []edit{{"Makefile", "build-ContactFunction:", "build-Contact:"}},
			check: "build",
			want:  "Makefile: there is no target build-ContactFunction, which sam build runs for ContactFunction: add `build-ContactFunction: ;",
		},
		{
			name:  "a Makefile target building another function's folder",
			edits: []edit{{"Makefile", "-o $(ARTIFACTS_DIR)/bootstrap ./functions/get", "-o $(ARTIFACTS_DIR)/bootstrap ./functions/list"}},
			check: "folders",
			want:  "functions/list is built by [GetTodoFunction ListTodosFunction]",
		},
		{
			name:  "a folder no function builds",
			edits: []edit{{"Makefile", "-o $(ARTIFACTS_DIR)/bootstrap ./functions/contact", "-o $(ARTIFACTS_DIR)/bootstrap ./functions/contactform"}},
			check: "folders",
			want:  "functions/contact is no function's code: add its function to template.yaml",
		},
		{
			name:  "a Makefile target building a folder without code",
			edits: []edit{{"Makefile", "-o $(ARTIFACTS_DIR)/bootstrap ./functions/contact", "-o $(ARTIFACTS_DIR)/bootstrap ./functions/contactform"}},
			check: "folders",
			want:  "Makefile: build-ContactFunction builds ./functions/contactform, which holds no Go code",
		},
		{
			name:  "functions built with the RPC shim",
			edits: []edit{{"Makefile", "-tags lambda.norpc,validator_novalidatefn ", "-tags validator_novalidatefn "}},
			check: "build",
			want:  "Makefile: build-CreateTodoFunction does not build with the tag lambda.norpc",
		},
		{
			name:  "a function built by SAM's default builder",
			edits: []edit{{"template.yaml", "    Metadata:\n      BuildMethod: makefile\n    Properties:\n      Description: POST /todos", "    Properties:\n      Description: POST /todos"}},
			check: "build",
			want:  `template.yaml: CreateTodoFunction: Metadata BuildMethod is "": set it to makefile`,
		},
		{
			name:  "a timeout at the gateway's limit",
			edits: []edit{{"template.yaml", "    Timeout: 10", "    Timeout: 30"}},
			check: "runtime",
			want:  "timeout 30 s, want one set below the gateway's 30 s",
		},
		{
			name:  "the purge function without its queue",
			edits: []edit{{"template.yaml", "      Events:\n        Purge:\n          Type: SQS\n", "      Events:\n        Purge:\n          Type: Schedule\n"}},
			check: "routes",
			want:  "template.yaml: PurgeAccountFunction serves no route",
		},
		{
			name:  "a queue that gives a message back before its invocation ends",
			edits: []edit{{"template.yaml", "      VisibilityTimeout: 180\n", "      VisibilityTimeout: 60\n"}},
			check: "runtime",
			want:  "PurgeAccountFunction: timeout 30 s, and its queue PurgeQueue hides a message for 60 s",
		},
		{
			name:  "the purge's poller without an action it needs",
			edits: []edit{{"template.yaml", "                  - sqs:ReceiveMessage\n", ""}},
			check: "iam",
			want:  "template.yaml: PurgeAccountFunction: PurgeAccountFunctionRole may not call [sqs:ReceiveMessage] on its queues",
		},
		{
			name:  "a queue action on every queue",
			edits: []edit{{"template.yaml", "                Action: sqs:SendMessage\n                Resource: !GetAtt PurgeQueue.Arn\n", "                Action: sqs:SendMessage\n                Resource: '*'\n"}},
			check: "iam",
			want:  "template.yaml: DeleteAccountFunction: may call sqs:SendMessage on [*], not only on the queues its environment and event sources name",
		},
		{
			name:  "a user pool action on every pool",
			edits: []edit{{"template.yaml", "                Resource: !Sub\n                  - arn:${AWS::Partition}:cognito-idp:${AWS::Region}:${AWS::AccountId}:userpool/${Pool}\n                  - Pool: !If [UseCognito, !Ref UserPool, none]\n", "                Resource: '*'\n"}},
			check: "iam",
			want:  "template.yaml: PurgeAccountFunction: may call cognito-idp:AdminDeleteUser on [*], not only on the stack's user pool",
		},
		{
			name:  "a user pool action granted to a function whose code does not call it",
			edits: []edit{{"template.yaml", "                Action: sqs:SendMessage\n                Resource: !GetAtt PurgeQueue.Arn\n", "                Action: sqs:SendMessage\n                Resource: !GetAtt PurgeQueue.Arn\n              - Sid: Pool\n                Effect: Allow\n                Action: cognito-idp:AdminDeleteUser\n                Resource: !GetAtt UserPool.Arn\n"}},
			check: "iam",
			want:  "template.yaml: DeleteAccountFunction: DeleteAccountFunctionRole may call [cognito-idp:AdminDeleteUser], beyond what its code calls",
		},
		{
			name:  "a policy widened to every table",
			edits: []edit{{"template.yaml", "                Resource:\n                  - !GetAtt TodoTable.Arn\n                  - !Sub ${TodoTable.Arn}/index/ByStatus\n                  - !Sub ${TodoTable.Arn}/index/ByDue\n                  - !Sub ${TodoTable.Arn}/index/ByStatusDue\n                  - !Sub ${TodoTable.Arn}/index/BySeq\n", "                Resource: '*'\n"}},
			check: "iam",
			want:  "template.yaml: ListTodosFunction: may call dynamodb:Query on [*], want exactly",
		},
		{
			name:  "a policy granting an extra action",
			edits: []edit{{"template.yaml", "                  - dynamodb:Query\n", "                  - dynamodb:Query\n                  - dynamodb:Scan\n"}},
			check: "iam",
			want:  "template.yaml: ListTodosFunction: ListTodosFunctionRole may call [dynamodb:Scan], beyond what its code calls",
		},
		{
			name:  "a policy missing an action",
			edits: []edit{{"template.yaml", "                  - dynamodb:PutItem\n                  - dynamodb:UpdateItem\n                  - dynamodb:DeleteItem\n", "                  - dynamodb:PutItem\n                  - dynamodb:UpdateItem\n"}},
			check: "iam",
			want:  "template.yaml: CreateTodoFunction: CreateTodoFunctionRole may not call [dynamodb:DeleteItem] on the table, which its code calls",
		},
		{
			name:  "a table statement without its partitions",
			edits: []edit{{"template.yaml", "                  - !Sub ${TodoTable.Arn}/index/BySeq\n                Condition:\n                  ForAllValues:StringLike:\n                    dynamodb:LeadingKeys:\n                      - 'USER#*'\n", "                  - !Sub ${TodoTable.Arn}/index/BySeq\n"}},
			check: "iam",
			want:  "template.yaml: ListTodosFunction: may call dynamodb:Query with the condition map[], want exactly",
		},
		{
			name:  "a role reaching every partition",
			edits: []edit{{"template.yaml", "                      - 'CONTACT#*'\n                      - 'CONTACTLIMIT#*'\n", "                      - '*'\n"}},
			check: "iam",
			want:  "template.yaml: ContactFunction: may call dynamodb:PutItem with the condition",
		},
		{
			name:  "a todo role reaching the contact partitions",
			edits: []edit{{"template.yaml", "                  - dynamodb:GetItem\n                Resource: !GetAtt TodoTable.Arn\n                Condition:\n                  ForAllValues:StringLike:\n                    dynamodb:LeadingKeys:\n                      - 'USER#*'\n", "                  - dynamodb:GetItem\n                Resource: !GetAtt TodoTable.Arn\n                Condition:\n                  ForAllValues:StringLike:\n                    dynamodb:LeadingKeys:\n                      - 'USER#*'\n                      - 'CONTACT#*'\n"}},
			check: "iam",
			want:  "template.yaml: GetTodoFunction: may call dynamodb:GetItem with the condition",
		},
		{
			name:  "a listing's index missing from the table",
			edits: []edit{{"template.yaml", "        - IndexName: ByDue\n", "        - IndexName: ByDueDate\n"}},
			check: "table",
			want:  "local secondary indexes",
		},
		{
			name:  "a listing's index the list role may not read",
			edits: []edit{{"template.yaml", "                  - !Sub ${TodoTable.Arn}/index/ByStatusDue\n", ""}},
			check: "iam",
			want:  "template.yaml: ListTodosFunction: may call dynamodb:Query on",
		},
		{
			name:  "a broad managed policy",
			edits: []edit{{"template.yaml", "  GetTodoFunctionRole:\n    Type: AWS::IAM::Role\n    Properties:\n", "  GetTodoFunctionRole:\n    Type: AWS::IAM::Role\n    Properties:\n      ManagedPolicyArns:\n        - arn:aws:iam::aws:policy/AmazonDynamoDBFullAccess\n"}},
			check: "iam",
			want:  "GetTodoFunction: role GetTodoFunctionRole has managed policies",
		},
		{
			name:  "SAM policies instead of its own role",
			edits: []edit{{"template.yaml", "      Role: !GetAtt ListTodosFunctionRole.Arn\n", "      Policies:\n        - DynamoDBCrudPolicy:\n            TableName: !Ref TodoTable\n"}},
			check: "iam",
			want:  "ListTodosFunction: has SAM Policies",
		},
		{
			name:  "logs to another function's log group",
			edits: []edit{{"template.yaml", "Resource: !GetAtt CreateTodoFunctionLogGroup.Arn", "Resource: !GetAtt GetTodoFunctionLogGroup.Arn"}},
			check: "iam",
			want:  "CreateTodoFunction: may call logs:CreateLogStream on",
		},
		{
			name:  "a log group that keeps logs forever",
			edits: []edit{{"template.yaml", "  CreateTodoFunctionLogGroup:\n    Type: AWS::Logs::LogGroup\n    Properties:\n      RetentionInDays: !Ref LogRetentionInDays\n", "  CreateTodoFunctionLogGroup:\n    Type: AWS::Logs::LogGroup\n"}},
			check: "logs",
			want:  "CreateTodoFunction: log group CreateTodoFunctionLogGroup keeps logs forever",
		},
		{
			name:  "a function logging to Lambda's default group",
			edits: []edit{{"template.yaml", "      LoggingConfig:\n        LogGroup: !Ref ContactFunctionLogGroup\n", ""}},
			check: "logs",
			want:  "ContactFunction: has no LoggingConfig LogGroup of its own",
		},
		{
			name:  "an access log field dropped",
			edits: []edit{{"template.yaml", `,"protocol":"$context.protocol"`, ""}},
			check: "access log",
			want:  "the access log lacks field protocol",
		},
		{
			name:  "an access log field added",
			edits: []edit{{"template.yaml", `{"requestId":`, `{"userAgent":"$context.identity.userAgent","requestId":`}},
			check: "access log",
			want:  "the access log has field userAgent, which is not agreed",
		},
		{
			name:  "CORS not exposing ETag",
			edits: []edit{{"openapi.yaml", "  exposeHeaders:\n    - ETag\n", "  exposeHeaders:\n"}},
			check: "cors",
			want:  "CORS does not expose response header ETag",
		},
		{
			name:  "CORS not allowing Idempotency-Key",
			edits: []edit{{"openapi.yaml", "    - If-None-Match\n    - Idempotency-Key\n", "    - If-None-Match\n"}},
			check: "cors",
			want:  "CORS does not allow request header Idempotency-Key",
		},
		{
			name:  "a /todos operation without the authorizer",
			edits: []edit{{"openapi.yaml", "        sorted forms read a local secondary index of the table.\n      tags: [todos]\n      security:\n        - jwt:\n            - Ref: JwtScope\n", "        sorted forms read a local secondary index of the table.\n      tags: [todos]\n      security: []\n"}},
			check: "authorizer",
			want:  "openapi.yaml: GET /todos must require the jwt authorizer (security: [{jwt: [{Ref: JwtScope}]}]): ListTodosFunction reads the caller's identity",
		},
		{
			name:  "a /todos operation that takes ID tokens (no scope)",
			edits: []edit{{"openapi.yaml", "        sorted forms read a local secondary index of the table.\n      tags: [todos]\n      security:\n        - jwt:\n            - Ref: JwtScope\n", "        sorted forms read a local secondary index of the table.\n      tags: [todos]\n      security:\n        - jwt: []\n"}},
			check: "authorizer",
			want:  "openapi.yaml: GET /todos must require the scope of the JwtScope parameter, and only it",
		},
		{
			name:  "a /todos operation with the scope written out",
			edits: []edit{{"openapi.yaml", "        sorted forms read a local secondary index of the table.\n      tags: [todos]\n      security:\n        - jwt:\n            - Ref: JwtScope\n", "        sorted forms read a local secondary index of the table.\n      tags: [todos]\n      security:\n        - jwt:\n            - aws.cognito.signin.user.admin\n"}},
			check: "authorizer",
			want:  "with JwtScope=probe/scope it requires [aws.cognito.signin.user.admin]",
		},
		{
			name:  "the CLI's client not an audience",
			edits: []edit{{"openapi.yaml", "                - Fn::If:\n                    - CreateCliClient\n                    - Ref: CliUserPoolClient\n                    - Ref: AWS::NoValue\n", ""}},
			check: "authorizer",
			want:  "jwtConfiguration by default is",
		},
		{
			name:  "a public route that does not say so",
			edits: []edit{{"openapi.yaml", "      tags: [contact]\n      security: []\n", "      tags: [contact]\n"}},
			check: "authorizer",
			want:  "openapi.yaml: POST /contact must require the jwt authorizer, or say security: [] to be public",
		},
		{
			name:  "an authorizer trusting a fixed issuer",
			edits: []edit{{"openapi.yaml", "              - Ref: JwtIssuer\n", "              - https://fixed.example\n"}},
			check: "authorizer",
			want:  "jwtConfiguration with another issuer",
		},
		{
			name:  "a Pushover secret reaching every function",
			edits: []edit{{"template.yaml", "        TABLE_NAME: !Ref TodoTable\n", "        TABLE_NAME: !Ref TodoTable\n        PUSHOVER_TOKEN: !Ref PushoverToken\n"}},
			check: "secrets",
			want:  "template.yaml: CreateTodoFunction: its environment variable PUSHOVER_TOKEN holds the NoEcho parameter PushoverToken",
		},
		{
			name:  "a Pushover secret in the contact function's configuration again",
			edits: []edit{{"template.yaml", "          CONTACT_SECRET: !Ref ContactSecret\n", "          CONTACT_SECRET: !Ref ContactSecret\n          PUSHOVER_USER_KEY: !Ref PushoverUserKey\n"}},
			check: "secrets",
			want:  "template.yaml: ContactFunction: its environment variable PUSHOVER_USER_KEY holds the NoEcho parameter PushoverUserKey",
		},
		{
			name:  "a role that reads every secret",
			edits: []edit{{"template.yaml", "                  - secretsmanager:GetSecretValue\n                Resource: !Ref ContactSecret\n", "                  - secretsmanager:GetSecretValue\n                Resource: '*'\n"}},
			check: "iam",
			want:  "template.yaml: ContactFunction: may call secretsmanager:GetSecretValue on [*], not only on the secrets its environment names",
		},
		{
			name:  "a role that cannot read the function's secret",
			edits: []edit{{"template.yaml", "              - Sid: Secret\n                Effect: Allow\n                Action:\n                  - secretsmanager:GetSecretValue\n                Resource: !Ref ContactSecret\n", ""}},
			check: "iam",
			want:  "template.yaml: ContactFunction: ContactFunctionRole may not call [secretsmanager:GetSecretValue] on its secrets, which its code calls",
		},
		{
			name:  "a Pushover secret in an output",
			edits: []edit{{"template.yaml", "Outputs:\n", "Outputs:\n  Leak:\n    Value: !Ref PushoverToken\n"}},
			check: "secrets",
			want:  "template.yaml: an output reveals PushoverToken",
		},
		{
			name:  "a Pushover secret echoed",
			edits: []edit{{"template.yaml", "    NoEcho: true\n    AllowedPattern: '^[A-Za-z0-9]*$'\n    ConstraintDescription: must be letters and digits, as Pushover's keys are", "    NoEcho: false\n    AllowedPattern: '^[A-Za-z0-9]*$'\n    ConstraintDescription: must be letters and digits, as Pushover's keys are"}},
			check: "secrets",
			want:  "parameter PushoverUserKey does not exist or is not NoEcho",
		},
		{
			name:  "the bucket's public access not blocked",
			edits: []edit{{"template.yaml", "        RestrictPublicBuckets: true\n", "        RestrictPublicBuckets: false\n"}},
			check: "bucket",
			want:  "AttachmentsBucket: PublicAccessBlockConfiguration",
		},
		{
			name:  "stray uploads kept forever",
			edits: []edit{{"template.yaml", "            Prefix: uploads/\n            ExpirationInDays: 1\n", "            Prefix: upload/\n            ExpirationInDays: 1\n"}},
			check: "bucket",
			want:  "no enabled lifecycle rule expires the objects under uploads/",
		},
		{
			name:  "the bucket open to plain HTTP",
			edits: []edit{{"template.yaml", "aws:SecureTransport: 'false'", "aws:SecureTransport: 'true'"}},
			check: "bucket",
			want:  "no AWS::S3::BucketPolicy of it denies s3:*",
		},
		{
			name:  "the bucket named",
			edits: []edit{{"template.yaml", "    Properties:\n      PublicAccessBlockConfiguration:", "    Properties:\n      BucketName: photos\n      PublicAccessBlockConfiguration:"}},
			check: "bucket",
			want:  "AttachmentsBucket has a BucketName",
		},
		{
			name:  "the notification of the checked objects rather than the uploads",
			edits: []edit{{"template.yaml", "                    Value: uploads/\n", "                    Value: users/\n"}},
			check: "bucket",
			want:  "ConfirmAttachmentFunction: S3 event Upload is",
		},
		{
			name:  "a function that calls S3 not told the bucket",
			edits: []edit{{"template.yaml", "          ATTACHMENTS_BUCKET: !Ref AttachmentsBucket\n          ATTACHMENT_URL_SECONDS: !Ref AttachmentUrlSeconds\n      LoggingConfig:\n        LogGroup: !Ref GetAttachmentFunctionLogGroup", "          ATTACHMENT_URL_SECONDS: !Ref AttachmentUrlSeconds\n      LoggingConfig:\n        LogGroup: !Ref GetAttachmentFunctionLogGroup"}},
			check: "bucket",
			want:  "GetAttachmentFunction: calls S3, and ATTACHMENTS_BUCKET is <nil>",
		},
		{
			name:  "a download role that reaches every object",
			edits: []edit{{"template.yaml", "                Action: s3:GetObject\n                Resource: !Sub ${AttachmentsBucket.Arn}/users/*\n", "                Action: s3:GetObject\n                Resource: !Sub ${AttachmentsBucket.Arn}/*\n"}},
			check: "iam",
			want:  "template.yaml: GetAttachmentFunction: s3:GetObject on map[Fn::Sub:${AttachmentsBucket.Arn}/*], want only objects under",
		},
		{
			name:  "a download role that may upload",
			edits: []edit{{"template.yaml", "                Action: s3:GetObject\n                Resource: !Sub ${AttachmentsBucket.Arn}/users/*\n", "                Action: s3:PutObject\n                Resource: !Sub ${AttachmentsBucket.Arn}/users/*\n"}},
			check: "iam",
			want:  "GetAttachmentFunctionRole may call [s3:PutObject], beyond what its code calls",
		},
		{
			name:  "the purge listing the whole bucket",
			edits: []edit{{"template.yaml", "                    s3:prefix:\n                      - users/*\n", "                    s3:prefix:\n                      - '*'\n"}},
			check: "iam",
			want:  "PurgeAccountFunction: s3:ListBucket with the condition",
		},
		{
			name:  "the table not retained",
			edits: []edit{{"template.yaml", "    DeletionPolicy: RetainExceptOnCreate\n    UpdateReplacePolicy: Retain\n    Properties:\n      BillingMode", "    Properties:\n      BillingMode"}},
			check: "table",
			want:  `DeletionPolicy "" and UpdateReplacePolicy "", want RetainExceptOnCreate and Retain`,
		},
		{
			name:  "the table retained even by a failed first deploy",
			edits: []edit{{"template.yaml", "    DeletionPolicy: RetainExceptOnCreate\n", "    DeletionPolicy: Retain\n"}},
			check: "table",
			want:  `DeletionPolicy "Retain" and UpdateReplacePolicy "Retain", want RetainExceptOnCreate and Retain`,
		},
		{
			name:  "the table encrypted with the key DynamoDB owns",
			edits: []edit{{"template.yaml", "      SSESpecification:\n        SSEEnabled: true\n        SSEType: KMS\n", ""}},
			check: "table",
			want:  "SSESpecification map[], want map[SSEEnabled:true SSEType:KMS]",
		},
		{
			name:  "the table encrypted with a key of its own",
			edits: []edit{{"template.yaml", "        SSEType: KMS\n", "        SSEType: KMS\n        KMSMasterKeyId: alias/mine\n"}},
			check: "table",
			want:  "SSESpecification map[KMSMasterKeyId:alias/mine SSEEnabled:true SSEType:KMS], want",
		},
		{
			name:  "the time to live on another attribute",
			edits: []edit{{"template.yaml", "AttributeName: expiresAt", "AttributeName: ttl"}},
			check: "table",
			want:  `time to live on "ttl", want expiresAt`,
		},
		{
			name:  "the include pointing elsewhere",
			edits: []edit{{"template.yaml", "Location: ./openapi.yaml", "Location: ./api.yaml"}},
			check: "api",
			want:  `includes "./api.yaml"`,
		},
		{
			name:  "warnings ignored on import",
			edits: []edit{{"template.yaml", "FailOnWarnings: true", "FailOnWarnings: false"}},
			check: "api",
			want:  "FailOnWarnings is off",
		},
		{
			name:  "a function without its errors alarm",
			edits: []edit{{"template.yaml", "  GetTodoFunctionErrorsAlarm:\n", "  GetTodoFunctionFailuresAlarm:\n"}},
			check: "alarms",
			want:  "GetTodoFunction: has no Errors alarm GetTodoFunctionErrorsAlarm",
		},
		{
			name:  "a throttles alarm watching another function",
			edits: []edit{{"template.yaml", "      MetricName: Throttles\n      Dimensions:\n        - Name: FunctionName\n          Value: !Ref CreateTodoFunction\n", "      MetricName: Throttles\n      Dimensions:\n        - Name: FunctionName\n          Value: !Ref GetTodoFunction\n"}},
			check: "alarms",
			want:  "CreateTodoFunction: alarm CreateTodoFunctionThrottlesAlarm watches",
		},
		{
			name:  "an alarm that notifies no one when it clears",
			edits: []edit{{"template.yaml", "      AlarmActions: [!Ref AlarmTopic]\n      OKActions: [!Ref AlarmTopic]\n\n  ApiLatencyAlarm:", "      AlarmActions: [!Ref AlarmTopic]\n\n  ApiLatencyAlarm:"}},
			check: "alarms",
			want:  "Api5xxAlarm: its OKActions do not notify AlarmTopic",
		},
		{
			name:  "the alarm topic encrypted with the AWS managed key",
			edits: []edit{{"template.yaml", "  AlarmTopic:\n    Type: AWS::SNS::Topic\n", "  AlarmTopic:\n    Type: AWS::SNS::Topic\n    Properties:\n      KmsMasterKeyId: alias/aws/sns\n"}},
			check: "alarms",
			want:  "CloudWatch cannot publish with",
		},
		{
			name:  "an alarm missing from the dashboard",
			edits: []edit{{"template.yaml", `"${ContactNotificationAlarm.Arn}"`, `"${ContactNotificationAlarm}"`}},
			check: "alarms",
			want:  "alarm ContactNotificationAlarm is not on the dashboard",
		},
		{
			name:  "the dead-letter queue unwatched",
			edits: []edit{{"template.yaml", "          Value: !GetAtt PurgeDeadLetterQueue.QueueName\n", "          Value: !GetAtt PurgeQueue.QueueName\n"}},
			check: "alarms",
			want:  "PurgeQueue: no alarm watches its dead-letter queue PurgeDeadLetterQueue",
		},
		{
			name:  "dropped upload events unwatched",
			edits: []edit{{"template.yaml", "      MetricName: AsyncEventsDropped\n", "      MetricName: AsyncEventAge\n"}},
			check: "alarms",
			want:  "no alarm watches the events Lambda drops",
		},
		{
			name:  "the contact route without its own throttling",
			edits: []edit{{"template.yaml", "        POST /contact:\n", "        POST /todos:\n"}},
			check: "api",
			want:  "public route POST /contact has no throttling of its own",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := mutate(t, tt.edits...)
			got := runCheck(t, dir, tt.check)
			for _, p := range got {
				if strings.Contains(p, tt.want) {
					return
				}
			}
			t.Errorf("check %q reported %q, want a problem containing %q", tt.check, got, tt.want)
		})
	}
}

// TestEveryCheckCanFail keeps TestChecksCatchDrift honest: each check has
// at least one mutation that it catches.
func TestEveryCheckCanFail(t *testing.T) {
	src, err := os.ReadFile("mutate_test.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range checks {
		if !strings.Contains(string(src), "check: \""+c.name+"\"") {
			t.Errorf("no mutation proves that check %q can fail", c.name)
		}
	}
}
