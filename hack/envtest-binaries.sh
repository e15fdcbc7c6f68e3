#!/usr/bin/env bash
# Provides kube-apiserver, etcd and kubectl for envtest. It tries, in order:
#   1. the binaries already here (bin/k8s/<version>/) or built earlier on this
#      machine (~/.cache/agentcore-vpce-operator/k8s/<version>/);
#   2. the prebuilt binaries controller-runtime's setup-envtest downloads
#      (seconds, where the machine reaches GitHub: a connect probe of a few
#      seconds decides);
#   3. a build from source through the Go module proxy (about 18 minutes on
#      2 cores), for machines without internet beyond the proxy.
# It says on stderr which path it took.
#
# Usage: hack/envtest-binaries.sh
#   Prints the directory holding the binaries on its last line (use it as
#   KUBEBUILDER_ASSETS); progress goes to stderr.
#
# Settings (environment): K8S_VERSION; ENVTEST_BIN_DIR (default bin/k8s);
# ENVTEST_CACHE_DIR; ENVTEST_CONNECT_TIMEOUT (seconds, default 5). For the
# script's own tests, ENVTEST_PREBUILT_CMD and ENVTEST_SOURCE_CMD replace the
# download and the source build: each is run with the directory to fill.
set -euo pipefail

K8S_VERSION="${K8S_VERSION:-1.37.2}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="${ENVTEST_BIN_DIR:-${ROOT}/bin/k8s}/${K8S_VERSION}"
SETUP_ENVTEST_VERSION="v0.25.1"
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
finish() {
  if keep 2>/dev/null; then
    log "kept a copy for other checkouts on this machine in ${SHARED}"
  fi
  log "done"
  echo "${DEST}"
}

# prebuilt downloads the binaries into $1 with setup-envtest, or fails fast
# when the download host cannot be reached.
prebuilt() {
  if [[ -n "${ENVTEST_PREBUILT_CMD:-}" ]]; then
    "${ENVTEST_PREBUILT_CMD}" "$1"
    return
  fi
  curl -fsS -o /dev/null --connect-timeout "${ENVTEST_CONNECT_TIMEOUT:-5}" --max-time 20 \
    https://github.com/kubernetes-sigs/controller-tools/releases 2>/dev/null || return 1
  GOBIN="${WORK}/tools" go install "sigs.k8s.io/controller-runtime/tools/setup-envtest@${SETUP_ENVTEST_VERSION}" >&2 || return 1
  local dir
  dir="$(timeout 300 "${WORK}/tools/setup-envtest" use "${K8S_VERSION}" --bin-dir "${WORK}/prebuilt" -p path)" || return 1
  cp "${dir}/kube-apiserver" "${dir}/etcd" "${dir}/kubectl" "$1/"
}

mkdir -p "${WORK}/out"
if prebuilt "${WORK}/out" && have "${WORK}/out"; then
  mv "${WORK}/out/etcd" "${WORK}/out/kubectl" "${WORK}/out/kube-apiserver" "${DEST}/"
  log "downloaded the prebuilt binaries v${K8S_VERSION} (setup-envtest ${SETUP_ENVTEST_VERSION}) into ${DEST}"
  finish
  exit 0
fi
log "the prebuilt binaries could not be downloaded (refused or timed out): building from source instead"
if [[ -n "${ENVTEST_SOURCE_CMD:-}" ]]; then
  "${ENVTEST_SOURCE_CMD}" "${WORK}/out"
  mv "${WORK}/out/etcd" "${WORK}/out/kubectl" "${WORK}/out/kube-apiserver" "${DEST}/"
  log "built from source into ${DEST}"
  finish
  exit 0
fi
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
log "built from source into ${DEST}"
finish
