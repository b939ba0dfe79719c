package intrinsics

import "github.com/example/serverless-todo/internal/local/samtemplate"

// Stack stands in for a deployment of the template: what CloudFormation
// knows about the stack and its resources when it resolves the template.
// The drift tests use placeholders; the local API uses the names of its
// local copies.
type Stack struct {
	// Name, Region and AccountID are the pseudo parameters AWS::StackName,
	// AWS::Region and AWS::AccountId; empty ones have no value. The
	// partition is aws.
	Name, Region, AccountID string
	// Parameters set parameter values; a parameter not set takes its
	// default.
	Parameters map[string]string
	// Ref returns what Ref of a resource gives, and Arn what Fn::GetAtt of
	// its Arn gives; "" means there is no local value, and resolving one
	// is an error. Nil functions give no values.
	Ref func(id string, r samtemplate.Resource) string
	Arn func(id string, r samtemplate.Resource) string
	// Attrs returns what Fn::GetAtt of a resource's other attributes
	// gives, by attribute name, like a queue's QueueName and QueueUrl; nil,
	// or an attribute left out, gives no value.
	Attrs func(id string, r samtemplate.Resource) map[string]string
}

// New returns a Resolver of t's intrinsic functions as deployed as s.
func New(t *samtemplate.Template, s Stack) *Resolver {
	r := &Resolver{
		Template:   t,
		Parameters: s.Parameters,
		Pseudo:     map[string]string{"AWS::Partition": "aws", "AWS::URLSuffix": "amazonaws.com"},
		Refs:       map[string]string{},
		Attrs:      map[string]string{},
	}
	for name, v := range map[string]string{"AWS::StackName": s.Name, "AWS::Region": s.Region, "AWS::AccountId": s.AccountID} {
		if v != "" {
			r.Pseudo[name] = v
		}
	}
	for id, res := range t.Resources {
		if s.Ref != nil {
			if v := s.Ref(id, res); v != "" {
				r.Refs[id] = v
			}
		}
		if s.Arn != nil {
			if v := s.Arn(id, res); v != "" {
				r.Attrs[id+".Arn"] = v
			}
		}
		if s.Attrs != nil {
			for attr, v := range s.Attrs(id, res) {
				if v != "" {
					r.Attrs[id+"."+attr] = v
				}
			}
		}
	}
	return r
}
