package store

import (
	"context"
	"io"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Warm prepares, during a function's init, what the first request would
// otherwise pay for: it resolves the credentials and opens the connection to
// DynamoDB (DNS, TCP and TLS) through the client's own HTTP client, whose
// pool keeps it. The request is an unsigned GET of the endpoint, which
// DynamoDB answers as a health check, so it needs no IAM permission and
// touches no table. Failures are ignored: the first real request then dials
// as it would have anyway.
func (s *Store) Warm(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	o := s.client.Options()
	var accountID string
	if o.Credentials != nil {
		if creds, err := o.Credentials.Retrieve(ctx); err == nil {
			accountID = creds.AccountID
		}
	}
	// The same parameters the client resolves its endpoint with, so the
	// connection is to the host the requests go to.
	params := dynamodb.EndpointParameters{
		Region:                aws.String(o.Region),
		UseDualStack:          aws.Bool(o.EndpointOptions.UseDualStackEndpoint == aws.DualStackEndpointStateEnabled),
		UseFIPS:               aws.Bool(o.EndpointOptions.UseFIPSEndpoint == aws.FIPSEndpointStateEnabled),
		Endpoint:              o.BaseEndpoint,
		AccountIdEndpointMode: aws.String(string(o.AccountIDEndpointMode)),
	}
	if accountID != "" && o.AccountIDEndpointMode != aws.AccountIDEndpointModeDisabled {
		params.AccountId = aws.String(accountID)
	}
	ep, err := o.EndpointResolverV2.ResolveEndpoint(ctx, params)
	if err != nil {
		return
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, ep.URI.String(), nil)
	if err != nil {
		return
	}
	resp, err := o.HTTPClient.Do(req)
	if err != nil {
		return
	}
	// Reading the body to its end returns the connection to the pool.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
}

// primeDecoding decodes an item into a todo, which builds and caches
// attributevalue's decoder of the type. It runs while the first request is
// not yet there, or is waiting for the warm-up anyway.
func (s *Store) primeDecoding() {
	_, _ = s.decodeTodo(map[string]types.AttributeValue{"id": &types.AttributeValueMemberS{Value: "prime"}})
}
