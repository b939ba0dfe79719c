// Package deploycheck holds the drift tests of the deployment. Its tests
// read template.yaml (through internal/samtemplate), openapi.yaml and the
// Makefile at the repository root and fail when they disagree with one
// another or with the routes, permissions and build targets each function
// must have; they also run cfn-lint and Redocly's linter. Each check is
// proven able to fail on a mutated copy of the files.
//
// The package has no code outside its tests.
package deploycheck
