//go:build tools

// Package tools pins Helm for hack/provision-tools.sh, which builds
// helm.sh/helm/v3/cmd/helm from this module (`go build helm.sh/helm/v3/cmd/helm`):
// the import keeps `go mod tidy` from dropping the requirement.
package tools

import _ "helm.sh/helm/v3/cmd/helm"
