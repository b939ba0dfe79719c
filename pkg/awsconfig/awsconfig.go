// Package awsconfig builds the AWS SDK configuration of a Lambda function
// from what Lambda puts in its environment, and nothing else.
//
// config.LoadDefaultConfig reads shared config and credentials files and
// links every credential provider the SDK has: SSO, STS web identity and
// role assumption, sign-in, the EC2 instance metadata service. A Lambda
// function can use none of them, and they cost each function about 0.35 MB
// of its zip and part of its init. Lambda gives a provided.al2023 function
// its Region in AWS_REGION and its execution role's credentials in one of
// two ways, which are the two this package reads:
//
//   - the environment variables AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and
//     AWS_SESSION_TOKEN, on on-demand and provisioned-concurrency
//     environments;
//   - a container credentials endpoint, AWS_CONTAINER_CREDENTIALS_FULL_URI
//     with AWS_CONTAINER_AUTHORIZATION_TOKEN (or _TOKEN_FILE), on
//     environments that outlive one set of credentials, such as Lambda
//     Managed Instances: the SDK refreshes them before they expire.
//
// The local stack delivers credentials the first way, with the endpoint
// of each service in AWS_ENDPOINT_URL_<SERVICE>, the SDK's own name for an
// endpoint override.
package awsconfig

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/credentials/endpointcreds"
)

// Environment variables Load reads: Lambda's, and the SDK's standard names.
const (
	EnvRegion             = "AWS_REGION"
	EnvAccessKeyID        = "AWS_ACCESS_KEY_ID"
	EnvSecretAccessKey    = "AWS_SECRET_ACCESS_KEY"
	EnvSessionToken       = "AWS_SESSION_TOKEN"
	EnvContainerURI       = "AWS_CONTAINER_CREDENTIALS_FULL_URI"
	EnvContainerToken     = "AWS_CONTAINER_AUTHORIZATION_TOKEN"
	EnvContainerTokenFile = "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"
)

// endpointPrefix starts the variable that overrides one service's endpoint.
const endpointPrefix = "AWS_ENDPOINT_URL_"

// refreshMargin is how long before they expire credentials from the
// container endpoint are fetched again, so no request signs with expired
// ones.
const refreshMargin = time.Minute

// Timeouts and retries of every client, so that a function answers 503
// within its timeout rather than hang: one-second connects, two-second
// attempts, three attempts with short backoff. AWS services answer in
// milliseconds; waiting longer only keeps the client waiting.
const (
	DialTimeout    = time.Second
	AttemptTimeout = 2 * time.Second
	MaxAttempts    = 3
	MaxBackoff     = 200 * time.Millisecond
)

// Load returns the configuration for clients of AWS services: the Region,
// the execution role's credentials and the fail-fast HTTP client and
// retryer above. It fails when the environment has no Region or no
// credentials, which in Lambda never happens.
func Load(getenv func(string) string) (aws.Config, error) {
	region := getenv(EnvRegion)
	if region == "" {
		return aws.Config{}, errors.New("awsconfig: " + EnvRegion + " is not set")
	}
	creds, err := credentialsFrom(getenv)
	if err != nil {
		return aws.Config{}, err
	}
	return aws.Config{
		Region:      region,
		Credentials: creds,
		HTTPClient: awshttp.NewBuildableClient().
			WithDialerOptions(func(d *net.Dialer) { d.Timeout = DialTimeout }).
			WithTimeout(AttemptTimeout),
		Retryer: func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) {
				o.MaxAttempts = MaxAttempts
				o.MaxBackoff = MaxBackoff
			})
		},
	}, nil
}

// credentialsFrom returns the credentials Lambda delivered, in either way.
func credentialsFrom(getenv func(string) string) (aws.CredentialsProvider, error) {
	id, secret := getenv(EnvAccessKeyID), getenv(EnvSecretAccessKey)
	if id != "" && secret != "" {
		return credentials.NewStaticCredentialsProvider(id, secret, getenv(EnvSessionToken)), nil
	}
	uri := getenv(EnvContainerURI)
	if uri == "" {
		return nil, errors.New("awsconfig: no credentials: neither " + EnvAccessKeyID + " and " + EnvSecretAccessKey + " nor " + EnvContainerURI + " is set")
	}
	if err := checkContainerURI(uri); err != nil {
		return nil, err
	}
	token, tokenFile := getenv(EnvContainerToken), getenv(EnvContainerTokenFile)
	provider := endpointcreds.New(uri, func(o *endpointcreds.Options) {
		switch {
		case tokenFile != "":
			// Read on every refresh: the file's token may be rotated.
			o.AuthorizationTokenProvider = endpointcreds.TokenProviderFunc(func() (string, error) {
				b, err := os.ReadFile(tokenFile)
				return strings.TrimSpace(string(b)), err
			})
		case token != "":
			o.AuthorizationToken = token
		}
	})
	return aws.NewCredentialsCache(provider, func(o *aws.CredentialsCacheOptions) {
		o.ExpiryWindow = refreshMargin
	}), nil
}

// checkContainerURI applies the SDK's rule for a full container credentials
// URI: HTTPS, or HTTP to this machine only, so that the authorization token
// and the credentials never cross a network in the clear.
func checkContainerURI(uri string) error {
	u, err := url.Parse(uri)
	if err != nil {
		return fmt.Errorf("awsconfig: %s: %w", EnvContainerURI, err)
	}
	if u.Scheme == "https" {
		return nil
	}
	if u.Scheme == "http" {
		host := u.Hostname()
		if host == "localhost" {
			return nil
		}
		if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
			return nil
		}
	}
	return fmt.Errorf("awsconfig: %s must be https, or http to a loopback address, not %s", EnvContainerURI, uri)
}

// Endpoint returns the endpoint override of a service, by the SDK's
// standard variables: AWS_ENDPOINT_URL_<SERVICE> (DYNAMODB, S3, SQS, ...),
// else AWS_ENDPOINT_URL; "" in AWS, where neither is set.
func Endpoint(getenv func(string) string, service string) string {
	if v := getenv(endpointPrefix + service); v != "" {
		return v
	}
	return getenv("AWS_ENDPOINT_URL")
}

// EndpointVariable is the variable that overrides a service's endpoint,
// like AWS_ENDPOINT_URL_DYNAMODB.
func EndpointVariable(service string) string { return endpointPrefix + service }
