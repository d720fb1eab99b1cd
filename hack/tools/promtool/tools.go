//go:build tools

// Package tools pins Prometheus for hack/provision-tools.sh, which builds
// github.com/prometheus/prometheus/cmd/promtool from this module: the import
// keeps `go mod tidy` from dropping the requirement.
package tools

import _ "github.com/prometheus/prometheus/cmd/promtool"
