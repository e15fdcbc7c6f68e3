// Package verify tests the project's own guard against stale generated files:
// `make verify` must pass on a clean checkout and fail when an API type
// changes without `make generate`.
package verify
