# The Enkash batch processor. `make` alone lists the targets.
.DEFAULT_GOAL := help
SHELL := /bin/bash

GO      ?= go
BIN     := bin/batch
DEMO    := var/demo
export CGO_ENABLED := 1

.PHONY: help build run test lint bench fuzz templates sandbox clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

# The version and commit `batch version` prints (without git, "dev" and Go's own record).
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT  ?= $(shell git rev-parse HEAD 2>/dev/null)
LDFLAGS := -X main.version=$(VERSION) -X main.commit=$(COMMIT)

build: ## build bin/batch
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/batch

run: build ## process the samples on the built-in sandbox (a fresh demo data folder in var/demo)
	@rm -rf $(DEMO) && mkdir -p $(DEMO)/inbox && cp -R samples/inbox/. $(DEMO)/inbox/
	@# Exit code 1 means "finished, with exceptions to look at": the samples are meant to have some.
	@# Step 1: record the files. Payouts and bills wait for a checker's approval: nothing is sent yet.
	$(BIN) ingest --home $(DEMO) || [ $$? -eq 1 ]
	$(BIN) status --home $(DEMO)
	@# Step 2: a checker approves each waiting file (a file above the two-checker total needs a
	@# second, different checker); in production a person reads the approval packet first.
	$(BIN) approve --home $(DEMO) --waiting --by demo-checker --note "make run demo"
	$(BIN) approve --home $(DEMO) --waiting --by demo-controller --note "make run demo: second checker"
	@# Step 3: the run sends exactly what was approved.
	$(BIN) run --home $(DEMO) --scenario samples/sandbox.yaml --poll-interval 500ms --poll-deadline 8s || [ $$? -eq 1 ]
	@echo
	$(BIN) reconcile --home $(DEMO) --scenario samples/sandbox.yaml || [ $$? -eq 1 ]
	@echo; echo "Data folder: $(DEMO)  (try: $(BIN) status --home $(DEMO))"

test: ## go vet, then every test with the race detector, then the memory tests without it
	$(GO) vet ./...
	$(GO) test -race -count=1 ./...
	@# Heap measurements are skewed by the race detector's shadow memory: they run without it.
	$(GO) test -count=1 -run 'StreamsItems' ./report/

lint: ## gofmt and go vet
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "gofmt needed"; exit 1; }
	$(GO) vet ./...

bench: ## Go benchmarks of the hot paths
	$(GO) test -run '^$$' -bench . -benchmem -benchtime 1s ./parsers/
	$(GO) build -o bin/bench ./bench
	bin/bench -batch $(BIN)

fuzz: ## run every fuzz target for 30s each
	@for t in $$($(GO) test -list 'Fuzz.*' ./parsers/ | grep ^Fuzz); do $(GO) test -run '^$$' -fuzz "^$$t$$" -fuzztime 30s ./parsers/ || exit 1; done

templates: build ## write the blank input templates to templates/
	$(BIN) templates --out templates

sandbox: build ## run the Enkash simulator on 127.0.0.1:8787 with the demo scenario
	$(BIN) sandbox --scenario samples/sandbox.yaml

clean: ## remove build output and the demo data folder
	rm -rf bin $(DEMO)
