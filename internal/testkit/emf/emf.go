// Package emf checks log lines against CloudWatch's embedded metric format:
// the JSON schema AWS publishes with the specification (schema.json), and
// the specification's rules that a schema cannot say, such as that every
// metric a directive names is a number on the line. A line that passes is
// one CloudWatch Logs turns into metrics; one that fails would be kept as a
// log line and give no metric, silently.
package emf

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

//go:embed schema.json
var schemaJSON []byte

// MaxBytes is the largest log event CloudWatch Logs takes, and so the
// largest EMF document.
const MaxBytes = 1 << 20

var compiled = sync.OnceValues(func() (*jsonschema.Schema, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(schemaJSON))
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("emf.json", doc); err != nil {
		return nil, err
	}
	return c.Compile("emf.json")
})

// Document is a line that passed Validate: its members, and its metrics.
type Document struct {
	Members map[string]any
	// Metrics holds each metric the line declares: its namespace, its
	// dimensions' values by name, and its value.
	Metrics []Metric
}

// Metric is one value a Document gives CloudWatch.
type Metric struct {
	Namespace  string
	Name       string
	Unit       string
	Dimensions map[string]string
	Value      float64
}

// Validate checks that line is an EMF document and returns what it holds.
func Validate(line []byte) (*Document, error) {
	if len(line) > MaxBytes {
		return nil, fmt.Errorf("emf: %d bytes, more than a log event's %d", len(line), MaxBytes)
	}
	schema, err := compiled()
	if err != nil {
		return nil, fmt.Errorf("emf: compiling the schema: %w", err)
	}
	// A number keeps its text, so that the schema's integer Timestamp is
	// told from a float.
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(line))
	if err != nil {
		return nil, fmt.Errorf("emf: not one JSON value: %w", err)
	}
	if err := schema.Validate(doc); err != nil {
		return nil, fmt.Errorf("emf: against the published schema: %w", err)
	}
	var root struct {
		AWS struct {
			CloudWatchMetrics []struct {
				Namespace  string
				Dimensions [][]string
				Metrics    []struct{ Name, Unit string }
			}
		} `json:"_aws"`
	}
	if err := json.Unmarshal(line, &root); err != nil {
		return nil, fmt.Errorf("emf: %w", err)
	}
	members := doc.(map[string]any)
	out := &Document{Members: members}
	for i, d := range root.AWS.CloudWatchMetrics {
		if len(d.Metrics) > 100 {
			return nil, fmt.Errorf("emf: directive %d declares %d metrics, more than 100", i, len(d.Metrics))
		}
		for _, set := range d.Dimensions {
			dims := make(map[string]string, len(set))
			for _, name := range set {
				v, ok := members[name].(string)
				if !ok {
					return nil, fmt.Errorf("emf: directive %d: dimension %q is not a string member of the line (%v)", i, name, members[name])
				}
				dims[name] = v
			}
			for _, m := range d.Metrics {
				values, err := metricValues(members[m.Name])
				if err != nil {
					return nil, fmt.Errorf("emf: directive %d: metric %q: %w", i, m.Name, err)
				}
				for _, v := range values {
					out.Metrics = append(out.Metrics, Metric{Namespace: d.Namespace, Name: m.Name, Unit: m.Unit, Dimensions: dims, Value: v})
				}
			}
		}
	}
	return out, nil
}

// metricValues reads a metric's target member: a number, or an array of at
// most 100 numbers.
func metricValues(v any) ([]float64, error) {
	switch v := v.(type) {
	case json.Number:
		f, err := v.Float64()
		return []float64{f}, err
	case []any:
		if len(v) > 100 {
			return nil, fmt.Errorf("%d values, more than 100", len(v))
		}
		out := make([]float64, 0, len(v))
		for _, e := range v {
			n, ok := e.(json.Number)
			if !ok {
				return nil, fmt.Errorf("value %v is not a number", e)
			}
			f, err := n.Float64()
			if err != nil {
				return nil, err
			}
			out = append(out, f)
		}
		return out, nil
	default:
		return nil, fmt.Errorf("not a number member of the line (%v)", v)
	}
}
