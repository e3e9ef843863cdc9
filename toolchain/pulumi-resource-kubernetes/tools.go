//go:build tools

// Package tools pins the Kubernetes provider's main package for `go mod tidy`.
// scripts/toolchain.sh builds it from a patched copy of the module (the
// generated schema-embed.json is not in the module zip). This wrapper pins a
// STAND-IN commit; see toolchain/README.md.
package tools

import _ "github.com/pulumi/pulumi-kubernetes/provider/v4/cmd/pulumi-resource-kubernetes"
