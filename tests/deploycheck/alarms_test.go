package deploycheck

import (
	"fmt"
	"reflect"
	"strings"
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
		want := []any{map[string]any{"Name": "FunctionName", "Value": map[string]any{"Ref": owner}}}
		if a["Namespace"] != "AWS/Lambda" || a["MetricName"] != metric || !reflect.DeepEqual(a["Dimensions"], want) {
			p.add("%s: alarm %s watches %v %v %v, want AWS/Lambda %s of FunctionName %s", owner, id, a["Namespace"], a["MetricName"], a["Dimensions"], metric, owner)
		}
		if threshold != "" && refID(a["Threshold"]) != threshold {
			p.add("%s: alarm %s's threshold is %v, want the parameter %s", owner, id, a["Threshold"], threshold)
		}
	}
	for _, id := range sortedKeys(r.functions) {
		lambdaAlarm(id, id+"ErrorsAlarm", "Errors", "AlarmFunctionErrors")
		lambdaAlarm(id, id+"ThrottlesAlarm", "Throttles", "AlarmFunctionThrottles")
		if len(r.functions[id].S3Events) > 0 {
			found := false
			for _, aid := range sortedKeys(alarms) {
				a := alarms[aid]
				if a["MetricName"] == "AsyncEventsDropped" && fmt.Sprint(a["Dimensions"]) == fmt.Sprint([]any{map[string]any{"Name": "FunctionName", "Value": map[string]any{"Ref": id}}}) {
					found = true
				}
			}
			if !found {
				p.add("%s: S3 invokes it asynchronously, but no alarm watches the events Lambda drops (AsyncEventsDropped)", id)
			}
		}
	}
	queues, err := r.tpl.Queues()
	if err != nil {
		return append(p, err.Error())
	}
	for _, q := range queues {
		if q.DeadLetterQueue == "" {
			continue
		}
		found := false
		for _, a := range alarms {
			for _, d := range asList(a["Dimensions"]) {
				if v, _ := d.(map[string]any); v["Name"] == "QueueName" && fmt.Sprint(v["Value"]) == fmt.Sprint(map[string]any{"Fn::GetAtt": []any{q.DeadLetterQueue, "QueueName"}}) {
					found = true
				}
			}
		}
		if !found {
			p.add("%s: no alarm watches its dead-letter queue %s", q.LogicalID, q.DeadLetterQueue)
		}
	}
	apiAlarm := func(metric string) {
		for _, a := range alarms {
			if strings.Contains(fmt.Sprint(a), "AWS/ApiGateway") && strings.Contains(fmt.Sprint(a), "MetricName:"+metric+" ") {
				return
			}
		}
		p.add("no alarm watches the API's %s", metric)
	}
	apiAlarm("5xx")
	apiAlarm("Latency")
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

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}
