#!/usr/bin/env bash
# Renders the operator's IAM policy for one cluster, for IRSA.
#
# config/iam/policy.json is written for EKS Pod Identity: every tag condition
# compares the vpce.agentcore.io/cluster tag with ${aws:PrincipalTag/eks-cluster-name},
# the session tag Pod Identity puts on the role session. IRSA sessions carry no
# such tag, so for IRSA the policy needs the cluster name written in. This
# script replaces every occurrence of the variable with the name and checks
# that none is left.
#
# Usage: hack/iam-policy.sh [-o FILE] CLUSTER_NAME
#   CLUSTER_NAME  the EKS cluster name, which the manager's --cluster-name must
#                 equal: 1 to 100 letters, digits, hyphens and underscores,
#                 starting with a letter or digit (EKS's own rule).
#   -o FILE       write the policy to FILE instead of stdout.
# POLICY_TEMPLATE overrides the template (default config/iam/policy.json).
set -euo pipefail
export LC_ALL=C # [A-Za-z] means ASCII letters only

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TEMPLATE="${POLICY_TEMPLATE:-${ROOT}/config/iam/policy.json}"
VARIABLE='${aws:PrincipalTag/eks-cluster-name}'

die() { printf 'iam-policy: %s\n' "$*" >&2; exit 2; }
usage() { die "usage: hack/iam-policy.sh [-o FILE] CLUSTER_NAME (the EKS cluster name, as the manager's --cluster-name)"; }

out=""
while getopts ":o:" opt; do
  case "${opt}" in
    o) out="${OPTARG}" ;;
    *) usage ;;
  esac
done
shift $((OPTIND - 1))
[[ $# -eq 1 ]] || usage
cluster="$1"

[[ -n "${cluster}" ]] || die "the cluster name is empty; pass the EKS cluster name (the manager's --cluster-name)"
if [[ ! "${cluster}" =~ ^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$ ]]; then
  die "invalid cluster name '${cluster}': an EKS cluster name has 1 to 100 letters, digits, hyphens and underscores and starts with a letter or digit"
fi
[[ -r "${TEMPLATE}" ]] || die "cannot read the policy template ${TEMPLATE}"
grep -qF "${VARIABLE}" "${TEMPLATE}" || die "${TEMPLATE} does not contain ${VARIABLE}; nothing to render"

# The name is validated above, so it holds no character special to sed.
rendered="$(sed "s|\${aws:PrincipalTag/eks-cluster-name}|${cluster}|g" "${TEMPLATE}")"
if grep -qF '${aws:PrincipalTag/' <<<"${rendered}"; then
  die "a principal-tag variable is left in the rendered policy; IRSA sessions carry no principal tags"
fi

if [[ -z "${out}" ]]; then
  printf '%s\n' "${rendered}"
else
  mkdir -p "$(dirname "${out}")"
  printf '%s\n' "${rendered}" >"${out}.tmp"
  mv "${out}.tmp" "${out}"
  printf 'iam-policy: wrote %s for cluster %s\n' "${out}" "${cluster}" >&2
fi
