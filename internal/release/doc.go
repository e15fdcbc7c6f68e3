// Package release renders what a release ships: dist/install.yaml, which is
// config/default as kustomize builds it with the manager's image set to the
// release's, and the Helm chart packaged with the release's version. `make
// release` (hack/release) and the tests in test/chart call the same
// functions, so what is tested is what is shipped.
package release
