package scaffold

// The files and edits a new route starts from. The function they make
// works: it answers 200 with the route it served (and, behind the
// authorizer, the caller's sub), its test passes, and the drift tests
// accept the four places as they are. The handler is then the route's own
// to write.

const mainTemplate = `// Command {{.Name}} is the Lambda function behind {{.Key}}.
package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/example/serverless-todo/pkg/handler"
)

func main() {
	if err := run(context.Background(), os.Getenv, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "{{.Name}}:", err)
		os.Exit(1)
	}
}

// run builds what the handler needs, once per execution environment, and
// serves it. A route that needs the table opens it here (store.Open).
func run(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	h := &{{.Handler}}{}
	return handler.Start(ctx, getenv, handler.NewLogger(stdout), h.handle)
}
`

const handlerTemplate = `package main

import (
	"context"
	"net/http"

	"github.com/aws/aws-lambda-go/events"
{{if not .Public}}
	"github.com/example/serverless-todo/pkg/request"{{end}}
	"github.com/example/serverless-todo/pkg/response"
)

type {{.Handler}} struct{}

// answer is the body of the 200.
type answer struct {
	Route string ` + "`json:\"route\"`" + `{{if not .Public}}
	User  string ` + "`json:\"user\"`" + `{{end}}
}

// handle answers {{.Key}} with the route it served{{if not .Public}} and the
// caller{{end}}.
func (h *{{.Handler}}) handle(ctx context.Context, req *events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
{{- if not .Public}}
	owner, err := request.Owner(req)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	return response.JSON(http.StatusOK, answer{Route: req.RouteKey, User: owner})
{{- else}}
	return response.JSON(http.StatusOK, answer{Route: req.RouteKey})
{{- end}}
}
`

const testTemplate = `package main

import (
	"net/http"
	"testing"

	"github.com/example/serverless-todo/internal/testkit/apitest"
)

func TestHandleAnswersTheRoute(t *testing.T) {
	h := &{{.Handler}}{}
	resp := apitest.Invoke(t, h.handle, apitest.Request{Method: "{{.Method}}", Path: "{{.Path}}", Route: "{{.Key}}"{{if not .Public}}, Sub: "alice"{{end}}})
	var got struct{ Route, User string }
	apitest.JSON(t, resp, http.StatusOK, &got)
	apitest.SecurityHeaders(t, resp)
	if got.Route != "{{.Key}}"{{if not .Public}} || got.User != "alice"{{end}} {
		t.Errorf("answered %+v", got)
	}
}
{{- if not .Public}}

func TestHandleRefusesARequestWithoutAUser(t *testing.T) {
	h := &{{.Handler}}{}
	resp := apitest.Invoke(t, h.handle, apitest.Request{Method: "{{.Method}}", Path: "{{.Path}}", Route: "{{.Key}}"})
	apitest.Problem(t, resp, http.StatusUnauthorized)
}
{{- end}}
`

const operationTemplate = `    {{if eq .Method "GET"}}get{{else if eq .Method "POST"}}post{{else if eq .Method "PUT"}}put{{else if eq .Method "PATCH"}}patch{{else}}delete{{end}}:
      operationId: {{.Operation}}
      summary: {{.Key}}
      description: Answers with the route it served{{if not .Public}} and the caller's sub{{end}}.
{{- if .Public}}
      security: []
{{- else}}
      security:
        - jwt:
            - Ref: JwtScope
{{- end}}
{{- if .Params}}
      parameters:
{{- range .Params}}
        - name: {{.}}
          in: path
          required: true
          schema:
            type: string
{{- end}}
{{- end}}
      responses:
        '200':
          description: The route served.
          headers:
            Cache-Control:
              $ref: '#/components/headers/CacheControl'
            X-Content-Type-Options:
              $ref: '#/components/headers/XContentTypeOptions'
          content:
            application/json:
              schema:
                type: object
                required: [route{{if not .Public}}, user{{end}}]
                properties:
                  route:
                    type: string
{{- if not .Public}}
                  user:
                    type: string
{{- end}}
{{- if not .Public}}
        '401':
          $ref: '#/components/responses/Unauthorized'
        '403':
          $ref: '#/components/responses/Forbidden'
{{- end}}
        '429':
          $ref: '#/components/responses/TooManyRequests'
        '500':
          $ref: '#/components/responses/InternalServerError'
        '503':
          $ref: '#/components/responses/ServiceUnavailable'
      x-amazon-apigateway-integration:
        type: aws_proxy
        httpMethod: POST
        payloadFormatVersion: '2.0'
        uri:
          Fn::Sub: arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${{"{"}}{{.ID}}.Arn}/invocations
`

const resourcesTemplate = `  {{.ID}}:
    Type: AWS::Serverless::Function
    Metadata:
      BuildMethod: makefile
    Properties:
      Description: {{.Key}}
      CodeUri: .
      Role: !GetAtt {{.ID}}Role.Arn
      LoggingConfig:
        LogGroup: !Ref {{.ID}}LogGroup

  {{.ID}}LogGroup:
    Type: AWS::Logs::LogGroup
    Properties:
      RetentionInDays: !Ref LogRetentionInDays

{{range .Alarms}}  {{$.ID}}{{.Metric}}Alarm:
    Type: AWS::CloudWatch::Alarm
    Properties:
      AlarmDescription: {{$.ID}} {{.Description}}.
      Namespace: AWS/Lambda
      MetricName: {{.Metric}}
      Dimensions:
        - Name: FunctionName
          Value: !Ref {{$.ID}}
      Statistic: Sum
      Period: 300
      EvaluationPeriods: 1
      Threshold: !Ref AlarmFunction{{.Metric}}
      ComparisonOperator: GreaterThanOrEqualToThreshold
      TreatMissingData: notBreaching
      AlarmActions: [!Ref AlarmTopic]
      OKActions: [!Ref AlarmTopic]

{{end}}  {{.ID}}Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Principal:
              Service: lambda.amazonaws.com
            Action: sts:AssumeRole
      Policies:
        - PolicyName: function
          PolicyDocument:
            Version: '2012-10-17'
            Statement:
              - Sid: Logs
                Effect: Allow
                Action:
                  - logs:CreateLogStream
                  - logs:PutLogEvents
                Resource: !GetAtt {{.ID}}LogGroup.Arn
              - Sid: Tracing
                Effect: Allow
                Action:
                  - xray:PutTraceSegments
                  - xray:PutTelemetryRecords
                Resource: '*'

  {{.ID}}Permission:
    Type: AWS::Lambda::Permission
    Properties:
      Action: lambda:InvokeFunction
      FunctionName: !Ref {{.ID}}
      Principal: apigateway.amazonaws.com
      SourceArn: !Sub arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${TodoApi}/*/{{.Method}}{{.ArnPath}}
`

const publicThrottlingTemplate = `        {{.Key}}:
          ThrottlingRateLimit: !Ref ContactThrottlingRateLimit
          ThrottlingBurstLimit: !Ref ContactThrottlingBurstLimit
`

const makeTemplate = `build-{{.ID}}: ; $(LAMBDA_ENV) go build $(LAMBDA_FLAGS) -o $(ARTIFACTS_DIR)/bootstrap ./functions/{{.Name}}
`
