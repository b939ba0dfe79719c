// Package capacity counts the read units a DynamoDB client's queries
// consume, as DynamoDB (and DynamoDB Local) reports them, for the tests and
// benchmarks that hold a listing to the cost of its page.
package capacity

import (
	"context"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go/middleware"
)

// Meter sums the capacity units of the Query and GetItem calls of the
// clients it is added to. Its zero value is ready to use.
type Meter struct {
	mu    sync.Mutex
	units float64
	calls int
}

// Client returns a copy of c whose Query and GetItem calls ask DynamoDB
// for their consumed capacity and add it to m.
func (m *Meter) Client(c *dynamodb.Client) *dynamodb.Client {
	return dynamodb.New(c.Options(), func(o *dynamodb.Options) {
		o.APIOptions = append(o.APIOptions, func(stack *middleware.Stack) error {
			return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("capacity.Meter",
				func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
					switch p := in.Parameters.(type) {
					case *dynamodb.QueryInput:
						p.ReturnConsumedCapacity = types.ReturnConsumedCapacityTotal
					case *dynamodb.GetItemInput:
						p.ReturnConsumedCapacity = types.ReturnConsumedCapacityTotal
					}
					out, md, err := next.HandleInitialize(ctx, in)
					switch r := out.Result.(type) {
					case *dynamodb.QueryOutput:
						m.add(r.ConsumedCapacity)
					case *dynamodb.GetItemOutput:
						m.add(r.ConsumedCapacity)
					}
					return out, md, err
				}), middleware.After)
		})
	})
}

func (m *Meter) add(c *types.ConsumedCapacity) {
	if c == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.units += aws.ToFloat64(c.CapacityUnits)
	m.calls++
}

// Take returns the units and calls counted since the last Take, and starts
// counting again.
func (m *Meter) Take() (units float64, calls int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	units, calls = m.units, m.calls
	m.units, m.calls = 0, 0
	return units, calls
}
