package stack_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/example/serverless-todo/internal/local/devauth"
	"github.com/example/serverless-todo/internal/local/stack"
	"github.com/example/serverless-todo/internal/testkit/dbtest"
	"github.com/example/serverless-todo/internal/testkit/logsink"
	"github.com/example/serverless-todo/internal/testkit/mototest"
)

// queueFunction is testdata/sqsfn, built once by TestMain: both functions
// of testdata/queues, the API with template.yaml's account deletion.
var queueFunction string

// buildQueueFunction builds testdata/sqsfn for this machine, as a Lambda
// bootstrap, into dir.
func buildQueueFunction(dir string) (string, error) {
	out := filepath.Join(dir, "sqsfn")
	cmd := exec.Command("go", "build", "-tags", "lambda.norpc", "-o", out, "./testdata/sqsfn")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./testdata/sqsfn: %w\n%s", err, b)
	}
	return out, nil
}

// visibility is the queues' visibility timeout in these tests, in place
// of the template's three minutes: a failed message comes back in a
// second.
const visibility = time.Second

// startQueues starts testdata/queues, with the queue function as both
// functions, on the test DynamoDB and moto.
func startQueues(t *testing.T) (*stack.Stack, *logsink.Sink) {
	t.Helper()
	cfg, err := stack.Load(filepath.Join("testdata", "queues"), stack.LoadOptions{NamePrefix: uniquePrefix()})
	if err != nil {
		t.Fatal(err)
	}
	for i := range cfg.Functions {
		cfg.Functions[i].Path = queueFunction
	}
	log := &logsink.Sink{}
	s, err := stack.Start(t.Context(), cfg, stack.Options{
		StateDir:               t.TempDir(),
		DynamoDBEndpoint:       dbtest.Endpoint(),
		MotoEndpoint:           mototest.Endpoint(t),
		QueueVisibilityTimeout: visibility,
		Log:                    log,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { closeStack(t, s) })
	return s, log
}

// queue returns the stack's queue whose local name ends with suffix.
func queue(t *testing.T, s *stack.Stack, suffix string) stack.Queue {
	t.Helper()
	for _, q := range s.Queues {
		if strings.HasSuffix(q.Name, "-"+suffix) {
			return q
		}
	}
	t.Fatalf("the stack has no queue %s: %+v", suffix, s.Queues)
	return stack.Queue{}
}

func sendBody(t *testing.T, q stack.Queue, body string) {
	t.Helper()
	if _, err := mototest.SQS(t).SendMessage(t.Context(), &sqs.SendMessageInput{QueueUrl: aws.String(q.URL), MessageBody: aws.String(body)}); err != nil {
		t.Fatal(err)
	}
}

// records returns the SQS records the function logged with body.
func records(t *testing.T, log *logsink.Sink, body string) []events.SQSMessage {
	t.Helper()
	var out []events.SQSMessage
	for _, line := range log.Matching(regexp.MustCompile(`^\[PurgeAccountFunction\] record `)) {
		var r events.SQSMessage
		if err := json.Unmarshal([]byte(strings.TrimPrefix(line, "[PurgeAccountFunction] record ")), &r); err != nil {
			t.Fatalf("%s: %v", line, err)
		}
		if r.Body == body {
			out = append(out, r)
		}
	}
	return out
}

// waitForEmpty waits until q holds no message, visible or in flight.
func waitForEmpty(t *testing.T, q stack.Queue) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); ; {
		out, err := mototest.SQS(t).GetQueueAttributes(t.Context(), &sqs.GetQueueAttributesInput{QueueUrl: aws.String(q.URL),
			AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameApproximateNumberOfMessages, types.QueueAttributeNameApproximateNumberOfMessagesNotVisible}})
		if err != nil {
			t.Fatal(err)
		}
		if out.Attributes["ApproximateNumberOfMessages"] == "0" && out.Attributes["ApproximateNumberOfMessagesNotVisible"] == "0" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s still holds %v", q.Name, out.Attributes)
		}
	}
}

// The whole of account deletion, locally: DELETE /me's function sends to
// the queue by its Ref, the mapping invokes the purge function with the
// message as Lambda's SQS event, the function deletes the user through
// the Cognito stand-in its environment points at, and the message, handled,
// is deleted. The user gets no token from then on; a token minted before
// still passes the gateway, which checks only signature and expiry.
func TestAPurgeMessageReachesTheFunctionThatDeletesTheUser(t *testing.T) {
	s, log := startQueues(t)
	purge, dlq := queue(t, s, "PurgeQueue"), queue(t, s, "PurgeDeadLetterQueue")
	// The URLs are moto's, which the SDK gets from GetQueueUrl too.
	for _, q := range []stack.Queue{purge, dlq} {
		got, err := mototest.SQS(t).GetQueueUrl(t.Context(), &sqs.GetQueueUrlInput{QueueName: aws.String(q.Name)})
		if err != nil || aws.ToString(got.QueueUrl) != q.URL || q.URL != s.MotoEndpoint+"/123456789012/"+q.Name {
			t.Errorf("queue %s has URL %s; GetQueueUrl gives %v (%v); want %s/123456789012/%s", q.Name, q.URL, aws.ToString(got.QueueUrl), err, s.MotoEndpoint, q.Name)
		}
	}
	attrs, err := mototest.SQS(t).GetQueueAttributes(t.Context(), &sqs.GetQueueAttributesInput{QueueUrl: aws.String(purge.URL), AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameAll}})
	if err != nil {
		t.Fatal(err)
	}
	if a := attrs.Attributes; a["VisibilityTimeout"] != "1" || a["MessageRetentionPeriod"] != "1209600" || !strings.Contains(a["RedrivePolicy"], dlq.ARN) {
		t.Errorf("the purge queue's attributes %v: want the shortened visibility timeout, the template's retention and a redrive policy to %s", a, dlq.ARN)
	}

	before := token(t, s, "alice")
	if status, body := call(t, "DELETE", s.URL+"/me", map[string]string{"Authorization": "Bearer " + before}, ""); status != http.StatusAccepted {
		t.Fatalf("DELETE /me = %d %s", status, body)
	}
	for deadline := time.Now().Add(30 * time.Second); ; {
		_, err := s.Issuer.Mint(devauth.Token{Subject: "alice"})
		if errors.Is(err, devauth.ErrUserDeleted) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("Mint for alice 30 s after DELETE /me: %v, want ErrUserDeleted; the log:\n%s", err, log)
		}
	}
	// The function deletes the user, then logs the record: the log may be
	// behind the user pool.
	log.WaitFor(t, regexp.MustCompile(`(?m)^\[PurgeAccountFunction\] record `))
	body := `{"mode":"delete-user","user":"alice"}`
	got := records(t, log, body)
	if len(got) != 1 {
		t.Fatalf("%d records of %s, want 1; the log:\n%s", len(got), body, log)
	}
	if r := got[0]; r.EventSource != "aws:sqs" || r.EventSourceARN != purge.ARN || r.AWSRegion != "us-east-1" || r.Attributes["ApproximateReceiveCount"] != "1" || r.MessageId == "" {
		t.Errorf("the record %+v: want aws:sqs from %s, received once", r, purge.ARN)
	}
	log.WaitFor(t, regexp.MustCompile(`(?m)^\[PurgeAccountFunction\] event source SQS `+regexp.QuoteMeta(purge.Name)+`: invoked with 1 message in \S+: 1 handled and deleted, 0 reported failed$`))
	waitForEmpty(t, purge)

	// As at API Gateway, the token minted before still passes until it
	// expires; the function's second deletion finds the user gone.
	if status, body := call(t, "DELETE", s.URL+"/me", map[string]string{"Authorization": "Bearer " + before}, ""); status != http.StatusAccepted {
		t.Errorf("DELETE /me with the token minted before the deletion = %d %s, want it to pass the gateway", status, body)
	}
	log.WaitFor(t, regexp.MustCompile(`(?m)^\[PurgeAccountFunction\] user alice was already deleted$`))
	waitForEmpty(t, purge)
	waitForEmpty(t, dlq)

	// Close waits for the mapping: a message sent after it stays for
	// whoever receives it next.
	closeStack(t, s)
	sendBody(t, purge, `{"mode":"ok"}`)
	out, err := mototest.SQS(t).ReceiveMessage(t.Context(), &sqs.ReceiveMessageInput{QueueUrl: aws.String(purge.URL), WaitTimeSeconds: 5})
	if err != nil || len(out.Messages) != 1 {
		t.Errorf("a message sent after Close: received %d, %v; want it left in the queue", len(out.Messages), err)
	}
}

// The functions' environment holds the template's Refs and GetAtts of the
// queues and the user pool, resolved to the local copies, and the
// endpoints of moto's SQS and of the Cognito stand-in.
func TestTheFunctionsReachTheQueuesAndTheUserPoolByTheirEnvironment(t *testing.T) {
	s, log := startQueues(t)
	purge, dlq := queue(t, s, "PurgeQueue"), queue(t, s, "PurgeDeadLetterQueue")
	sendBody(t, purge, `{"mode":"env"}`)
	log.WaitFor(t, regexp.MustCompile(`(?m)^\[PurgeAccountFunction\] env `))
	var env map[string]string
	line := log.Matching(regexp.MustCompile(`^\[PurgeAccountFunction\] env `))[0]
	if err := json.Unmarshal([]byte(strings.TrimPrefix(line, "[PurgeAccountFunction] env ")), &env); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"PURGE_QUEUE_URL":      purge.URL,
		"DEAD_LETTER_QUEUE":    dlq.Name,
		"USER_POOL_ID":         devauth.PoolID,
		"USER_POOL_ARN":        "arn:aws:cognito-idp:us-east-1:123456789012:userpool/" + devauth.PoolID,
		"AWS_ENDPOINT_URL_SQS": s.MotoEndpoint,
		"AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER": s.CognitoEndpoint,
	}
	for k, v := range want {
		if env[k] != v {
			t.Errorf("%s = %q, want %q", k, env[k], v)
		}
	}
	if !strings.HasPrefix(s.CognitoEndpoint, "http://127.0.0.1:") {
		t.Errorf("CognitoEndpoint = %q, want a loopback URL", s.CognitoEndpoint)
	}
}

// A message the function reports failed (batchItemFailures) comes back
// after the visibility timeout, and once handled is deleted.
func TestABatchItemFailureIsDeliveredAgain(t *testing.T) {
	s, log := startQueues(t)
	purge, dlq := queue(t, s, "PurgeQueue"), queue(t, s, "PurgeDeadLetterQueue")
	body := `{"mode":"fail-once"}`
	sendBody(t, purge, body)
	log.WaitFor(t, regexp.MustCompile(`(?m)^\[PurgeAccountFunction\] event source SQS \S+: invoked with 1 message in \S+: 0 handled and deleted, 1 reported failed$`))
	log.WaitFor(t, regexp.MustCompile(`(?m)^\[PurgeAccountFunction\] event source SQS \S+: invoked with 1 message in \S+: 1 handled and deleted, 0 reported failed$`))
	got := records(t, log, body)
	if len(got) != 2 || got[0].MessageId != got[1].MessageId || got[0].Attributes["ApproximateReceiveCount"] != "1" || got[1].Attributes["ApproximateReceiveCount"] != "2" {
		t.Errorf("records of the message: %+v; want the same message received twice", got)
	}
	waitForEmpty(t, purge)
	waitForEmpty(t, dlq)
}

// A message whose invocation keeps crashing the function is deleted by
// no one: it comes back after each visibility timeout and, past the
// redrive policy's maxReceiveCount (2 here), moto moves it to the
// dead-letter queue.
func TestAMessageThatKeepsCrashingTheFunctionLandsInTheDeadLetterQueue(t *testing.T) {
	s, log := startQueues(t)
	purge, dlq := queue(t, s, "PurgeQueue"), queue(t, s, "PurgeDeadLetterQueue")
	body := `{"mode":"crash"}`
	sendBody(t, purge, body)
	var moved *types.Message
	for deadline := time.Now().Add(30 * time.Second); moved == nil; {
		out, err := mototest.SQS(t).ReceiveMessage(t.Context(), &sqs.ReceiveMessageInput{QueueUrl: aws.String(dlq.URL), WaitTimeSeconds: 1,
			MessageSystemAttributeNames: []types.MessageSystemAttributeName{types.MessageSystemAttributeNameAll}})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Messages) > 0 {
			moved = &out.Messages[0]
		}
		if moved == nil && time.Now().After(deadline) {
			t.Fatalf("the message is not in the dead-letter queue 30 s on; the log:\n%s", log)
		}
	}
	if aws.ToString(moved.Body) != body {
		t.Errorf("the dead-letter queue holds %q, want %q", aws.ToString(moved.Body), body)
	}
	got := records(t, log, body)
	if len(got) != 2 {
		t.Errorf("the function got the message %d times, want maxReceiveCount, 2", len(got))
	}
	for i, r := range got {
		if r.Attributes["ApproximateReceiveCount"] != strconv.Itoa(i+1) {
			t.Errorf("receipt %d has ApproximateReceiveCount %s", i+1, r.Attributes["ApproximateReceiveCount"])
		}
	}
	if failed := log.Matching(regexp.MustCompile(`^\[PurgeAccountFunction\] event source SQS \S+: invoked with 1 message in \S+: the function failed, so none is deleted`)); len(failed) != 2 {
		t.Errorf("%d failed invocations in the log, want 2:\n%s", len(failed), log)
	}
	waitForEmpty(t, purge)
}

// A template with queues and no secret still gets a moto_server of its
// own when none is given, with the queues in it.
func TestStartRunsMotoForQueuesAlone(t *testing.T) {
	cfg, err := stack.Load(filepath.Join("testdata", "queues"), stack.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Secrets) != 0 || len(cfg.Queues) == 0 {
		t.Fatalf("testdata/queues has %d secrets and %d queues, want queues alone", len(cfg.Secrets), len(cfg.Queues))
	}
	for i := range cfg.Functions {
		cfg.Functions[i].Path = queueFunction
	}
	s, err := stack.Start(t.Context(), cfg, stack.Options{StateDir: t.TempDir(), DynamoDBEndpoint: dbtest.Endpoint()})
	if err != nil {
		t.Fatal(err)
	}
	defer closeStack(t, s)
	if s.MotoEndpoint == "" || s.MotoEndpoint == mototest.Endpoint(t) {
		t.Fatalf("MotoEndpoint = %q, want a moto_server of its own", s.MotoEndpoint)
	}
	for _, q := range s.Queues {
		if !strings.HasPrefix(q.URL, s.MotoEndpoint+"/") {
			t.Errorf("queue %s at %s, want it in the stack's moto_server %s", q.Name, q.URL, s.MotoEndpoint)
		}
	}
	if _, err := sqs.New(mototest.SQS(t).Options(), func(o *sqs.Options) { o.BaseEndpoint = aws.String(s.MotoEndpoint) }).
		GetQueueUrl(t.Context(), &sqs.GetQueueUrlInput{QueueName: aws.String(s.Queues[0].Name)}); err != nil {
		t.Errorf("the stack's moto_server: %v", err)
	}
}
