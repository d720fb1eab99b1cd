# CrawlerMaster: operator + highly available crawler master, one jar, one image.
# `make help` lists the targets.

IMG ?= crawler-master:latest
KIND_CLUSTER ?= crawler-e2e
E2E_IMG ?= crawler-master:e2e
KEEP_CLUSTER ?= 0
MVN ?= mvn -B -q
JAR := target/crawler-master-0.1.0-SNAPSHOT.jar
CRD := crawlermasters.crawler.dev-v1.yml
# The image deploy/operator.yaml names (operator and CRAWLER_MASTER_IMAGE); `deploy` puts IMG there.
MANIFEST_IMG := crawler-master:latest

.DEFAULT_GOAL := help
SHELL := /usr/bin/env bash

##@ General

.PHONY: help
help: ## Show this help.
	@awk 'BEGIN {FS = ":.*##"; printf "Usage:\n  make \033[36m<target>\033[0m\n"} \
	  /^[a-zA-Z_0-9-]+:.*?##/ { printf "  \033[36m%-14s\033[0m %s\n", $$1, $$2 } \
	  /^##@/ { printf "\n\033[1m%s\033[0m\n", substr($$0, 5) }' $(MAKEFILE_LIST)

##@ Development

.PHONY: manifests
manifests: ## Regenerate the CRD from the Java model into crds/ (a test fails when they differ).
	$(MVN) process-classes
	cp target/classes/META-INF/fabric8/$(CRD) crds/$(CRD)
	@echo "crds/$(CRD) regenerated"

.PHONY: tools
tools: ## Provision etcd, kube-apiserver and kubectl for tests and the demo (cached).
	hack/provision-tools.sh

.PHONY: test
test: tools ## Run all tests: unit, mock server, real etcd, real master processes, real kube-apiserver.
	mvn -B verify

.PHONY: test-unit
test-unit: ## Run only the fast tests (no etcd, no processes, no kube-apiserver).
	$(MVN) test -Dsurefire.excludedGroups=etcd,process,apiserver,bench

##@ Demo

.PHONY: demo
demo: ## Failover demo on a local kube-apiserver: operator, 3 master processes, SIGKILL the leader (logs: target/demo/).
	hack/demo.sh

##@ Benchmarks

.PHONY: bench
bench: tools ## Measure handover, crash failover and status latency vs. Lease election (BENCH_QUICK=1: fewer trials).
	hack/bench.sh

##@ Build

.PHONY: build
build: ## Build the executable jar (target/crawler-master-*.jar).
	$(MVN) package -DskipTests

.PHONY: run
run: build ## Run the operator against the current kubeconfig.
	java -jar $(JAR) operator

.PHONY: docker-build
docker-build: ## Build the container image IMG (needs a Docker engine).
	docker build -t $(IMG) .

.PHONY: docker-push
docker-push: ## Push the container image IMG.
	docker push $(IMG)

##@ Deployment

.PHONY: install
install: ## Install the CRD into the current cluster.
	kubectl apply --server-side -k crds/

.PHONY: uninstall
uninstall: ## Remove the CRD (and every CrawlerMaster) from the current cluster.
	kubectl delete --ignore-not-found -k crds/

.PHONY: deploy
deploy: ## Deploy CRD, RBAC and the operator (kustomize deploy/) with image IMG.
	@# One apply with IMG already in place: re-running it does not conflict with a second field
	@# manager (as `kubectl set image` after an apply does), and no pod starts with the placeholder.
	set -o pipefail; kubectl kustomize deploy/ | sed 's|$(MANIFEST_IMG)|$(IMG)|g' | kubectl apply --server-side -f -

.PHONY: undeploy
undeploy: ## Remove the operator, RBAC and CRD.
	kubectl delete --ignore-not-found -k deploy/

##@ End-to-end

.PHONY: e2e-kind
e2e-kind: ## Failover e2e in a kind cluster (needs kind and a Docker engine); KEEP_CLUSTER=1 keeps it.
	@# 1. kind create cluster --name $(KIND_CLUSTER) --config deploy/kind/kind-config.yaml (reused if present)
	@# 2. docker build -t $(E2E_IMG) . && kind load docker-image $(E2E_IMG) --name $(KIND_CLUSTER)
	@# 3. kubectl apply -k deploy/etcd; rollout status statefulset/etcd
	@# 4. kubectl apply -k crds/; kubectl wait --for=condition=Established crd/crawlermasters.crawler.dev
	@# 5. deploy/ with the operator image and CRAWLER_MASTER_IMAGE set to $(E2E_IMG); rollout status
	@# 6. apply deploy/samples/crawlermaster.yaml; kubectl wait --for=jsonpath=... until status.leader is set
	@# 7. delete the leader pod; wait until status.leader names another pod and Service endpoints point at it
	@# 8. print the timings; delete the cluster unless KEEP_CLUSTER=1
	KIND_CLUSTER=$(KIND_CLUSTER) IMG=$(E2E_IMG) KEEP_CLUSTER=$(KEEP_CLUSTER) hack/e2e-kind.sh
