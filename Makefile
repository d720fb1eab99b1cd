# CrawlerMaster: operator + highly available crawler master, one jar, one image.
# `make help` lists the targets.

# The project version (pom.xml's own <version>): the image tag and the release's version.
VERSION := $(shell awk -F'[<>]' '/<version>/ {print $$3; exit}' pom.xml)
IMG ?= crawler-master:$(VERSION)
KIND_CLUSTER ?= crawler-e2e
E2E_IMG ?= crawler-master:e2e
KEEP_CLUSTER ?= 0
# auto: kind when a Docker engine answers (`docker info`), else the local cluster.
E2E_PROVIDER ?= auto
MVN ?= mvn -B -q
JAR := target/crawler-master-$(VERSION).jar
CRD := crawlermasters.crawler.dev-v1.yml
HELM_VERSION := v3.21.4
HELM ?= $(HOME)/.cache/crawler-tools/helm-$(HELM_VERSION)
CHART := charts/crawler-operator
PROMTOOL_VERSION := v0.316.0
PROMTOOL ?= $(HOME)/.cache/crawler-tools/promtool-$(PROMTOOL_VERSION)
MONITORING := deploy/monitoring
DIST ?= dist

.DEFAULT_GOAL := help
SHELL := /usr/bin/env bash

##@ General

.PHONY: help
help: ## Show this help.
	@awk 'BEGIN {FS = ":.*##"; printf "Usage:\n  make \033[36m<target>\033[0m\n"} \
	  /^[a-zA-Z_0-9-]+:.*?##/ { printf "  \033[36m%-18s\033[0m %s\n", $$1, $$2 } \
	  /^##@/ { printf "\n\033[1m%s\033[0m\n", substr($$0, 5) }' $(MAKEFILE_LIST)

##@ Development

.PHONY: manifests
manifests: ## Regenerate the CRD from the Java model into crds/ (a test fails when they differ).
	$(MVN) process-classes
	cp target/classes/META-INF/fabric8/$(CRD) crds/$(CRD)
	$(MAKE) --no-print-directory chart-crds api-docs
	@echo "crds/$(CRD) regenerated"

.PHONY: api-docs
api-docs: ## Regenerate docs/api-reference.md from the committed CRD (a test fails when they differ).
	$(MVN) test -Dtest=ApiReferenceTest -Dsurefire.failIfNoSpecifiedTests=false -Dapi.reference.write=true
	@echo "docs/api-reference.md regenerated from crds/$(CRD)"

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
bench: tools ## Measure failover, handover, switchover and status latency vs. Lease election, a master replica's footprint, and one operator with 1000 CrawlerMasters (BENCH_QUICK=1: fewer trials; BENCH_ONLY=footprint, =scale, ...: some sections).
	hack/bench.sh

##@ Chaos

.PHONY: chaos
chaos: tools ## Faults under load (3-member etcd, partitions, kills, pauses) + history checker; CHAOS_QUICK=1 short, CHAOS_SEED=n replays (target/chaos/).
	hack/chaos.sh

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

PLUGIN_DIR ?= $(HOME)/.local/bin

.PHONY: install-plugin
install-plugin: ## Install the kubectl plugin (kubectl crawler status|switchover) into PLUGIN_DIR (default ~/.local/bin).
	install -D -m 0755 hack/kubectl-crawler $(PLUGIN_DIR)/kubectl-crawler
	@echo "installed $(PLUGIN_DIR)/kubectl-crawler; 'kubectl crawler --help' (PLUGIN_DIR must be on PATH)"

.PHONY: plugin-archive
plugin-archive: ## Write the plugin's krew archive and manifest: dist/kubectl-crawler-VERSION.tar.gz, dist/krew-crawler.yaml (PLUGIN_URL: where the archive will be served).
	@mkdir -p $(DIST) target/plugin-archive
	install -m 0755 hack/kubectl-crawler target/plugin-archive/kubectl-crawler
	install -m 0644 LICENSE target/plugin-archive/LICENSE
	tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -C target/plugin-archive -cf - kubectl-crawler LICENSE \
	  | gzip -n > $(DIST)/kubectl-crawler-$(VERSION).tar.gz
	sed -e 's|@VERSION@|$(VERSION)|' -e "s|@URI@|$(or $(PLUGIN_URL),file://$(abspath $(DIST))/kubectl-crawler-$(VERSION).tar.gz)|" \
	  -e "s|@SHA256@|$$(sha256sum $(DIST)/kubectl-crawler-$(VERSION).tar.gz | cut -d' ' -f1)|" hack/krew/crawler.yaml > $(DIST)/krew-crawler.yaml
	@echo "$(DIST)/kubectl-crawler-$(VERSION).tar.gz, $(DIST)/krew-crawler.yaml"

.PHONY: install
install: ## Install the CRD into the current cluster.
	kubectl apply --server-side -k crds/

.PHONY: uninstall
uninstall: ## Remove the CRD (and every CrawlerMaster) from the current cluster.
	kubectl delete --ignore-not-found -k crds/

.PHONY: deploy
deploy: ## Deploy CRD, RBAC and the operator (kustomize deploy/) with image IMG.
	@# One apply with IMG already in place (a generated overlay of deploy/): re-running it does not
	@# conflict with a second field manager (as `kubectl set image` after an apply does).
	hack/image-overlay.sh deploy "$(IMG)" target/deploy-overlay
	kubectl apply --server-side -k target/deploy-overlay

.PHONY: undeploy
undeploy: ## Remove the operator, RBAC and CRD.
	kubectl delete --ignore-not-found -k deploy/

##@ Release

.PHONY: release
release: plugin-archive ## Write dist/install.yaml and dist/install-namespaced.yaml (CRD, admission policy, namespace, RBAC, operator) with image IMG, and the plugin archive.
	hack/image-overlay.sh deploy "$(IMG)" target/release/cluster
	hack/image-overlay.sh deploy-namespaced "$(IMG)" target/release/namespaced
	mkdir -p $(DIST)
	kubectl kustomize target/release/cluster > $(DIST)/install.yaml
	kubectl kustomize target/release/namespaced > $(DIST)/install-namespaced.yaml
	@echo "$(DIST)/install.yaml, $(DIST)/install-namespaced.yaml: image $(IMG), for Kubernetes >= 1.30"

.PHONY: build-installer
build-installer: release ## Same as release (the kubebuilder name).

.PHONY: chart-crds
chart-crds: monitoring-rules ## Copy crds/ (CRD, admission policy), deploy/user-roles.yaml and deploy/monitoring/ into the Helm chart (a test fails when they differ).
	cp crds/$(CRD) $(CHART)/crds/$(CRD)
	cp crds/crawlermasters-key-prefix-policy.yaml $(CHART)/files/crawlermasters-key-prefix-policy.yaml
	cp deploy/user-roles.yaml $(CHART)/files/user-roles.yaml
	mkdir -p $(CHART)/files/monitoring
	cp $(MONITORING)/podmonitor-operator.yaml $(MONITORING)/podmonitor-masters.yaml $(MONITORING)/prometheusrule.yaml \
	  $(MONITORING)/dashboards/crawlermaster.json $(CHART)/files/monitoring/

##@ Monitoring

.PHONY: monitoring-rules
monitoring-rules: ## Write deploy/monitoring/prometheusrule.yaml from the rule file deploy/monitoring/rules/crawler.rules.yaml.
	@{ echo "# Generated by make monitoring-rules from rules/crawler.rules.yaml (the source; edit that one)."; \
	  echo "apiVersion: monitoring.coreos.com/v1"; echo "kind: PrometheusRule"; echo "metadata:"; \
	  echo "  name: crawler-operator"; echo "  namespace: crawler-system"; echo "  labels:"; \
	  echo "    app.kubernetes.io/name: crawler-operator"; echo "spec:"; \
	  grep -v '^#' $(MONITORING)/rules/crawler.rules.yaml | sed 's/^/  /'; } > $(MONITORING)/prometheusrule.yaml

.PHONY: check-rules
check-rules: tools ## promtool check rules and promtool test rules on deploy/monitoring/rules (the pinned promtool).
	$(PROMTOOL) check rules $(MONITORING)/rules/crawler.rules.yaml
	cd $(MONITORING)/rules && $(PROMTOOL) test rules crawler.rules.test.yaml

.PHONY: helm-lint
helm-lint: tools ## Lint the Helm chart (charts/crawler-operator) with the pinned Helm.
	$(HELM) lint --strict $(CHART)

.PHONY: helm-template
helm-template: tools ## Render the Helm chart with default values to stdout.
	@$(HELM) template crawler-operator $(CHART) --namespace crawler-system --include-crds

##@ End-to-end

.PHONY: e2e
e2e: tools ## Failover e2e on a real cluster: kind if `docker info` works, else a local one (root, Debian); results in target/e2e/.
	IMG=$(E2E_IMG) KIND_CLUSTER=$(KIND_CLUSTER) KEEP_CLUSTER=$(KEEP_CLUSTER) E2E_PROVIDER=$(E2E_PROVIDER) hack/e2e.sh

.PHONY: e2e-kind
e2e-kind: ## The e2e on a kind cluster (needs kind and a Docker engine); KEEP_CLUSTER=1 keeps it.
	$(MAKE) e2e E2E_PROVIDER=kind

.PHONY: e2e-local
e2e-local: ## The e2e on the local cluster of hack/local-cluster.sh (root, Debian 12, no Docker needed).
	$(MAKE) e2e E2E_PROVIDER=local

.PHONY: local-cluster-up
local-cluster-up: ## Start the local single-node cluster (provisions on first use); prints its kubeconfig.
	hack/local-cluster.sh up

.PHONY: local-cluster-down
local-cluster-down: ## Stop the local cluster and remove every trace of it from the host.
	hack/local-cluster.sh down
