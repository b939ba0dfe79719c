package store

import (
	"context"
	"errors"
	"net"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/example/serverless-todo/pkg/errkind"
)

// DynamoDB Local never throttles, so the classification of the errors real
// DynamoDB returns under load is checked here, on errors shaped as the SDK
// returns them (wrapped in an operation error and the retryer's).
func TestClassify(t *testing.T) {
	wrap := func(err error) error {
		return &smithy.OperationError{ServiceID: "DynamoDB", OperationName: "PutItem",
			Err: &retry.MaxAttemptsError{Attempt: 3, Err: err}}
	}
	tests := []struct {
		name string
		err  error
		want error
	}{
		{"provisioned throughput exceeded", wrap(&types.ProvisionedThroughputExceededException{Message: aws.String("slow down")}), errkind.ErrUnavailable},
		{"request limit exceeded", wrap(&types.RequestLimitExceeded{}), errkind.ErrUnavailable},
		{"throttling", wrap(&smithy.GenericAPIError{Code: "ThrottlingException"}), errkind.ErrUnavailable},
		{"internal server error", wrap(&types.InternalServerError{}), errkind.ErrUnavailable},
		{"a server fault", wrap(&smithy.GenericAPIError{Code: "Whatever", Fault: smithy.FaultServer}), errkind.ErrUnavailable},
		{"connection refused", wrap(&smithyhttp.RequestSendError{Err: &net.OpError{Op: "dial", Err: errors.New("connection refused")}}), errkind.ErrUnavailable},
		{"retry quota spent", wrap(ratelimit.QuotaExceededError{}), errkind.ErrUnavailable},
		{"deadline", wrap(context.DeadlineExceeded), errkind.ErrUnavailable},
		{"canceled", wrap(&smithy.CanceledError{Err: context.Canceled}), errkind.ErrUnavailable},
		{"transaction conflict", wrap(&types.TransactionConflictException{}), errkind.ErrConflict},
		{"transaction canceled by a conflict", wrap(&types.TransactionCanceledException{CancellationReasons: []types.CancellationReason{{Code: aws.String("None")}, {Code: aws.String("TransactionConflict")}}}), errkind.ErrConflict},
		{"validation error", wrap(&smithy.GenericAPIError{Code: "ValidationException", Fault: smithy.FaultClient}), nil},
		{"missing table", wrap(&types.ResourceNotFoundException{}), nil},
		{"a bug", errors.New("marshal: unsupported type"), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := classify(tt.err)
			if !errors.Is(got, tt.err) {
				t.Errorf("classify lost the cause: %v", got)
			}
			for _, sentinel := range []error{errkind.ErrUnavailable, errkind.ErrConflict} {
				if errors.Is(got, sentinel) != (sentinel == tt.want) {
					t.Errorf("classify(%v) = %v; want it to be %v", tt.err, got, tt.want)
				}
			}
		})
	}
	if classify(nil) != nil {
		t.Error("classify(nil) is not nil")
	}
}
