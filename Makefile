# CrawlerMaster: operator + highly available crawler master, one jar, one image.
# `make help` lists the targets.

IMG ?= crawler-master:latest
KIND_CLUSTER ?= crawler-e2e
NAMESPACE ?= crawler-system
MVN ?= mvn -B -q
JAR := target/crawler-master-0.1.0-SNAPSHOT.jar
CRD := crawlermasters.crawler.dev-v1.yml

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
manifests: ## Regenerate the CRD from the Java model into crds/ (and deploy/crd/).
	$(MVN) process-classes
	cp target/classes/META-INF/fabric8/$(CRD) crds/$(CRD)
	@if [ -d deploy/crd ]; then cp crds/$(CRD) deploy/crd/$(CRD); fi
	@echo "crds/$(CRD) regenerated"

.PHONY: tools
tools: ## Provision etcd, kube-apiserver and kubectl for tests and the demo (cached).
	hack/provision-tools.sh

.PHONY: test
test: tools ## Run all tests: unit, mock server, real etcd, real master processes, real kube-apiserver.
	$(MVN) verify

.PHONY: test-unit
test-unit: ## Run only the fast tests (no etcd, no processes, no kube-apiserver).
	$(MVN) test -Dsurefire.excludedGroups=etcd,process,apiserver,bench

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
	kubectl apply --server-side -f crds/

.PHONY: uninstall
uninstall: ## Remove the CRD (and every CrawlerMaster) from the current cluster.
	kubectl delete --ignore-not-found -f crds/

.PHONY: deploy
deploy: ## Deploy CRD, RBAC and the operator (kustomize deploy/) with image IMG.
	kubectl apply --server-side -k deploy/
	kubectl -n $(NAMESPACE) set image deployment/crawler-operator operator=$(IMG)
	kubectl -n $(NAMESPACE) set env deployment/crawler-operator CRAWLER_MASTER_IMAGE=$(IMG)

.PHONY: undeploy
undeploy: ## Remove the operator, RBAC and CRD.
	kubectl delete --ignore-not-found -k deploy/
