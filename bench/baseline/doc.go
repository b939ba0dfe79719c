// Package baseline holds the floors the benchmarks (make bench) measure the
// functions against: hello, the smallest aws-lambda-go function, and
// sdkfloor, which also loads the AWS config and builds a DynamoDB client in
// init, as any DynamoDB-backed Go function must. cmd/bench builds them with
// exactly the flags the Makefile builds the functions with.
package baseline
