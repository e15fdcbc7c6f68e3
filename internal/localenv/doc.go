// Package localenv runs the operator the way a user runs it, on one machine:
// a local control plane (etcd and kube-apiserver, the envtest binaries) with
// the project's CRDs, the EC2 simulator binary seeded with a VPC, and the
// manager binary pointed at both. The local demo (cmd/local) and the
// end-to-end tests (test/e2e) share it, so the demo is what the tests check.
//
// Every component is a separate process, started from the binaries that
// `make demo` builds, and driven through its public interfaces: kubectl for
// Kubernetes, the EC2 API (through the AWS SDK) for the simulator.
package localenv
