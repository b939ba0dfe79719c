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

// jsonRecord is a platform record in the JSON format.
type jsonRecord struct {
	Time   string `json:"time"`
	Type   string `json:"type"`
	Record any    `json:"record"`
}

func (e *env) json() bool { return e.fn.LogFormat == LogFormatJSON }

func (e *env) writeRecord(typ string, record any) {
	b, _ := json.Marshal(jsonRecord{Time: time.Now().UTC().Format("2006-01-02T15:04:05.000Z"), Type: typ, Record: record})
	e.p.svc.log.line(e.prefix + string(b))
}

// platformStart marks the start of an invocation.
func (e *env) platformStart(inv *invocation) {
	if e.json() {
		e.writeRecord("platform.start", map[string]string{"requestId": inv.id, "version": "$LATEST"})
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
		e.writeRecord("platform.initReport", map[string]any{
			"initializationType": "on-demand", "phase": "init", "status": status, "errorType": errorType,
			"metrics": map[string]float64{"durationMs": milliseconds(took)},
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
		done := map[string]any{"requestId": inv.id, "status": o.status, "metrics": map[string]float64{"durationMs": milliseconds(took)}}
		metrics := map[string]any{
			"durationMs": milliseconds(took), "billedDurationMs": billedMS,
			"memorySizeMB": e.fn.MemoryMB, "maxMemoryUsedMB": memoryMB,
		}
		if first {
			metrics["initDurationMs"] = milliseconds(initDuration)
		}
		report := map[string]any{"requestId": inv.id, "status": o.status, "metrics": metrics}
		if o.errorType != "" {
			done["errorType"] = o.errorType
			report["errorType"] = o.errorType
		}
		e.writeRecord("platform.runtimeDone", done)
		e.writeRecord("platform.report", report)
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
