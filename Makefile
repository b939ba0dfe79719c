# Bash, for PIPESTATUS in make reliability.
SHELL := /bin/bash

# The Go release everything here builds and tests with. The machine's own go
# fetches it from the module proxy on first use. go.mod's toolchain line
# names the same release, so that sam build, which runs go with the default
# GOTOOLCHAIN=auto, builds the functions with it too; .ci/run and the
# README say it as well, and a test keeps the four in step.
export GOTOOLCHAIN := go1.27.3

# The functions: every folder under functions/ with a main.go builds to one
# Lambda bootstrap. Their SAM logical IDs are in template.yaml, and each has
# its build-<LogicalID> target below, which sam build runs.
FUNCTIONS := $(patsubst functions/%/main.go,%,$(wildcard functions/*/main.go))

# How Lambda binaries are built, here and by `sam build`: static, for the
# arm64 provided.al2023 runtime, without the RPC shim (lambda.norpc), small.
# validator_novalidatefn leaves out validator/v10's validateFn rule, which
# no rule here uses: its reflection on method names keeps the linker from
# dropping unused methods, about 0.7 MB of each validating function's zip
# (BENCHMARKS.md).
LAMBDA_ENV   := GOOS=linux GOARCH=arm64 CGO_ENABLED=0
LAMBDA_FLAGS := -tags lambda.norpc,validator_novalidatefn -trimpath -ldflags "-s -w"

BUILD_DIR := build

.PHONY: all build test fuzz reliability soak tools clean
.DEFAULT_GOAL := all

all: build test

## build: cross-compile every function to build/<name>/bootstrap and zip it to build/<name>.zip
build: $(FUNCTIONS:%=$(BUILD_DIR)/%.zip)

# Always rebuilt: Go's build cache makes an unchanged function cost nothing.
# zip -X leaves out extra file attributes, so the same binary gives the same
# zip.
$(BUILD_DIR)/%.zip: FORCE
	$(LAMBDA_ENV) go build $(LAMBDA_FLAGS) -o $(BUILD_DIR)/$*/bootstrap ./functions/$*
	cd $(BUILD_DIR)/$* && rm -f ../$*.zip && zip -q -X ../$*.zip bootstrap

# Targets that `sam build` calls for BuildMethod: makefile; it sets
# ARTIFACTS_DIR. One per logical ID in template.yaml.
build-CreateTodoFunction:    ; $(LAMBDA_ENV) go build $(LAMBDA_FLAGS) -o $(ARTIFACTS_DIR)/bootstrap ./functions/create
build-GetTodoFunction:       ; $(LAMBDA_ENV) go build $(LAMBDA_FLAGS) -o $(ARTIFACTS_DIR)/bootstrap ./functions/get
build-ListTodosFunction:     ; $(LAMBDA_ENV) go build $(LAMBDA_FLAGS) -o $(ARTIFACTS_DIR)/bootstrap ./functions/list
build-UpdateTodoFunction:    ; $(LAMBDA_ENV) go build $(LAMBDA_FLAGS) -o $(ARTIFACTS_DIR)/bootstrap ./functions/update
build-DeleteTodoFunction:    ; $(LAMBDA_ENV) go build $(LAMBDA_FLAGS) -o $(ARTIFACTS_DIR)/bootstrap ./functions/delete
build-ContactFunction:       ; $(LAMBDA_ENV) go build $(LAMBDA_FLAGS) -o $(ARTIFACTS_DIR)/bootstrap ./functions/contact
build-ChangesFunction:       ; $(LAMBDA_ENV) go build $(LAMBDA_FLAGS) -o $(ARTIFACTS_DIR)/bootstrap ./functions/changes
build-GetProfileFunction:    ; $(LAMBDA_ENV) go build $(LAMBDA_FLAGS) -o $(ARTIFACTS_DIR)/bootstrap ./functions/getprofile
build-UpdateProfileFunction: ; $(LAMBDA_ENV) go build $(LAMBDA_FLAGS) -o $(ARTIFACTS_DIR)/bootstrap ./functions/updateprofile
build-DeleteAccountFunction: ; $(LAMBDA_ENV) go build $(LAMBDA_FLAGS) -o $(ARTIFACTS_DIR)/bootstrap ./functions/deleteaccount
build-PurgeAccountFunction:  ; $(LAMBDA_ENV) go build $(LAMBDA_FLAGS) -o $(ARTIFACTS_DIR)/bootstrap ./functions/purge
build-CreateAttachmentFunction: ; $(LAMBDA_ENV) go build $(LAMBDA_FLAGS) -o $(ARTIFACTS_DIR)/bootstrap ./functions/createattachment
build-GetAttachmentFunction: ; $(LAMBDA_ENV) go build $(LAMBDA_FLAGS) -o $(ARTIFACTS_DIR)/bootstrap ./functions/getattachment
build-DeleteAttachmentFunction: ; $(LAMBDA_ENV) go build $(LAMBDA_FLAGS) -o $(ARTIFACTS_DIR)/bootstrap ./functions/deleteattachment
build-ConfirmAttachmentFunction: ; $(LAMBDA_ENV) go build $(LAMBDA_FLAGS) -o $(ARTIFACTS_DIR)/bootstrap ./functions/confirmattachment

## test: install what the tests need, check for known vulnerabilities, then run every test against DynamoDB Local
test: tools vulncheck
	go test -count=1 ./...

## fuzz: fuzz every parser of client input for FUZZTIME each (the seed corpus also runs in make test)
FUZZTIME ?= 1m
fuzz: tools
	@set -e; for file in $$(grep -l '^func Fuzz' $$(git ls-files '*_test.go')); do \
	  pkg=./$$(dirname $$file); \
	  for target in $$(sed -n 's/^func \(Fuzz[A-Za-z0-9_]*\)(.*/\1/p' $$file); do \
	    echo "== $$pkg $$target"; \
	    go test -run '^$$' -fuzz "^$$target\$$" -fuzztime $(FUZZTIME) $$pkg; \
	  done; \
	done

## reliability: govulncheck, fuzz every parser for FUZZTIME, run the end-to-end tests, and write their figures to RELIABILITY.md
reliability: tools
	@mkdir -p $(BUILD_DIR)
	$(MAKE) --no-print-directory vulncheck 2>&1 | tee $(BUILD_DIR)/vulncheck.log; test $${PIPESTATUS[0]} -eq 0
	$(MAKE) --no-print-directory fuzz FUZZTIME=$(FUZZTIME) 2>&1 | tee $(BUILD_DIR)/fuzz.log; test $${PIPESTATUS[0]} -eq 0
	RELIABILITY_REPORT=$(CURDIR)/RELIABILITY.md RELIABILITY_FUZZ_LOG=$(CURDIR)/$(BUILD_DIR)/fuzz.log RELIABILITY_FUZZTIME=$(FUZZTIME) \
	  RELIABILITY_VULNCHECK_LOG=$(CURDIR)/$(BUILD_DIR)/vulncheck.log go test -count=1 ./tests/e2e

## soak: the mixed-operations and sync-convergence tests with OPS operations each (default 20000)
OPS ?= 20000
soak: tools
	RELIABILITY_OPS=$(OPS) go test -count=1 -timeout 60m -run 'TestMixedOperationsMatchASequentialModel|TestASyncingClientConvergesWhileOthersWrite' -v ./tests/e2e

## tools: Go modules and the npm-shipped DynamoDB Local and OpenAPI linter
tools: node_modules/.package-lock.json
	go mod download

# npm ci writes node_modules/.package-lock.json, so this reinstalls only when
# the lock file changes.
node_modules/.package-lock.json: package-lock.json
	npm ci --no-audit --no-fund

clean:
	rm -rf $(BUILD_DIR) .aws-sam

FORCE:

## function: add a route as a new function, like make function NAME=me ROUTE="GET /me" (PUBLIC=1 for one without a token): its folder, and its place in openapi.yaml, template.yaml and this Makefile
function:
	go run ./cmd/newfunction -name '$(NAME)' -route '$(ROUTE)' $(if $(PUBLIC),-public)

.PHONY: function

## deps: write each function's deps.txt, what its Lambda build links, after a change you meant (make test fails on any other)
deps:
	go test -count=1 -run TestFunctionsLinkOnlyWhatTheirDepsListSays ./tests/deploycheck -update

.PHONY: deps

## lint: gofmt, go vet, staticcheck, govulncheck, Redocly's linter on openapi.yaml, cfn-lint on both templates, actionlint on the workflow
# Redocly reads openapi.yaml as localapi openapi writes it, its routes'
# scopes resolved as CloudFormation resolves them: line numbers in what it
# reports about build/openapi.yaml are openapi.yaml's.
lint: tools vulncheck
	@unformatted="$$(gofmt -l .)"; if [ -n "$$unformatted" ]; then echo "gofmt -l: not formatted:"; echo "$$unformatted"; exit 1; fi
	go vet ./...
	go tool staticcheck ./...
	@mkdir -p $(BUILD_DIR)
	go run ./cmd/localapi openapi > $(BUILD_DIR)/openapi.yaml
	node_modules/.bin/redocly lint $(BUILD_DIR)/openapi.yaml
	cfn-lint template.yaml deploy/pipeline-role.yaml
	go tool actionlint

## vulncheck: govulncheck on the module, offline, against the database built from tools/vulndb's pinned golang.org/x/vulndb; VULNDB=https://vuln.go.dev uses the public one
VULNDB ?= file://$(CURDIR)/$(BUILD_DIR)/vulndb
vulncheck: $(BUILD_DIR)/vulndb/index/db.json
	go tool govulncheck -db $(VULNDB) ./...

# The database govulncheck reads: golang.org/x/vulndb's OSV reports, at the
# version tools/vulndb/go.mod pins, indexed by its cmd/indexdb. Rebuilt only
# when the pin moves (README, "Security checks", says how to move it).
$(BUILD_DIR)/vulndb/index/db.json: tools/vulndb/go.mod tools/vulndb/go.sum
	rm -rf $(BUILD_DIR)/vulndb
	go -C tools/vulndb mod download golang.org/x/vulndb
	go -C tools/vulndb tool indexdb -out $(CURDIR)/$(BUILD_DIR)/vulndb \
	  -vulns "$$(go -C tools/vulndb list -m -f '{{.Dir}}' golang.org/x/vulndb)/data/osv"

## docs: the API reference, one HTML page with the definition inlined (it loads Redocly's logo and icons from its CDN), in build/docs/index.html
docs: tools
	@mkdir -p $(BUILD_DIR)
	go run ./cmd/localapi openapi > $(BUILD_DIR)/openapi.yaml
	node_modules/.bin/redocly build-docs $(BUILD_DIR)/openapi.yaml --inlineBundle --output $(BUILD_DIR)/docs/index.html

.PHONY: lint vulncheck docs

## dev: run the whole API on http://127.0.0.1:3000 (PORT=n for another port) with DynamoDB Local, data in .local; ARGS passes more flags, like ARGS=-in-memory
# Built, then run, rather than go run: go run exits 1 when interrupted, so
# make would report Ctrl-C as an error.
dev: tools
	go build -o $(BUILD_DIR)/localapi ./cmd/localapi
	$(BUILD_DIR)/localapi serve $(if $(PORT),-port $(PORT)) $(ARGS)

## token: print a token that make dev accepts, for the user SUB (default dev-user), like TOKEN=$(make token SUB=alice)
SUB ?= dev-user
token:
	@go run ./cmd/localapi token -sub '$(SUB)'

.PHONY: dev token

## bench: measure every function beside its baselines (cold start, size, latency, handler CPU, memory, throughput) and write BENCHMARKS.md; BENCH_ARGS passes flags, like BENCH_ARGS=-starts=50
bench: tools
	go run ./bench $(BENCH_ARGS)

.PHONY: bench
