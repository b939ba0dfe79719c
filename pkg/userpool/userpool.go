// Package userpool deletes users from the stack's Cognito user pool, so
// that a deleted account can never sign in again.
package userpool

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/example/serverless-todo/pkg/awsconfig"
)

// EnvPoolID names the user pool's ID; empty when the stack accepts
// another issuer's tokens (JwtIssuer), whose users it cannot delete.
const EnvPoolID = "USER_POOL_ID"

// endpointService is the SDK's name of Cognito's user pools in
// AWS_ENDPOINT_URL_<service>, which points it at the local stand-in.
const endpointService = "COGNITO_IDENTITY_PROVIDER"

// Pool is a user pool. Its zero value (no pool) deletes nothing.
type Pool struct {
	client *cognitoidentityprovider.Client
	id     string
}

// Open returns the pool the environment names.
func Open(getenv func(string) string) (*Pool, error) {
	id := getenv(EnvPoolID)
	if id == "" {
		return &Pool{}, nil
	}
	cfg, err := awsconfig.Load(getenv)
	if err != nil {
		return nil, err
	}
	endpoint := awsconfig.Endpoint(getenv, endpointService)
	client := cognitoidentityprovider.NewFromConfig(cfg, func(o *cognitoidentityprovider.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
		}
	})
	return &Pool{client: client, id: id}, nil
}

// DeleteUser deletes the user called username (AdminDeleteUser); a user
// already gone is no error, so that a retried purge goes on.
//
// IAM: cognito-idp:AdminDeleteUser
func (p *Pool) DeleteUser(ctx context.Context, username string) error {
	if p.client == nil || username == "" {
		return nil
	}
	_, err := p.client.AdminDeleteUser(ctx, &cognitoidentityprovider.AdminDeleteUserInput{UserPoolId: aws.String(p.id), Username: aws.String(username)})
	var gone *types.UserNotFoundException
	if err != nil && !errors.As(err, &gone) {
		return fmt.Errorf("userpool: delete %s: %w", username, err)
	}
	return nil
}
