#!/usr/bin/env bash
# Provides kube-apiserver, etcd and kubectl for envtest by building them from
# source through the Go module proxy: prebuilt binary downloads (setup-envtest)
# are not reachable from our build machines. The result is cached in
# bin/k8s/<version>/ so only the first run pays (several minutes on 2 cores).
#
# Usage: hack/envtest-binaries.sh
#   Prints the directory holding the binaries on its last line (use it as
#   KUBEBUILDER_ASSETS); progress goes to stderr.
set -euo pipefail

K8S_VERSION="${K8S_VERSION:-1.37.2}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="${ROOT}/bin/k8s/${K8S_VERSION}"
log() { printf 'envtest-binaries: %s\n' "$*" >&2; }

# A machine-wide copy outside the checkout lets a fresh clone on the same
# machine (CI, a second worktree) skip the build.
SHARED="${ENVTEST_CACHE_DIR:-${XDG_CACHE_HOME:-${HOME}/.cache}/agentcore-vpce-operator/k8s}/${K8S_VERSION}"
have() { [[ -x "$1/kube-apiserver" && -x "$1/etcd" && -x "$1/kubectl" ]]; }

if have "${DEST}"; then
  echo "${DEST}"
  exit 0
fi
if have "${SHARED}"; then
  mkdir -p "${DEST}"
  cp "${SHARED}/kube-apiserver" "${SHARED}/etcd" "${SHARED}/kubectl" "${DEST}/"
  log "reused the binaries built earlier on this machine (${SHARED})"
  echo "${DEST}"
  exit 0
fi

mkdir -p "${DEST}"
WORK="$(mktemp -d)"
trap 'rm -rf "${WORK}"' EXIT
cd "${WORK}"

log "building kube-apiserver, etcd and kubectl v${K8S_VERSION} from source into ${DEST}"
log "this happens once per machine and takes several minutes; later runs reuse the binaries"

export GOFLAGS="-mod=mod"
export CGO_ENABLED=0
go mod init envtest-binaries >/dev/null 2>&1

# k8s.io/kubernetes refers to its staging repositories as v0.0.0 with local
# replaces; a module that requires it must replace each with the matching
# published v0.<minor>.<patch>. Read the list from its own go.mod.
log "resolving k8s.io/kubernetes v${K8S_VERSION} and its staging modules"
K8S_GOMOD="$(go mod download -json "k8s.io/kubernetes@v${K8S_VERSION}" | sed -n 's/.*"GoMod": "\(.*\)",/\1/p')"
STAGING_VERSION="v0.${K8S_VERSION#1.}"
go mod edit -require="k8s.io/kubernetes@v${K8S_VERSION}"
for mod in $(sed -n 's#^\s*\(k8s.io/[a-z0-9-]*\) => ./staging/.*#\1#p' "${K8S_GOMOD}"); do
  go mod edit -replace="${mod}=${mod}@${STAGING_VERSION}"
done
# etcd: the server version Kubernetes itself is tested with.
ETCD_VERSION="$(sed -n 's#^\s*go.etcd.io/etcd/client/v3 \(v[0-9.]*\).*#\1#p' "${K8S_GOMOD}" | head -n1)"
go mod edit -require="go.etcd.io/etcd/server/v3@${ETCD_VERSION}"

cat > tools.go <<'GO'
//go:build tools

package tools

import (
	_ "go.etcd.io/etcd/server/v3"
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kubectl"
)
GO
log "downloading modules (go mod tidy)"
go mod tidy >/dev/null 2>&1 || go mod tidy

# Build into the scratch directory and move into place, so that an
# interrupted run never leaves a half-written binary that looks cached.
log "building etcd ${ETCD_VERSION}"
go build -trimpath -ldflags='-s -w' -o "${WORK}/etcd" go.etcd.io/etcd/server/v3
log "building kubectl"
go build -trimpath -ldflags='-s -w' -o "${WORK}/kubectl" k8s.io/kubernetes/cmd/kubectl
log "building kube-apiserver (the longest step)"
go build -trimpath -ldflags='-s -w' -o "${WORK}/kube-apiserver" k8s.io/kubernetes/cmd/kube-apiserver
mv "${WORK}/etcd" "${WORK}/kubectl" "${WORK}/kube-apiserver" "${DEST}/"
# Best effort: a read-only or full home only costs the next clone a build.
# Copied under a temporary name and renamed, so an interrupted copy never
# looks complete.
keep() {
  mkdir -p "${SHARED}" || return 1
  local b
  for b in etcd kubectl kube-apiserver; do
    cp "${DEST}/${b}" "${SHARED}/.${b}.partial" && mv "${SHARED}/.${b}.partial" "${SHARED}/${b}" || return 1
  done
}
if keep 2>/dev/null; then
  log "kept a copy for other checkouts on this machine in ${SHARED}"
fi
log "done"
echo "${DEST}"
