//go:build tools

// Package tools pins controller-gen and prometheus-operator's monitoring API types for
// hack/provision-tools.sh: the imports keep `go mod tidy` from dropping the requirements.
package tools

import (
	_ "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	_ "sigs.k8s.io/controller-tools/cmd/controller-gen"
)
