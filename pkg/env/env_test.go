package env_test

import (
	"strings"
	"testing"

	"github.com/example/serverless-todo/pkg/env"
)

func TestPositiveIntRefusesAnythingButAWholeNumberOfAtLeastOne(t *testing.T) {
	for _, tt := range []struct {
		value string
		want  int
		ok    bool
	}{
		{"1", 1, true},
		{"10485760", 10485760, true},
		{"", 0, false},
		{"0", 0, false},
		{"-5", 0, false},
		{"1.5", 0, false},
		{"ten", 0, false},
		{" 7", 0, false},
	} {
		got, err := env.PositiveInt(func(string) string { return tt.value }, "MAX_THINGS")
		if got != tt.want || (err == nil) != tt.ok {
			t.Errorf("%q: %d, %v; want %d and ok %v", tt.value, got, err, tt.want, tt.ok)
		}
		if err != nil && (!strings.Contains(err.Error(), "MAX_THINGS") || !strings.Contains(err.Error(), `"`+tt.value+`"`)) {
			t.Errorf("%q: the error %q names neither the variable nor the value", tt.value, err)
		}
	}
}
