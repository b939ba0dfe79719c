package emf

import (
	"strings"
	"testing"
)

// specExample is the specification's own example of a valid document.
const specExample = `{"_aws":{"Timestamp":1574109732004,"CloudWatchMetrics":[{"Namespace":"lambda-function-metrics","Dimensions":[["functionVersion"]],"Metrics":[{"Name":"time","Unit":"Milliseconds"}]}]},"functionVersion":"$LATEST","time":100,"requestId":"989ffbf8-9ace-4817-a57c-e4dd734019ee"}`

func TestValidateAcceptsTheSpecificationsExample(t *testing.T) {
	doc, err := Validate([]byte(specExample))
	if err != nil {
		t.Fatal(err)
	}
	want := Metric{Namespace: "lambda-function-metrics", Name: "time", Unit: "Milliseconds", Value: 100}
	if len(doc.Metrics) != 1 {
		t.Fatalf("metrics = %+v, want one", doc.Metrics)
	}
	got := doc.Metrics[0]
	if got.Namespace != want.Namespace || got.Name != want.Name || got.Unit != want.Unit || got.Value != want.Value || got.Dimensions["functionVersion"] != "$LATEST" {
		t.Errorf("metric = %+v, want %+v with functionVersion $LATEST", got, want)
	}
}

func TestValidateRejectsWhatCloudWatchWouldNotExtract(t *testing.T) {
	for _, tt := range []struct {
		name, line, says string
	}{
		{"no _aws", `{"time":100}`, "schema"},
		{"timestamp not an integer", strings.Replace(specExample, `1574109732004`, `1574109732004.5`, 1), "schema"},
		{"timestamp missing", strings.Replace(specExample, `"Timestamp":1574109732004,`, ``, 1), "schema"},
		{"no namespace", strings.Replace(specExample, `"Namespace":"lambda-function-metrics",`, ``, 1), "schema"},
		{"empty dimensions", strings.Replace(specExample, `[["functionVersion"]]`, `[]`, 1), "schema"},
		{"unknown unit", strings.Replace(specExample, `"Milliseconds"`, `"ms"`, 1), "schema"},
		{"metric member missing", strings.Replace(specExample, `"time":100,`, ``, 1), `metric "time"`},
		{"metric member a string", strings.Replace(specExample, `"time":100`, `"time":"100"`, 1), `metric "time"`},
		{"dimension member missing", strings.Replace(specExample, `"functionVersion":"$LATEST",`, ``, 1), `dimension "functionVersion"`},
		{"dimension member a number", strings.Replace(specExample, `"functionVersion":"$LATEST"`, `"functionVersion":1`, 1), `dimension "functionVersion"`},
		{"text after the document", specExample + ` trailing`, "JSON"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Validate([]byte(tt.line))
			if err == nil {
				t.Fatalf("Validate(%s) = nil error", tt.line)
			}
			if !strings.Contains(err.Error(), tt.says) {
				t.Errorf("error %q does not mention %q", err, tt.says)
			}
		})
	}
}
