// Package e2e holds the API's end-to-end tests. Each test starts the whole
// API as make dev runs it (internal/local/stack, from template.yaml and
// openapi.yaml: the local gateway, the functions' real binaries as Lambda
// runs them, DynamoDB Local) and talks to it over HTTP on loopback, as a
// client would. Every response is checked against openapi.yaml, so the
// document and the code cannot drift apart.
//
// The package has no code outside its tests.
package e2e
