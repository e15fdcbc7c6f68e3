// Package envtestbinaries tests hack/envtest-binaries.sh's choice between
// the binaries already on the machine, the prebuilt download and the build
// from source, with the download and the build replaced by stubs.
package envtestbinaries
