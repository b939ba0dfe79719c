// Command sqsfn is the function of the stack's queue tests, standing for
// both sides of account deletion. Invoked through the gateway (DELETE
// /me), it sends a message naming the caller to PURGE_QUEUE_URL, as
// DeleteAccountFunction does. Invoked by the queue's event source mapping,
// it logs each record as "record <JSON>" and does what the record's body
// says, {"mode": ..., "user": ...}:
//
//   - "ok", or none: handles it;
//   - "fail-once": reports it failed (batchItemFailures) on its first
//     receipt, and handles it on the next;
//   - "crash": exits, so that the invocation fails as a crash;
//   - "delete-user": deletes the user from the user pool USER_POOL_ID with
//     AdminDeleteUser, as the purge function does, through the endpoint in
//     AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER; a user already gone is no
//     failure, as for the purge function;
//   - "env": logs "env <JSON>", the variables the tests check.
//
// Its clients are configured by pkg/awsconfig from Lambda's environment,
// as the real functions' are.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/example/serverless-todo/pkg/awsconfig"
)

func main() { lambda.Start(handle) }

// command is a record's body.
type command struct {
	Mode string `json:"mode"`
	User string `json:"user"`
}

func handle(ctx context.Context, raw json.RawMessage) (any, error) {
	var gw events.APIGatewayV2HTTPRequest
	if err := json.Unmarshal(raw, &gw); err == nil && gw.Version == "2.0" {
		return deleteAccount(ctx, gw)
	}
	var ev events.SQSEvent
	if err := json.Unmarshal(raw, &ev); err != nil {
		return nil, err
	}
	var resp events.SQSEventResponse
	for _, r := range ev.Records {
		line, err := json.Marshal(r)
		if err != nil {
			return nil, err
		}
		fmt.Println("record " + string(line))
		var cmd command
		_ = json.Unmarshal([]byte(r.Body), &cmd)
		switch cmd.Mode {
		case "", "ok":
		case "fail-once":
			if r.Attributes["ApproximateReceiveCount"] == "1" {
				resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: r.MessageId})
			}
		case "crash":
			fmt.Println("crashing")
			os.Exit(3)
		case "delete-user":
			if err := deleteUser(ctx, cmd.User); err != nil {
				return nil, err
			}
		case "env":
			env := map[string]string{}
			for _, name := range []string{"PURGE_QUEUE_URL", "DEAD_LETTER_QUEUE", "USER_POOL_ID", "USER_POOL_ARN",
				"AWS_ENDPOINT_URL_SQS", "AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER"} {
				env[name] = os.Getenv(name)
			}
			line, err := json.Marshal(env)
			if err != nil {
				return nil, err
			}
			fmt.Println("env " + string(line))
		default:
			return nil, fmt.Errorf("unknown mode %q", cmd.Mode)
		}
	}
	return resp, nil
}

// deleteAccount sends the purge message for the caller.
func deleteAccount(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	jwt := req.RequestContext.Authorizer
	if jwt == nil || jwt.JWT == nil || jwt.JWT.Claims["sub"] == "" {
		return events.APIGatewayV2HTTPResponse{}, errors.New("no caller")
	}
	cfg, err := awsconfig.Load(os.Getenv)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	client := sqs.NewFromConfig(cfg, func(o *sqs.Options) {
		if e := awsconfig.Endpoint(os.Getenv, "SQS"); e != "" {
			o.BaseEndpoint = aws.String(e)
		}
	})
	body, err := json.Marshal(command{Mode: "delete-user", User: jwt.JWT.Claims["sub"]})
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	if _, err := client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(os.Getenv("PURGE_QUEUE_URL")), MessageBody: aws.String(string(body))}); err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	return events.APIGatewayV2HTTPResponse{StatusCode: 202}, nil
}

func deleteUser(ctx context.Context, user string) error {
	cfg, err := awsconfig.Load(os.Getenv)
	if err != nil {
		return err
	}
	client := cip.NewFromConfig(cfg, func(o *cip.Options) {
		if e := awsconfig.Endpoint(os.Getenv, "COGNITO_IDENTITY_PROVIDER"); e != "" {
			o.BaseEndpoint = aws.String(e)
		}
	})
	_, err = client.AdminDeleteUser(ctx, &cip.AdminDeleteUserInput{UserPoolId: aws.String(os.Getenv("USER_POOL_ID")), Username: aws.String(user)})
	if gone := (*types.UserNotFoundException)(nil); errors.As(err, &gone) {
		fmt.Println("user " + user + " was already deleted")
		return nil
	}
	return err
}
