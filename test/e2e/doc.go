// Package e2e tests the operator end to end, the way a user runs it: the
// manager, EC2 simulator and local-environment binaries built from this
// repository, kubectl, and a local control plane (etcd and kube-apiserver),
// each a separate process (see internal/localenv).
//
// The tests build their own binaries into a temporary directory and need the
// envtest binaries (make envtest). They take a minute or two; -short skips
// them. Run them with make e2e.
package e2e
