package lambda

import (
	"encoding/json"
	"fmt"
	"math"
	"time"
)

// Log formats of a function's LoggingConfig.
const (
	LogFormatText = "Text"
	LogFormatJSON = "JSON"
)

// The platform's records, as Lambda writes them to a function's log: text
// lines, or with LogFormat JSON the records the Telemetry API names (an
// OS-only runtime's own output is passed through either way; Lambda only
// formats its own records).
//
//	Text                                   JSON type
//	START RequestId: ... Version: $LATEST  platform.start
//	END RequestId: ...                     platform.runtimeDone
//	REPORT RequestId: ...\tDuration: ...    platform.report
//	INIT_REPORT Init Duration: ...         platform.initReport

// jsonRecord is a platform record in the JSON format; the records' fields
// are in the order Lambda writes them.
type jsonRecord struct {
	Time   string `json:"time"`
	Type   string `json:"type"`
	Record any    `json:"record"`
}

type startRecord struct {
	RequestID string `json:"requestId"`
	Version   string `json:"version"`
}

type doneRecord struct {
	RequestID string      `json:"requestId"`
	Status    string      `json:"status"`
	ErrorType string      `json:"errorType,omitempty"`
	Metrics   doneMetrics `json:"metrics"`
}

type doneMetrics struct {
	DurationMs float64 `json:"durationMs"`
}

type reportRecord struct {
	RequestID string        `json:"requestId"`
	Status    string        `json:"status"`
	ErrorType string        `json:"errorType,omitempty"`
	Metrics   reportMetrics `json:"metrics"`
}

type reportMetrics struct {
	DurationMs       float64  `json:"durationMs"`
	BilledDurationMs int64    `json:"billedDurationMs"`
	MemorySizeMB     int      `json:"memorySizeMB"`
	MaxMemoryUsedMB  int64    `json:"maxMemoryUsedMB"`
	InitDurationMs   *float64 `json:"initDurationMs,omitempty"`
}

type initReportRecord struct {
	InitializationType string      `json:"initializationType"`
	Phase              string      `json:"phase"`
	Status             string      `json:"status"`
	ErrorType          string      `json:"errorType,omitempty"`
	Metrics            doneMetrics `json:"metrics"`
}

func (e *env) json() bool { return e.fn.LogFormat == LogFormatJSON }

func (e *env) writeRecord(typ string, record any) {
	b, _ := json.Marshal(jsonRecord{Time: time.Now().UTC().Format("2006-01-02T15:04:05.000Z"), Type: typ, Record: record})
	e.p.svc.log.line(e.prefix + string(b))
}

// platformStart marks the start of an invocation.
func (e *env) platformStart(inv *invocation) {
	if e.json() {
		e.writeRecord("platform.start", startRecord{RequestID: inv.id, Version: "$LATEST"})
		return
	}
	e.platform("START RequestId: %s Version: $LATEST", inv.id)
}

// platformCrash tells that the runtime exited during an invocation. The
// JSON format says it in the records that follow, as their status and
// errorType.
func (e *env) platformCrash(inv *invocation) {
	if e.json() {
		return
	}
	e.platform("RequestId: %s Error: Runtime exited with error: %s", inv.id, e.exitStatus())
	e.platform("Runtime.ExitError")
}

// platformTimeout tells that an invocation ran past the timeout.
func (e *env) platformTimeout(inv *invocation) {
	if e.json() {
		return
	}
	e.platform("%s %s Task timed out after %.2f seconds",
		time.Now().UTC().Format("2006-01-02T15:04:05.000Z"), inv.id, e.fn.Timeout.Seconds())
}

// platformInitReport reports an init that failed.
func (e *env) platformInitReport(took time.Duration, status, errorType string) {
	if e.json() {
		e.writeRecord("platform.initReport", initReportRecord{
			InitializationType: "on-demand", Phase: "init", Status: status, ErrorType: errorType,
			Metrics: doneMetrics{DurationMs: milliseconds(took)},
		})
		return
	}
	e.platform("INIT_REPORT Init Duration: %s\tPhase: init\tStatus: %s\tError Type: %s", ms(took), status, errorType)
}

// outcomeStatus is how an invocation ended: success, error (the runtime
// exited) or timeout, with the error type for an error.
type outcomeStatus struct {
	status, errorType string
}

var (
	succeeded = outcomeStatus{status: "success"}
	exited    = outcomeStatus{status: "error", errorType: "Runtime.ExitError"}
	timedOut  = outcomeStatus{status: "timeout"}
)

// platformEnd writes the END and REPORT records of an invocation.
func (e *env) platformEnd(inv *invocation, took, billed, initDuration time.Duration, first bool, peakKB int64, o outcomeStatus) {
	billedMS := max(int64(math.Ceil(float64(billed.Microseconds())/1000)), 1)
	memoryMB := (peakKB + 1023) / 1024
	if e.json() {
		metrics := reportMetrics{
			DurationMs: milliseconds(took), BilledDurationMs: billedMS,
			MemorySizeMB: e.fn.MemoryMB, MaxMemoryUsedMB: memoryMB,
		}
		if first {
			d := milliseconds(initDuration)
			metrics.InitDurationMs = &d
		}
		e.writeRecord("platform.runtimeDone", doneRecord{RequestID: inv.id, Status: o.status, ErrorType: o.errorType, Metrics: doneMetrics{DurationMs: milliseconds(took)}})
		e.writeRecord("platform.report", reportRecord{RequestID: inv.id, Status: o.status, ErrorType: o.errorType, Metrics: metrics})
		return
	}
	initPart, status := "", ""
	if first {
		initPart = "\tInit Duration: " + ms(initDuration)
	}
	switch o {
	case exited:
		status = "\tStatus: error\tError Type: " + o.errorType
	case timedOut:
		status = "\tStatus: timeout"
	}
	e.platform("END RequestId: %s", inv.id)
	e.platform("REPORT RequestId: %s\tDuration: %s\tBilled Duration: %d ms\tMemory Size: %d MB\tMax Memory Used: %d MB%s%s",
		inv.id, ms(took), billedMS, e.fn.MemoryMB, memoryMB, initPart, status)
}

// milliseconds is a duration in milliseconds, to the microsecond.
func milliseconds(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func (e *env) platform(format string, args ...any) {
	e.p.svc.log.line(e.prefix + fmt.Sprintf(format, args...))
}
