package deploycheck

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/example/serverless-todo/pkg/metrics"
)

const (
	typeAlarm     = "AWS::CloudWatch::Alarm"
	typeDashboard = "AWS::CloudWatch::Dashboard"
	typeTopic     = "AWS::SNS::Topic"
	alarmTopic    = "AlarmTopic"
)

// checkAlarms: every function has its errors and throttles alarms, the
// API, the table, every dead-letter queue and every function S3 invokes
// asynchronously have theirs, every alarm notifies AlarmTopic when it fires
// and when it clears, and the dashboard shows every alarm that is not a
// function's own.
func checkAlarms(r *repo) []string {
	var p problems
	alarms := map[string]map[string]any{}
	var dashboards []string
	for _, id := range sortedKeys(r.tpl.Resources) {
		switch res := r.tpl.Resources[id]; res.Type {
		case typeAlarm:
			alarms[id] = res.Properties
		case typeDashboard:
			dashboards = append(dashboards, id)
		}
	}
	topic, ok := r.tpl.Resources[alarmTopic]
	switch {
	case !ok || topic.Type != typeTopic:
		p.add("no SNS topic %s for the alarms to notify", alarmTopic)
	case topic.Properties["KmsMasterKeyId"] == "alias/aws/sns":
		p.add("%s is encrypted with the AWS managed key, which CloudWatch cannot publish with: its alarms would notify no one", alarmTopic)
	}
	notifies := func(actions any) bool {
		list, _ := actions.([]any)
		for _, a := range list {
			if refID(a) == alarmTopic {
				return true
			}
		}
		return false
	}
	for _, id := range sortedKeys(alarms) {
		for _, key := range []string{"AlarmActions", "OKActions"} {
			if !notifies(alarms[id][key]) {
				p.add("%s: its %s do not notify %s", id, key, alarmTopic)
			}
		}
	}
	ownAlarms := map[string]bool{}
	lambdaAlarm := func(owner, id, metric, threshold string) {
		a, ok := alarms[id]
		if !ok {
			p.add("%s: has no %s alarm %s", owner, metric, id)
			return
		}
		ownAlarms[id] = true
		if w := watched(a); len(w) != 1 || !reflect.DeepEqual(w[0], metricOf("AWS/Lambda", metric, "FunctionName", ref(owner))) {
			p.add("%s: alarm %s watches %v, want AWS/Lambda %s of FunctionName %s", owner, id, w, metric, owner)
		}
		if threshold != "" && refID(a["Threshold"]) != threshold {
			p.add("%s: alarm %s's threshold is %v, want the parameter %s", owner, id, a["Threshold"], threshold)
		}
	}
	// watchedBy says whether some alarm watches m.
	watchedBy := func(m watchedMetric) bool {
		for _, a := range alarms {
			for _, w := range watched(a) {
				if reflect.DeepEqual(w, m) {
					return true
				}
			}
		}
		return false
	}
	for _, id := range sortedKeys(r.functions) {
		lambdaAlarm(id, id+"ErrorsAlarm", "Errors", "AlarmFunctionErrors")
		lambdaAlarm(id, id+"ThrottlesAlarm", "Throttles", "AlarmFunctionThrottles")
		if len(r.functions[id].S3Events) > 0 && !watchedBy(metricOf("AWS/Lambda", "AsyncEventsDropped", "FunctionName", ref(id))) {
			p.add("%s: S3 invokes it asynchronously, but no alarm watches the events Lambda drops (AsyncEventsDropped)", id)
		}
	}
	queues, err := r.tpl.Queues()
	if err != nil {
		return append(p, err.Error())
	}
	for _, q := range queues {
		dlq := map[string]any{"Fn::GetAtt": []any{q.DeadLetterQueue, "QueueName"}}
		if q.DeadLetterQueue != "" && !watchedBy(metricOf("AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", dlq)) {
			p.add("%s: no alarm watches its dead-letter queue %s", q.LogicalID, q.DeadLetterQueue)
		}
	}
	for _, metric := range []string{"5xx", "Latency"} {
		if !watchedBy(metricOf("AWS/ApiGateway", metric, "ApiId", ref("TodoApi"))) {
			p.add("no alarm watches the API's %s", metric)
		}
	}
	tableAlarm := func(metric string) {
		for _, a := range alarms {
			if s := fmt.Sprint(a); strings.Contains(s, "SUM("+metric+")") && strings.Contains(s, "${TodoTable}") {
				return
			}
		}
		p.add("no alarm watches the table's %s", metric)
	}
	tableAlarm("ThrottledRequests")
	tableAlarm("SystemErrors")
	if len(dashboards) != 1 {
		return append(p, fmt.Sprintf("%d dashboards, want one", len(dashboards)))
	}
	body := fmt.Sprint(r.tpl.Resources[dashboards[0]].Properties["DashboardBody"])
	for _, id := range sortedKeys(alarms) {
		if !ownAlarms[id] && !strings.Contains(body, "${"+id+".Arn}") {
			p.add("%s: alarm %s is not on the dashboard's alarm widget", dashboards[0], id)
		}
	}
	return p
}

// watchedMetric is a metric an alarm watches: its namespace, name and
// dimensions, as the template writes them.
type watchedMetric struct {
	Namespace, MetricName string
	Dimensions            any
}

func metricOf(namespace, name, dimension string, value any) watchedMetric {
	return watchedMetric{namespace, name, []any{map[string]any{"Name": dimension, "Value": value}}}
}

func ref(id string) map[string]any { return map[string]any{"Ref": id} }

// watched lists the metrics an alarm watches: its own, or those of its
// metric math (a Metrics Insights query names none).
func watched(a map[string]any) []watchedMetric {
	if a["MetricName"] != nil {
		return []watchedMetric{{fmt.Sprint(a["Namespace"]), fmt.Sprint(a["MetricName"]), a["Dimensions"]}}
	}
	var out []watchedMetric
	list, _ := a["Metrics"].([]any)
	for _, q := range list {
		q, _ := q.(map[string]any)
		stat, _ := q["MetricStat"].(map[string]any)
		if m, ok := stat["Metric"].(map[string]any); ok {
			out = append(out, watchedMetric{fmt.Sprint(m["Namespace"]), fmt.Sprint(m["MetricName"]), m["Dimensions"]})
		}
	}
	return out
}

// Every event the functions count is in the README's table of metrics and
// on the dashboard's widget of events.
func TestEveryEventIsDocumentedAndOnTheDashboard(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	r, err := loadRepo(root)
	if err != nil {
		t.Fatal(err)
	}
	dashboard := fmt.Sprint(r.tpl.Resources["Dashboard"].Properties["DashboardBody"])
	for _, e := range metrics.Events() {
		if !strings.Contains(string(readme), "| `"+string(e)+"` | none | Count |") {
			t.Errorf("README.md's table of metrics has no row for %s", e)
		}
		if !strings.Contains(dashboard, `"`+string(e)+`"]`) {
			t.Errorf("the dashboard shows no %s", e)
		}
	}
}
