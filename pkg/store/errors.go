package store

import (
	"context"
	"errors"
	"fmt"
	"net"

	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/example/serverless-todo/pkg/errkind"
)

// classify wraps a DynamoDB error in the sentinel the API maps to a status:
// errkind.ErrUnavailable for what a retry may fix, errkind.ErrConflict for a transaction in
// the way, and the error as it is (a 500) for anything else. The SDK's text
// stays in the wrapped error, for the log only.
func classify(err error) error {
	switch {
	case err == nil:
		return nil
	case isConflict(err):
		return fmt.Errorf("%w: %w", errkind.ErrConflict, err)
	case isUnavailable(err):
		return fmt.Errorf("%w: %w", errkind.ErrUnavailable, err)
	}
	return err
}

// classifyWrite is classify for a write: a write that may have reached
// DynamoDB without an answer coming back may have been made, so what a retry
// may fix is also errkind.ErrOutcomeUnknown. Throttling alone would mean it was not,
// but an earlier attempt of the same call may have gone unanswered.
func classifyWrite(err error) error {
	if err != nil && !isConflict(err) && isUnavailable(err) {
		return fmt.Errorf("%w: %w: %w", errkind.ErrOutcomeUnknown, errkind.ErrUnavailable, err)
	}
	return classify(err)
}

func isConflict(err error) bool {
	var conflict *types.TransactionConflictException
	if errors.As(err, &conflict) {
		return true
	}
	var canceled *types.TransactionCanceledException
	if errors.As(err, &canceled) {
		for _, r := range canceled.CancellationReasons {
			if r.Code != nil && *r.Code == "TransactionConflict" {
				return true
			}
		}
	}
	return false
}

// isUnavailable reports throttling, server-side failures, and requests that
// got no answer: refused or dropped connections, timeouts, the SDK's retry
// budget spent, or the invocation's time running out.
func isUnavailable(err error) bool {
	var api smithy.APIError
	if errors.As(err, &api) {
		switch api.ErrorCode() {
		case "ProvisionedThroughputExceededException", "ThrottlingException",
			"RequestLimitExceeded", "InternalServerError", "ServiceUnavailable",
			"TransactionInProgressException":
			return true
		}
		return api.ErrorFault() == smithy.FaultServer
	}
	var (
		send     *smithyhttp.RequestSendError
		canceled *smithy.CanceledError
		quota    ratelimit.QuotaExceededError
		netErr   net.Error
		resp     *awshttp.ResponseError
	)
	switch {
	case errors.As(err, &send), errors.As(err, &canceled), errors.As(err, &quota), errors.As(err, &netErr),
		errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return true
	case errors.As(err, &resp):
		return resp.HTTPStatusCode() >= 500 || resp.HTTPStatusCode() == 0
	}
	return false
}
