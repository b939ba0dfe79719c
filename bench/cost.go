package main

import (
	"fmt"
	"math"
	"time"
)

// Prices in US East (N. Virginia), in dollars, from AWS's pricing pages
// (the README's cost section cites each): the first tier of each, where a month of a
// few million requests stays.
const (
	// https://aws.amazon.com/api-gateway/pricing/
	httpAPIPerMillion = 1.00
	restAPIPerMillion = 3.50
	// https://aws.amazon.com/lambda/pricing/
	lambdaPerMillionRequests = 0.20
	lambdaArmPerGBSecond     = 0.0000133334
	// https://aws.amazon.com/dynamodb/pricing/on-demand/
	dynamoPerMillionWriteUnits = 0.625
	dynamoPerMillionReadUnits  = 0.125
	// https://aws.amazon.com/cloudwatch/pricing/ (Lambda's logs are
	// priced in tiers since May 2025; this is the first.)
	logsPerGBIngested = 0.50
)

// coldStartShare is the assumed share of requests that land on a new
// execution environment. It is not measured here: it depends on traffic
// (steady traffic reuses environments for hours; bursts start new ones).
const coldStartShare = 0.01

// costLine is one item of the bill for a million requests of the mix.
type costLine struct {
	Item string
	// Basis says what was measured or assumed for it.
	Basis string
	// HTTPAPI and RESTAPI are its dollars behind each kind of API; they
	// differ only for the gateway's own line.
	HTTPAPI, RESTAPI float64
}

// mixUsage is what one request of the mix uses on average, weighted by the
// shares of the mix.
type mixUsage struct {
	// BilledMS is Lambda's billed duration of a warm invocation, each
	// rounded up to the millisecond as Lambda rounds it; InitMS is the
	// Init Duration of a cold start, billed for provided.al2023.
	BilledMS, InitMS float64
	ReadUnits        float64
	WriteUnits       float64
	// LogBytes is what the function logs (its own line and Lambda's
	// START, END and REPORT), and AccessLogBytes the gateway's line.
	LogBytes, AccessLogBytes float64
}

// usage weighs what the warm and cold benchmarks measured of each route by
// the route's share of the mix. function maps an operation to its
// function's logical ID.
func usage(warm map[string]*warmLatency, cold map[string]*coldStarts, function func(operation) string) mixUsage {
	var u mixUsage
	total := 0
	for _, op := range operations {
		total += op.Share
	}
	for _, op := range operations {
		w := warm[op.Name]
		if w == nil {
			continue
		}
		share := float64(op.Share) / float64(total)
		u.BilledMS += share * meanBilledMS(w.Billed)
		if cs := cold[function(op)]; cs != nil {
			u.InitMS += share * float64(median(cs.Init)) / float64(time.Millisecond)
		}
		u.ReadUnits += share * w.ReadUnits
		u.WriteUnits += share * w.WriteUnits
		u.LogBytes += share * w.LogBytes
		u.AccessLogBytes += share * w.AccessLogBytes
	}
	return u
}

// meanBilledMS is the mean of durations each rounded up to a whole
// millisecond.
func meanBilledMS(ds []time.Duration) float64 {
	if len(ds) == 0 {
		return 0
	}
	sum := 0.0
	for _, d := range ds {
		sum += math.Ceil(float64(d) / float64(time.Millisecond))
	}
	return sum / float64(len(ds))
}

// costPerMillion prices a million requests of the mix at the function's
// memory size.
func costPerMillion(u mixUsage, memoryMB int) []costLine {
	const million = 1e6
	gb := float64(memoryMB) / 1024
	billedSeconds := (u.BilledMS + coldStartShare*u.InitMS) / 1000
	logGB := (u.LogBytes + u.AccessLogBytes) * million / (1 << 30)
	lines := []costLine{
		{Item: "API Gateway requests", Basis: "1,000,000 requests", HTTPAPI: httpAPIPerMillion, RESTAPI: restAPIPerMillion},
		{Item: "Lambda requests", Basis: "1,000,000 invocations", HTTPAPI: lambdaPerMillionRequests},
		{Item: "Lambda duration", Basis: fmt.Sprintf("%.2f ms billed per warm invocation, plus %.1f ms init on %.0f%% cold starts, at %d MB arm64", u.BilledMS, u.InitMS, coldStartShare*100, memoryMB),
			HTTPAPI: million * billedSeconds * gb * lambdaArmPerGBSecond},
		{Item: "DynamoDB writes", Basis: fmt.Sprintf("%.2f write units per request", u.WriteUnits), HTTPAPI: u.WriteUnits * dynamoPerMillionWriteUnits},
		{Item: "DynamoDB reads", Basis: fmt.Sprintf("%.2f read units per request", u.ReadUnits), HTTPAPI: u.ReadUnits * dynamoPerMillionReadUnits},
		{Item: "CloudWatch Logs", Basis: fmt.Sprintf("%.0f bytes per request (function %.0f, access log %.0f)", u.LogBytes+u.AccessLogBytes, u.LogBytes, u.AccessLogBytes),
			HTTPAPI: logGB * logsPerGBIngested},
	}
	// Behind a REST API, everything but the gateway costs the same.
	for i := 1; i < len(lines); i++ {
		lines[i].RESTAPI = lines[i].HTTPAPI
	}
	return lines
}
