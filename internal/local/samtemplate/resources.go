package samtemplate

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
)

// Function is an AWS::Serverless::Function, Globals merged. Values that may
// hold intrinsic functions are left unresolved; see Resolver.
type Function struct {
	LogicalID     string
	CodeURI       string
	Handler       string
	Runtime       string
	Architectures []string
	MemorySize    int
	Timeout       int
	Tracing       string
	// BuildMethod is Metadata.BuildMethod, such as makefile.
	BuildMethod string
	// Role is the Role property; nil when SAM makes the role.
	Role any
	// Policies is SAM's Policies property; nil when absent.
	Policies any
	// Environment holds Environment.Variables.
	Environment map[string]any
	LogFormat   string
	// LogGroup is LoggingConfig.LogGroup; nil when Lambda's default group
	// is used.
	LogGroup any
	// SQSEvents are its Events of type SQS: the queues whose messages
	// invoke it.
	SQSEvents []SQSEvent
	// S3Events are its Events of type S3: the buckets whose object events
	// invoke it, through their notifications.
	S3Events []S3Event
}

// S3Event is a bucket's notification of object events to a function:
// SAM's Events entry of Type S3, which SAM turns into the bucket's
// NotificationConfiguration and S3's permission to invoke.
type S3Event struct {
	// Name is the event's key under Events.
	Name string
	// Bucket is the logical ID of the bucket, which the event Refs.
	Bucket string
	// Events are S3's event types, like s3:ObjectCreated:*.
	Events []string
	// Prefix and Suffix are the key filter's rules; empty for none.
	Prefix, Suffix string
}

// SQSEvent is an event source mapping of a queue to a function: SAM's
// Events entry of Type SQS.
type SQSEvent struct {
	// Name is the event's key under Events.
	Name string
	// Queue is the logical ID of the queue, whose Arn the event names.
	Queue string
	// BatchSize is the most messages of one invocation: 10 unless set.
	BatchSize int
	// MaximumBatchingWindowInSeconds is how long Lambda gathers messages
	// before it invokes with fewer than BatchSize: 0, no gathering, unless
	// set. A BatchSize over 10 needs one, as Lambda says.
	MaximumBatchingWindowInSeconds int
	// ReportBatchItemFailures is whether FunctionResponseTypes has
	// ReportBatchItemFailures: the function names the messages that
	// failed, and only they come back.
	ReportBatchItemFailures bool
}

// Functions returns the template's functions, sorted by logical ID.
func (t *Template) Functions() ([]Function, error) {
	var fns []Function
	for _, id := range t.ids(TypeFunction) {
		f, err := function(id, t.Resources[id])
		if err != nil {
			return nil, fmt.Errorf("samtemplate: function %s: %w", id, err)
		}
		fns = append(fns, f)
	}
	return fns, nil
}

func function(id string, r Resource) (Function, error) {
	p := r.Properties
	f := Function{LogicalID: id, Role: p["Role"], Policies: p["Policies"]}
	var err error
	for _, s := range []struct {
		dst *string
		m   map[string]any
		key string
	}{
		{&f.CodeURI, p, "CodeUri"},
		{&f.Handler, p, "Handler"},
		{&f.Runtime, p, "Runtime"},
		{&f.Tracing, p, "Tracing"},
		{&f.BuildMethod, r.Metadata, "BuildMethod"},
	} {
		if *s.dst, err = stringProp(s.m, s.key); err != nil {
			return Function{}, err
		}
	}
	if f.MemorySize, err = intProp(p, "MemorySize"); err != nil {
		return Function{}, err
	}
	if f.Timeout, err = intProp(p, "Timeout"); err != nil {
		return Function{}, err
	}
	if f.Architectures, err = stringsProp(p, "Architectures"); err != nil {
		return Function{}, err
	}
	env, err := mapProp(p, "Environment")
	if err != nil {
		return Function{}, err
	}
	if f.Environment, err = mapProp(env, "Variables"); err != nil {
		return Function{}, fmt.Errorf("Environment.%w", err)
	}
	logging, err := mapProp(p, "LoggingConfig")
	if err != nil {
		return Function{}, err
	}
	if f.LogFormat, err = stringProp(logging, "LogFormat"); err != nil {
		return Function{}, fmt.Errorf("LoggingConfig.%w", err)
	}
	f.LogGroup = logging["LogGroup"]
	if f.SQSEvents, err = sqsEvents(p); err != nil {
		return Function{}, err
	}
	if f.S3Events, err = s3Events(p); err != nil {
		return Function{}, err
	}
	return f, nil
}

// s3Events reads a function's Events of type S3, sorted by name.
func s3Events(p map[string]any) ([]S3Event, error) {
	events, err := mapProp(p, "Events")
	if err != nil {
		return nil, err
	}
	var out []S3Event
	for _, name := range sortedKeys(events) {
		ev, _ := events[name].(map[string]any)
		if ev["Type"] != "S3" {
			continue
		}
		props, err := mapProp(ev, "Properties")
		if err != nil {
			return nil, fmt.Errorf("Events.%s.%w", name, err)
		}
		e := S3Event{Name: name}
		ref, _ := props["Bucket"].(map[string]any)
		if e.Bucket, _ = ref["Ref"].(string); e.Bucket == "" {
			return nil, fmt.Errorf("Events.%s.Properties.Bucket must be the Ref of a bucket of the template, as SAM requires", name)
		}
		if e.Events, err = stringsOrString(props["Events"]); err != nil || len(e.Events) == 0 {
			return nil, fmt.Errorf("Events.%s.Properties.Events must be an event type or a list of them", name)
		}
		filter, err := mapProp(props, "Filter")
		if err != nil {
			return nil, fmt.Errorf("Events.%s.Properties.%w", name, err)
		}
		key, err := mapProp(filter, "S3Key")
		if err != nil {
			return nil, fmt.Errorf("Events.%s.Properties.Filter.%w", name, err)
		}
		rules, err := listProp(key, "Rules")
		if err != nil {
			return nil, fmt.Errorf("Events.%s.Properties.Filter.S3Key.%w", name, err)
		}
		for i, r := range rules {
			m, _ := r.(map[string]any)
			value, err := stringProp(m, "Value")
			if err != nil {
				return nil, fmt.Errorf("Events.%s.Properties.Filter.S3Key.Rules[%d].%w", name, i, err)
			}
			switch m["Name"] {
			case "prefix":
				e.Prefix = value
			case "suffix":
				e.Suffix = value
			default:
				return nil, fmt.Errorf("Events.%s.Properties.Filter.S3Key.Rules[%d].Name must be prefix or suffix", name, i)
			}
		}
		out = append(out, e)
	}
	return out, nil
}

// Buckets returns the logical IDs of the template's S3 buckets, sorted.
// Locally a bucket is its name and its notifications (the S3Events of
// the functions): what else S3 keeps of it, the local S3 does not
// emulate (package s3server).
func (t *Template) Buckets() []string {
	return t.ids(TypeBucket)
}

// sqsEvents reads a function's Events of type SQS, sorted by name. Other
// types are left to the parts that serve them (the API's routes come from
// its OpenAPI definition).
func sqsEvents(p map[string]any) ([]SQSEvent, error) {
	events, err := mapProp(p, "Events")
	if err != nil {
		return nil, err
	}
	var out []SQSEvent
	for _, name := range sortedKeys(events) {
		ev, ok := events[name].(map[string]any)
		if !ok {
			return nil, fmt.Errorf("property Events.%s must be a mapping", name)
		}
		if ev["Type"] != "SQS" {
			continue
		}
		props, err := mapProp(ev, "Properties")
		if err != nil {
			return nil, fmt.Errorf("Events.%s.%w", name, err)
		}
		e := SQSEvent{Name: name, BatchSize: 10}
		if e.Queue, ok = arnOf(props["Queue"]); !ok {
			return nil, fmt.Errorf("Events.%s.Properties.Queue must be the Fn::GetAtt Arn of a queue of the template", name)
		}
		if n, err := intProp(props, "BatchSize"); err != nil {
			return nil, fmt.Errorf("Events.%s.Properties.%w", name, err)
		} else if n != 0 {
			e.BatchSize = n
		}
		if e.MaximumBatchingWindowInSeconds, err = intProp(props, "MaximumBatchingWindowInSeconds"); err != nil {
			return nil, fmt.Errorf("Events.%s.Properties.%w", name, err)
		}
		// Lambda's own limits, which CreateEventSourceMapping enforces.
		switch w := e.MaximumBatchingWindowInSeconds; {
		case e.BatchSize < 1 || e.BatchSize > 10000:
			return nil, fmt.Errorf("Events.%s.Properties.BatchSize must be from 1 to 10000", name)
		case w < 0 || w > 300:
			return nil, fmt.Errorf("Events.%s.Properties.MaximumBatchingWindowInSeconds must be from 0 to 300", name)
		case e.BatchSize > 10 && w == 0:
			return nil, fmt.Errorf("Events.%s.Properties: a BatchSize over 10 needs a MaximumBatchingWindowInSeconds of at least 1", name)
		}
		types, err := stringsProp(props, "FunctionResponseTypes")
		if err != nil {
			return nil, fmt.Errorf("Events.%s.Properties.%w", name, err)
		}
		for _, t := range types {
			e.ReportBatchItemFailures = e.ReportBatchItemFailures || t == "ReportBatchItemFailures"
		}
		out = append(out, e)
	}
	return out, nil
}

// Queue is an AWS::SQS::Queue.
type Queue struct {
	LogicalID string
	// QueueName is the name the template gives it, "" for CloudFormation's.
	QueueName string
	// VisibilityTimeout is how many seconds a received message stays
	// hidden: 30 unless set.
	VisibilityTimeout int
	// MessageRetentionPeriod is how many seconds the queue keeps a
	// message: 345600 (4 days) unless set.
	MessageRetentionPeriod int
	// DeadLetterQueue is the logical ID of its RedrivePolicy's
	// deadLetterTargetArn, "" for none; MaxReceiveCount is the receipts
	// after which a message moves there.
	DeadLetterQueue string
	MaxReceiveCount int
}

// Queues returns the template's SQS queues, sorted by logical ID. A FIFO
// queue is refused: nothing here runs one.
func (t *Template) Queues() ([]Queue, error) {
	var out []Queue
	for _, id := range t.ids(TypeQueue) {
		p := t.Resources[id].Properties
		q := Queue{LogicalID: id, VisibilityTimeout: 30, MessageRetentionPeriod: 345600}
		var err error
		if q.QueueName, err = stringProp(p, "QueueName"); err != nil {
			return nil, fmt.Errorf("samtemplate: queue %s: %w", id, err)
		}
		if fifo := p["FifoQueue"]; fifo == true || fifo == "true" {
			return nil, fmt.Errorf("samtemplate: queue %s: FIFO queues are not supported locally", id)
		}
		if v, err := intProp(p, "VisibilityTimeout"); err != nil {
			return nil, fmt.Errorf("samtemplate: queue %s: %w", id, err)
		} else if v != 0 {
			q.VisibilityTimeout = v
		}
		if v, err := intProp(p, "MessageRetentionPeriod"); err != nil {
			return nil, fmt.Errorf("samtemplate: queue %s: %w", id, err)
		} else if v != 0 {
			q.MessageRetentionPeriod = v
		}
		redrive, err := mapProp(p, "RedrivePolicy")
		if err != nil {
			return nil, fmt.Errorf("samtemplate: queue %s: %w", id, err)
		}
		if len(redrive) > 0 {
			var ok bool
			if q.DeadLetterQueue, ok = arnOf(redrive["deadLetterTargetArn"]); !ok {
				return nil, fmt.Errorf("samtemplate: queue %s: RedrivePolicy.deadLetterTargetArn must be the Fn::GetAtt Arn of a queue of the template", id)
			}
			if q.MaxReceiveCount, err = intProp(redrive, "maxReceiveCount"); err != nil || q.MaxReceiveCount < 1 {
				return nil, fmt.Errorf("samtemplate: queue %s: RedrivePolicy.maxReceiveCount must be a number of at least 1", id)
			}
			if t.Resources[q.DeadLetterQueue].Type != TypeQueue {
				return nil, fmt.Errorf("samtemplate: queue %s: its dead-letter queue %s is not a queue of the template", id, q.DeadLetterQueue)
			}
		}
		out = append(out, q)
	}
	return out, nil
}

// HTTPAPI is an AWS::Serverless::HttpApi, Globals merged.
type HTTPAPI struct {
	LogicalID string
	// DefinitionBody is the OpenAPI document or the transform that
	// includes it.
	DefinitionBody any
	// DefinitionLocation is the Location of the AWS::Include transform
	// that DefinitionBody consists of, like ./openapi.yaml; empty when the
	// body is not included that way.
	DefinitionLocation   string
	FailOnWarnings       bool
	AccessLogDestination any
	AccessLogFormat      string
	DefaultRouteSettings RouteSettings
	// RouteSettings holds the settings of single routes by route key,
	// like "POST /contact".
	RouteSettings map[string]RouteSettings
}

// RouteSettings are a stage's settings for one route, or for all.
type RouteSettings struct {
	ThrottlingRateLimit    any
	ThrottlingBurstLimit   any
	DetailedMetricsEnabled any
}

// HTTPAPIs returns the template's HTTP APIs, sorted by logical ID.
func (t *Template) HTTPAPIs() ([]HTTPAPI, error) {
	var apis []HTTPAPI
	for _, id := range t.ids(TypeHTTPAPI) {
		api, err := httpAPI(id, t.Resources[id])
		if err != nil {
			return nil, fmt.Errorf("samtemplate: HTTP API %s: %w", id, err)
		}
		apis = append(apis, api)
	}
	return apis, nil
}

func httpAPI(id string, r Resource) (HTTPAPI, error) {
	p := r.Properties
	api := HTTPAPI{LogicalID: id, DefinitionBody: p["DefinitionBody"], RouteSettings: map[string]RouteSettings{}}
	if name, arg, ok := Intrinsic(api.DefinitionBody); ok && name == "Fn::Transform" {
		tr, _ := arg.(map[string]any)
		params, _ := tr["Parameters"].(map[string]any)
		if tr["Name"] == "AWS::Include" {
			loc, ok := params["Location"].(string)
			if !ok {
				return HTTPAPI{}, errors.New("the AWS::Include of DefinitionBody has no Location")
			}
			api.DefinitionLocation = loc
		}
	}
	switch f := p["FailOnWarnings"].(type) {
	case nil:
	case bool:
		api.FailOnWarnings = f
	default:
		return HTTPAPI{}, errors.New("FailOnWarnings must be true or false")
	}
	logs, err := mapProp(p, "AccessLogSettings")
	if err != nil {
		return HTTPAPI{}, err
	}
	api.AccessLogDestination = logs["DestinationArn"]
	if api.AccessLogFormat, err = stringProp(logs, "Format"); err != nil {
		return HTTPAPI{}, fmt.Errorf("AccessLogSettings.%w", err)
	}
	def, err := mapProp(p, "DefaultRouteSettings")
	if err != nil {
		return HTTPAPI{}, err
	}
	api.DefaultRouteSettings = routeSettings(def)
	routes, err := mapProp(p, "RouteSettings")
	if err != nil {
		return HTTPAPI{}, err
	}
	for key, v := range routes {
		m, ok := v.(map[string]any)
		if !ok {
			return HTTPAPI{}, fmt.Errorf("RouteSettings of %s must be a mapping", key)
		}
		api.RouteSettings[key] = routeSettings(m)
	}
	return api, nil
}

func routeSettings(m map[string]any) RouteSettings {
	return RouteSettings{
		ThrottlingRateLimit:    m["ThrottlingRateLimit"],
		ThrottlingBurstLimit:   m["ThrottlingBurstLimit"],
		DetailedMetricsEnabled: m["DetailedMetricsEnabled"],
	}
}

// Table is an AWS::DynamoDB::Table: its key schema, which must be literal,
// and the settings that may be intrinsic functions, unresolved.
type Table struct {
	LogicalID            string
	BillingMode          string
	KeySchema            []KeyElement
	AttributeDefinitions []AttributeDefinition
	// LocalSecondaryIndexes are its local secondary indexes, literal as
	// its key schema, in the template's order.
	LocalSecondaryIndexes []LocalSecondaryIndex
	// TTLAttribute names the time-to-live attribute; empty when TTL is off.
	TTLAttribute        string
	PointInTimeRecovery any
	DeletionProtection  any
	// SSE is its SSESpecification; nil when it has none.
	SSE                 map[string]any
	DeletionPolicy      string
	UpdateReplacePolicy string
}

// KeyElement is one attribute of a key schema.
type KeyElement struct {
	AttributeName string
	KeyType       string // HASH or RANGE
}

// LocalSecondaryIndex is one local secondary index of a table: the
// table's partition key with a sort key of its own, read as strongly
// consistent as the table.
type LocalSecondaryIndex struct {
	IndexName string
	KeySchema []KeyElement
	// ProjectionType is ALL, KEYS_ONLY or INCLUDE; NonKeyAttributes are
	// what INCLUDE adds.
	ProjectionType   string
	NonKeyAttributes []string
}

// AttributeDefinition is the type of a key attribute.
type AttributeDefinition struct {
	AttributeName string
	AttributeType string // S, N or B
}

// Tables returns the template's DynamoDB tables, sorted by logical ID.
func (t *Template) Tables() ([]Table, error) {
	var tables []Table
	for _, id := range t.ids(TypeTable) {
		tb, err := table(id, t.Resources[id])
		if err != nil {
			return nil, fmt.Errorf("samtemplate: table %s: %w", id, err)
		}
		tables = append(tables, tb)
	}
	return tables, nil
}

// keySchema reads the literal KeySchema of a table or an index.
func keySchema(p map[string]any) ([]KeyElement, error) {
	keys, err := listProp(p, "KeySchema")
	if err != nil {
		return nil, err
	}
	var out []KeyElement
	for i, k := range keys {
		m, ok := k.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("KeySchema[%d] must be a mapping", i)
		}
		var e KeyElement
		if e.AttributeName, err = stringProp(m, "AttributeName"); err != nil {
			return nil, fmt.Errorf("KeySchema[%d].%w", i, err)
		}
		if e.KeyType, err = stringProp(m, "KeyType"); err != nil {
			return nil, fmt.Errorf("KeySchema[%d].%w", i, err)
		}
		out = append(out, e)
	}
	if len(out) == 0 {
		return nil, errors.New("has no KeySchema")
	}
	return out, nil
}

func table(id string, r Resource) (Table, error) {
	p := r.Properties
	// A local copy of the table made without its global indexes would pass
	// tests that the real one fails, so a template with them is refused
	// until this package learns them.
	if _, ok := p["GlobalSecondaryIndexes"]; ok {
		return Table{}, errors.New("GlobalSecondaryIndexes are not supported")
	}
	tb := Table{
		LogicalID:           id,
		DeletionPolicy:      r.DeletionPolicy,
		UpdateReplacePolicy: r.UpdateReplacePolicy,
		DeletionProtection:  p["DeletionProtectionEnabled"],
	}
	if v, ok := p["SSESpecification"]; ok {
		if tb.SSE, ok = v.(map[string]any); !ok {
			return Table{}, errors.New("property SSESpecification must be a mapping")
		}
	}
	var err error
	if tb.BillingMode, err = stringProp(p, "BillingMode"); err != nil {
		return Table{}, err
	}
	if tb.KeySchema, err = keySchema(p); err != nil {
		return Table{}, err
	}
	lsis, err := listProp(p, "LocalSecondaryIndexes")
	if err != nil {
		return Table{}, err
	}
	for i, v := range lsis {
		m, ok := v.(map[string]any)
		if !ok {
			return Table{}, fmt.Errorf("LocalSecondaryIndexes[%d] must be a mapping", i)
		}
		var ix LocalSecondaryIndex
		if ix.IndexName, err = stringProp(m, "IndexName"); err != nil {
			return Table{}, fmt.Errorf("LocalSecondaryIndexes[%d].%w", i, err)
		}
		if ix.KeySchema, err = keySchema(m); err != nil {
			return Table{}, fmt.Errorf("LocalSecondaryIndexes[%d].%w", i, err)
		}
		proj, err := mapProp(m, "Projection")
		if err != nil {
			return Table{}, fmt.Errorf("LocalSecondaryIndexes[%d].%w", i, err)
		}
		if ix.ProjectionType, err = stringProp(proj, "ProjectionType"); err != nil || ix.ProjectionType == "" {
			return Table{}, fmt.Errorf("LocalSecondaryIndexes[%d].Projection.ProjectionType must be ALL, KEYS_ONLY or INCLUDE", i)
		}
		if ix.NonKeyAttributes, err = stringsOrString(proj["NonKeyAttributes"]); err != nil {
			return Table{}, fmt.Errorf("LocalSecondaryIndexes[%d].Projection.NonKeyAttributes %w", i, err)
		}
		tb.LocalSecondaryIndexes = append(tb.LocalSecondaryIndexes, ix)
	}
	attrs, err := listProp(p, "AttributeDefinitions")
	if err != nil {
		return Table{}, err
	}
	for i, a := range attrs {
		m, ok := a.(map[string]any)
		if !ok {
			return Table{}, fmt.Errorf("AttributeDefinitions[%d] must be a mapping", i)
		}
		var d AttributeDefinition
		if d.AttributeName, err = stringProp(m, "AttributeName"); err != nil {
			return Table{}, fmt.Errorf("AttributeDefinitions[%d].%w", i, err)
		}
		if d.AttributeType, err = stringProp(m, "AttributeType"); err != nil {
			return Table{}, fmt.Errorf("AttributeDefinitions[%d].%w", i, err)
		}
		tb.AttributeDefinitions = append(tb.AttributeDefinitions, d)
	}
	ttl, err := mapProp(p, "TimeToLiveSpecification")
	if err != nil {
		return Table{}, err
	}
	if enabled, _ := ttl["Enabled"].(bool); enabled {
		if tb.TTLAttribute, err = stringProp(ttl, "AttributeName"); err != nil {
			return Table{}, fmt.Errorf("TimeToLiveSpecification.%w", err)
		}
	}
	pitr, err := mapProp(p, "PointInTimeRecoverySpecification")
	if err != nil {
		return Table{}, err
	}
	tb.PointInTimeRecovery = pitr["PointInTimeRecoveryEnabled"]
	return tb, nil
}

// Permission is an AWS::Lambda::Permission.
type Permission struct {
	LogicalID    string
	Action       string
	Principal    string
	FunctionName any
	SourceArn    any
}

// Permissions returns the template's Lambda permissions, sorted by logical
// ID.
func (t *Template) Permissions() ([]Permission, error) {
	var perms []Permission
	for _, id := range t.ids(TypePermission) {
		p := t.Resources[id].Properties
		perm := Permission{LogicalID: id, FunctionName: p["FunctionName"], SourceArn: p["SourceArn"]}
		var err error
		if perm.Action, err = stringProp(p, "Action"); err != nil {
			return nil, fmt.Errorf("samtemplate: permission %s: %w", id, err)
		}
		if perm.Principal, err = stringProp(p, "Principal"); err != nil {
			return nil, fmt.Errorf("samtemplate: permission %s: %w", id, err)
		}
		perms = append(perms, perm)
	}
	return perms, nil
}

// Role is an AWS::IAM::Role and its inline policies.
type Role struct {
	LogicalID string
	// TrustedServices are the services its trust policy lets assume it,
	// like lambda.amazonaws.com.
	TrustedServices   []string
	ManagedPolicyArns []any
	Policies          []Policy
}

// Policy is an inline policy of a role.
type Policy struct {
	Name       string
	Statements []Statement
}

// Statement is a policy statement, with Action and Resource always lists.
type Statement struct {
	Sid    string
	Effect string
	// Principal is set in trust policies only.
	Principal    any
	Actions      []string
	NotActions   []string
	Resources    []any
	NotResources []any
	Condition    map[string]any
}

// Roles returns the template's IAM roles, sorted by logical ID, each with
// its inline policies and the AWS::IAM::Policy resources attached to it
// (by the Ref of the role in their Roles).
func (t *Template) Roles() ([]Role, error) {
	var roles []Role
	index := map[string]int{}
	for _, id := range t.ids(TypeRole) {
		r, err := role(id, t.Resources[id])
		if err != nil {
			return nil, fmt.Errorf("samtemplate: role %s: %w", id, err)
		}
		index[id] = len(roles)
		roles = append(roles, r)
	}
	for _, id := range t.ids(TypePolicy) {
		p := t.Resources[id].Properties
		pol := Policy{Name: id}
		doc, err := mapProp(p, "PolicyDocument")
		if err != nil {
			return nil, fmt.Errorf("samtemplate: policy %s: %w", id, err)
		}
		if pol.Statements, err = statements(doc); err != nil {
			return nil, fmt.Errorf("samtemplate: policy %s: %w", id, err)
		}
		attached, err := listProp(p, "Roles")
		if err != nil {
			return nil, fmt.Errorf("samtemplate: policy %s: %w", id, err)
		}
		for _, r := range attached {
			ref, _ := r.(map[string]any)
			i, ok := index[fmt.Sprint(ref["Ref"])]
			if !ok {
				return nil, fmt.Errorf("samtemplate: policy %s: Roles must be Refs of roles of the template, not %v", id, r)
			}
			roles[i].Policies = append(roles[i].Policies, pol)
		}
	}
	return roles, nil
}

func role(id string, r Resource) (Role, error) {
	p := r.Properties
	out := Role{LogicalID: id}
	var err error
	if out.ManagedPolicyArns, err = listProp(p, "ManagedPolicyArns"); err != nil {
		return Role{}, err
	}
	trust, err := mapProp(p, "AssumeRolePolicyDocument")
	if err != nil {
		return Role{}, err
	}
	stmts, err := statements(trust)
	if err != nil {
		return Role{}, fmt.Errorf("AssumeRolePolicyDocument: %w", err)
	}
	for _, s := range stmts {
		if s.Effect != "Allow" {
			continue
		}
		principal, _ := s.Principal.(map[string]any)
		services, err := stringsOrString(principal["Service"])
		if err != nil {
			return Role{}, fmt.Errorf("AssumeRolePolicyDocument: Principal.Service %w", err)
		}
		out.TrustedServices = append(out.TrustedServices, services...)
	}
	policies, err := listProp(p, "Policies")
	if err != nil {
		return Role{}, err
	}
	for i, v := range policies {
		m, ok := v.(map[string]any)
		if !ok {
			return Role{}, fmt.Errorf("property Policies[%d] must be a mapping", i)
		}
		var pol Policy
		if pol.Name, err = stringProp(m, "PolicyName"); err != nil {
			return Role{}, fmt.Errorf("Policies[%d].%w", i, err)
		}
		doc, err := mapProp(m, "PolicyDocument")
		if err != nil {
			return Role{}, fmt.Errorf("Policies[%d].%w", i, err)
		}
		if pol.Statements, err = statements(doc); err != nil {
			return Role{}, fmt.Errorf("policy %s: %w", pol.Name, err)
		}
		out.Policies = append(out.Policies, pol)
	}
	return out, nil
}

// statements reads a policy document's statements.
func statements(doc map[string]any) ([]Statement, error) {
	var raw []any
	switch s := doc["Statement"].(type) {
	case nil:
		return nil, nil
	case []any:
		raw = s
	case map[string]any:
		raw = []any{s}
	default:
		return nil, errors.New("Statement must be a mapping or a list")
	}
	out := make([]Statement, 0, len(raw))
	for i, v := range raw {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("property Statement[%d] must be a mapping", i)
		}
		var s Statement
		var err error
		if s.Sid, err = stringProp(m, "Sid"); err != nil {
			return nil, fmt.Errorf("Statement[%d].%w", i, err)
		}
		if s.Effect, err = stringProp(m, "Effect"); err != nil {
			return nil, fmt.Errorf("Statement[%d].%w", i, err)
		}
		if s.Actions, err = stringsOrString(m["Action"]); err != nil {
			return nil, fmt.Errorf("Statement[%d].Action %w", i, err)
		}
		if s.NotActions, err = stringsOrString(m["NotAction"]); err != nil {
			return nil, fmt.Errorf("Statement[%d].NotAction %w", i, err)
		}
		s.Resources = oneOrMany(m["Resource"])
		s.NotResources = oneOrMany(m["NotResource"])
		if c, ok := m["Condition"].(map[string]any); ok {
			s.Condition = c
		}
		s.Principal = m["Principal"]
		out = append(out, s)
	}
	return out, nil
}

// oneOrMany returns a list for a value that may be one item or a list.
func oneOrMany(v any) []any {
	switch x := v.(type) {
	case nil:
		return nil
	case []any:
		return x
	}
	return []any{v}
}

func stringsOrString(v any) ([]string, error) {
	var out []string
	for _, x := range oneOrMany(v) {
		s, ok := x.(string)
		if !ok {
			return nil, fmt.Errorf("must be strings, not %v", x)
		}
		out = append(out, s)
	}
	return out, nil
}

// stringProp returns a string property, "" when absent.
func stringProp(m map[string]any, key string) (string, error) {
	switch v := m[key].(type) {
	case nil:
		return "", nil
	case string:
		return v, nil
	}
	return "", fmt.Errorf("%s must be a string", key)
}

// intProp returns an integer property, 0 when absent.
func intProp(m map[string]any, key string) (int, error) {
	switch v := m[key].(type) {
	case nil:
		return 0, nil
	case int64:
		return int(v), nil
	case string:
		if i, err := strconv.Atoi(v); err == nil {
			return i, nil
		}
	}
	return 0, fmt.Errorf("%s must be an integer", key)
}

func stringsProp(m map[string]any, key string) ([]string, error) {
	l, err := listProp(m, key)
	if err != nil {
		return nil, err
	}
	s, err := stringsOrString(l)
	if err != nil {
		return nil, fmt.Errorf("%s %w", key, err)
	}
	return s, nil
}

// mapProp returns a mapping property, empty when absent.
func mapProp(m map[string]any, key string) (map[string]any, error) {
	switch v := m[key].(type) {
	case nil:
		return map[string]any{}, nil
	case map[string]any:
		if _, _, ok := Intrinsic(v); !ok {
			return v, nil
		}
	}
	return nil, fmt.Errorf("%s must be a mapping", key)
}

// listProp returns a list property, nil when absent.
func listProp(m map[string]any, key string) ([]any, error) {
	switch v := m[key].(type) {
	case nil:
		return nil, nil
	case []any:
		return v, nil
	}
	return nil, fmt.Errorf("%s must be a list", key)
}

// arnOf returns the logical ID v is the Fn::GetAtt Arn of.
func arnOf(v any) (string, bool) {
	fn, arg, ok := Intrinsic(v)
	parts, _ := arg.([]any)
	if !ok || fn != "Fn::GetAtt" || len(parts) != 2 || parts[1] != "Arn" {
		return "", false
	}
	id, ok := parts[0].(string)
	return id, ok && id != ""
}

// sortedKeys returns m's keys in order.
func sortedKeys(m map[string]any) []string {
	return slices.Sorted(maps.Keys(m))
}
