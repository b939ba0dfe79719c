// Package capacity counts the capacity units a DynamoDB client's calls
// consume, as DynamoDB (and DynamoDB Local) reports them, secondary indexes
// included, for the tests and benchmarks that hold a route to what it
// costs.
package capacity

import (
	"context"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go/middleware"
)

// Units is what a run of calls consumed: read and write units, each the
// table's and its indexes' together, and how many calls reported them.
type Units struct {
	Read, Write float64
	Calls       int
}

// Meter sums the capacity units of the reads (GetItem, Query) and writes
// (PutItem, UpdateItem, DeleteItem, TransactWriteItems) of the clients it
// is added to. Its zero value is ready to use.
type Meter struct {
	mu    sync.Mutex
	units Units
}

// Client returns a copy of c whose calls ask DynamoDB for their consumed
// capacity, per index (INDEXES), and add it to m.
func (m *Meter) Client(c *dynamodb.Client) *dynamodb.Client {
	return dynamodb.New(c.Options(), func(o *dynamodb.Options) {
		o.APIOptions = append(o.APIOptions, func(stack *middleware.Stack) error {
			return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("capacity.Meter", m.handle), middleware.After)
		})
	})
}

func (m *Meter) handle(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
	const all = types.ReturnConsumedCapacityIndexes
	switch p := in.Parameters.(type) {
	case *dynamodb.QueryInput:
		p.ReturnConsumedCapacity = all
	case *dynamodb.GetItemInput:
		p.ReturnConsumedCapacity = all
	case *dynamodb.PutItemInput:
		p.ReturnConsumedCapacity = all
	case *dynamodb.UpdateItemInput:
		p.ReturnConsumedCapacity = all
	case *dynamodb.DeleteItemInput:
		p.ReturnConsumedCapacity = all
	case *dynamodb.TransactWriteItemsInput:
		p.ReturnConsumedCapacity = all
	}
	out, md, err := next.HandleInitialize(ctx, in)
	switch r := out.Result.(type) {
	case *dynamodb.QueryOutput:
		m.add(r.ConsumedCapacity, nil)
	case *dynamodb.GetItemOutput:
		m.add(r.ConsumedCapacity, nil)
	case *dynamodb.PutItemOutput:
		m.add(nil, r.ConsumedCapacity)
	case *dynamodb.UpdateItemOutput:
		m.add(nil, r.ConsumedCapacity)
	case *dynamodb.DeleteItemOutput:
		m.add(nil, r.ConsumedCapacity)
	case *dynamodb.TransactWriteItemsOutput:
		for i := range r.ConsumedCapacity {
			m.add(nil, &r.ConsumedCapacity[i])
		}
	}
	return out, md, err
}

// add counts a read's or a write's consumed capacity. CapacityUnits is
// the call's total on a table: the table's units and its indexes'.
func (m *Meter) add(read, write *types.ConsumedCapacity) {
	if read == nil && write == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if read != nil {
		m.units.Read += aws.ToFloat64(read.CapacityUnits)
	}
	if write != nil {
		m.units.Write += aws.ToFloat64(write.CapacityUnits)
	}
	m.units.Calls++
}

// Take returns the units counted since the last Take, and starts counting
// again.
func (m *Meter) Take() Units {
	m.mu.Lock()
	defer m.mu.Unlock()
	u := m.units
	m.units = Units{}
	return u
}
