// Package env reads a function's settings from its environment, which
// template.yaml fills from the stack's parameters, and refuses a bad one
// at start, so that a misconfigured function fails its first invocation
// with a clear log line rather than misbehave.
package env

import (
	"fmt"
	"strconv"
)

// PositiveInt reads the variable name as a whole number of at least 1.
func PositiveInt(getenv func(string) string, name string) (int, error) {
	v := getenv(name)
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return 0, fmt.Errorf("%s must be a whole number of at least 1, not %q", name, v)
	}
	return n, nil
}
