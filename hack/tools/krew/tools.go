//go:build tools

// Package tools pins krew for hack/provision-tools.sh, which builds sigs.k8s.io/krew/cmd/krew
// from this module: the import keeps `go mod tidy` from dropping the requirement.
package tools

import _ "sigs.k8s.io/krew/cmd/krew"
