# agentcore-vpce-operator
SHELL := /usr/bin/env bash -o pipefail
.SHELLFLAGS := -ec

LOCALBIN ?= $(CURDIR)/bin
CONTROLLER_GEN_VERSION ?= v0.23.0
GOLANGCI_LINT_VERSION ?= v2.15.0
CONTROLLER_GEN ?= $(LOCALBIN)/controller-gen-$(CONTROLLER_GEN_VERSION)
GOLANGCI_LINT ?= $(LOCALBIN)/golangci-lint-$(GOLANGCI_LINT_VERSION)
K8S_VERSION ?= 1.37.2
IMG ?= ghcr.io/agentcore-io/vpce-operator:dev
GO_TEST_FLAGS ?= -race -count=1 -timeout=40m

.DEFAULT_GOAL := help

##@ General

.PHONY: help
help: ## Show this help.
	@awk 'BEGIN {FS = ":.*##"; printf "Usage: make \033[36m<target>\033[0m\n"} /^[a-zA-Z_0-9-]+:.*?##/ { printf "  \033[36m%-16s\033[0m %s\n", $$1, $$2 } /^##@/ { printf "\n\033[1m%s\033[0m\n", substr($$0, 5) }' $(MAKEFILE_LIST)

##@ Development

.PHONY: generate
generate: $(CONTROLLER_GEN) ## Generate deepcopy code, CRDs and RBAC from the Go types and markers, and copy them into the Helm chart.
	$(CONTROLLER_GEN) object:headerFile=hack/boilerplate.go.txt paths="./api/..."
	$(CONTROLLER_GEN) crd rbac:roleName=manager-role paths="./api/..." paths="./controllers/..." \
		output:crd:artifacts:config=config/crd/bases output:rbac:artifacts:config=config/rbac
	hack/chart-sync.sh

.PHONY: verify
verify: generate ## Regenerate everything generated and fail if the tree differs.
	go mod tidy
	@unformatted="$$(find . -name '*.go' -not -path './bin/*' -print0 | xargs -0 gofmt -l)"; \
	if [ -n "$$unformatted" ]; then echo "gofmt: not formatted (run gofmt -w):"; echo "$$unformatted"; exit 1; fi
	@if [ -n "$$(git status --porcelain -- api config charts go.mod go.sum)" ]; then \
		echo "verify: generated files are out of date; run 'make generate' and commit:"; \
		git status --porcelain -- api config charts go.mod go.sum; git --no-pager diff --stat -- api config charts go.mod go.sum; exit 1; \
	fi
	@echo "verify: generated files are up to date"

.PHONY: vet
vet: ## Run go vet.
	go vet ./...

.PHONY: lint
lint: $(GOLANGCI_LINT) ## Run golangci-lint.
	$(GOLANGCI_LINT) run ./...

.PHONY: envtest
envtest: ## Build (once) kube-apiserver, etcd and kubectl for envtest into bin/k8s/.
	@hack/envtest-binaries.sh >/dev/null

# Packages that build Helm and kustomize, which take long to compile with the
# race detector: make test runs them in a second go test, without -race.
SLOW_BUILD_PKGS := ./test/chart/... ./internal/release/... ./hack/release/...
SLOW_BUILD_PATTERN := /(test/chart|internal/release|hack/release)(/|$$)

.PHONY: test
test: envtest ## Run unit tests and the envtest suites (builds the envtest binaries on first use).
	KUBEBUILDER_ASSETS="$$(hack/envtest-binaries.sh)" go test $(GO_TEST_FLAGS) $$(go list ./... | grep -Ev '$(SLOW_BUILD_PATTERN)')
	KUBEBUILDER_ASSETS="$$(hack/envtest-binaries.sh)" go test -count=1 -timeout=20m $(SLOW_BUILD_PKGS)

.PHONY: bench
bench: envtest ## Run the benchmarks and print their figures (the scale benchmark at N=10 and N=100; SCALE_K sets its time scale, default 20).
	KUBEBUILDER_ASSETS="$$(hack/envtest-binaries.sh)" go test -run='^$$' -bench=. -benchtime=1x -timeout=60m ./...

.PHONY: bench-scale
bench-scale: envtest ## Run the scale benchmark at N=1000 (about 6 minutes at the default time scale SCALE_K=20).
	SCALE_1000=1 KUBEBUILDER_ASSETS="$$(hack/envtest-binaries.sh)" go test -run='^$$' -bench='^BenchmarkScale1000$$' -benchtime=1x -timeout=120m ./test/scale/

.PHONY: e2e
e2e: envtest ## Run the end-to-end tests: the manager, simulator and kubectl binaries on a local control plane.
	KUBEBUILDER_ASSETS="$$(hack/envtest-binaries.sh)" go test -count=1 -timeout=30m -v ./test/e2e/

##@ Demo

.PHONY: demo
demo: envtest build ## Run the operator locally against the EC2 and gateway simulators and show it working (KEEP_RUNNING=1 keeps it up).
	go build -o $(LOCALBIN)/local ./cmd/local
	$(LOCALBIN)/local $(if $(filter 1 true yes,$(KEEP_RUNNING)),--keep-running)

##@ Build

.PHONY: build
build: ## Build the manager, the EC2 and AgentCore Gateway simulators into bin/.
	go build -o $(LOCALBIN)/manager ./cmd/manager
	go build -o $(LOCALBIN)/ec2sim ./cmd/ec2sim
	go build -o $(LOCALBIN)/gatewaysim ./cmd/gatewaysim

.PHONY: docker-build
docker-build: ## Build the container image (needs a Docker engine).
	docker build -t $(IMG) .

##@ Deployment

# Where release images are pushed; make release writes $(IMG_REPO):$(VERSION)
# into dist/install.yaml and the chart.
IMG_REPO ?= ghcr.io/agentcore-io/vpce-operator

.PHONY: release
release: ## Render dist/install.yaml and package the Helm chart for VERSION=vX.Y.Z, image $(IMG_REPO):VERSION.
	@if [ -z "$(VERSION)" ]; then \
		echo "release: set VERSION to the release, e.g. make release VERSION=v0.1.0 (IMG_REPO=$(IMG_REPO))" >&2; exit 2; \
	fi
	go run ./hack/release -version "$(VERSION)" -image-repository "$(IMG_REPO)" -out dist

.PHONY: iam-policy
iam-policy: ## Render the IAM policy for IRSA: CLUSTER_NAME=<EKS cluster name> writes bin/iam-policy-<name>.json.
	@if [ -z "$${CLUSTER_NAME:-}" ]; then \
		echo "iam-policy: set CLUSTER_NAME to the EKS cluster name (the manager's --cluster-name), e.g. make iam-policy CLUSTER_NAME=prod-eks" >&2; exit 2; \
	fi
	@hack/iam-policy.sh -o "$(LOCALBIN)/iam-policy-$${CLUSTER_NAME}.json" -- "$${CLUSTER_NAME}"

##@ Tools

$(CONTROLLER_GEN):
	@mkdir -p $(LOCALBIN)
	GOBIN=$(LOCALBIN) go install sigs.k8s.io/controller-tools/cmd/controller-gen@$(CONTROLLER_GEN_VERSION)
	mv $(LOCALBIN)/controller-gen $(CONTROLLER_GEN)

$(GOLANGCI_LINT):
	@mkdir -p $(LOCALBIN)
	GOBIN=$(LOCALBIN) go install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_LINT_VERSION)
	mv $(LOCALBIN)/golangci-lint $(GOLANGCI_LINT)
