// Package secret reads a function's secret from AWS Secrets Manager, once
// per execution environment. The function's configuration holds only the
// secret's ARN (its name locally), and its role may read that secret
// alone, so nobody allowed to read the configuration reads the secret.
package secret

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/smithy-go"

	"github.com/example/serverless-todo/pkg/awsconfig"
	"github.com/example/serverless-todo/pkg/errkind"
)

// EndpointService is the service part of the variable that points the
// client at a local Secrets Manager, AWS_ENDPOINT_URL_SECRETS_MANAGER: the
// SDK's standard name, never set in AWS.
const EndpointService = "SECRETS_MANAGER"

// Secret is one secret, read on first use and kept for the life of the
// process. It is safe for concurrent use.
type Secret struct {
	client *secretsmanager.Client
	id     string

	mu    sync.Mutex
	value string
	read  bool
}

// Open returns the secret named by id, an ARN or a name, read with the
// credentials and Region of the function's environment (package
// awsconfig). It reads nothing yet.
func Open(getenv func(string) string, id string) (*Secret, error) {
	if id == "" {
		return nil, errors.New("secret: no secret ID")
	}
	cfg, err := awsconfig.Load(getenv)
	if err != nil {
		return nil, err
	}
	endpoint := awsconfig.Endpoint(getenv, EndpointService)
	client := secretsmanager.NewFromConfig(cfg, func(o *secretsmanager.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
		}
	})
	return &Secret{client: client, id: id}, nil
}

// String returns the secret's value. The first call that succeeds reads
// it; later calls return what it read. A failed read is not kept, so the
// next call tries again. Its error names the secret and the cause, never a
// value, and is of kind errkind.ErrUnavailable when a later try may
// succeed.
//
// IAM: secretsmanager:GetSecretValue
func (s *Secret) String(ctx context.Context) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.read {
		return s.value, nil
	}
	out, err := s.client.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(s.id)})
	if err != nil {
		// A secret that is missing or that the role may not read is the
		// deployment's fault, which no retry mends; anything else
		// (throttling, a failing or unreachable service) may pass.
		var api smithy.APIError
		if errors.As(err, &api) && api.ErrorCode() != "ThrottlingException" && api.ErrorCode() != "InternalServiceError" {
			return "", fmt.Errorf("secret: reading %s: %w", s.id, err)
		}
		return "", fmt.Errorf("secret: reading %s: %w: %w", s.id, errkind.ErrUnavailable, err)
	}
	if out.SecretString == nil {
		return "", fmt.Errorf("secret: %s has no string value", s.id)
	}
	s.value, s.read = *out.SecretString, true
	return s.value, nil
}

// JSON decodes the secret's value, a JSON object, into v. Its errors never
// quote the value.
func (s *Secret) JSON(ctx context.Context, v any) error {
	value, err := s.String(ctx)
	if err != nil {
		return err
	}
	if err := json.Unmarshal([]byte(value), v); err != nil {
		// encoding/json's errors may quote the value; say only where.
		var syntax *json.SyntaxError
		if errors.As(err, &syntax) {
			return fmt.Errorf("secret: %s is not a JSON object (at byte %d)", s.id, syntax.Offset)
		}
		return fmt.Errorf("secret: %s is not the JSON object it should be", s.id)
	}
	return nil
}
