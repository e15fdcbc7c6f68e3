/*
Copyright 2026 The agentcore-vpce-operator Authors.

Licensed under the Apache License, Version 2.0.
*/

package iampolicy

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
)

const (
	// ClusterVariable is the policy variable the template compares the
	// cluster tag with.
	ClusterVariable = "${aws:PrincipalTag/eks-cluster-name}"
	// PodIdentityClusterTag is the session tag EKS Pod Identity sets to the
	// cluster's name (https://docs.aws.amazon.com/eks/latest/userguide/pod-id-abac.html).
	PodIdentityClusterTag = "eks-cluster-name"
	// TemplatePath is the template's path in the repository.
	TemplatePath = "config/iam/policy.json"
)

// principalTagVariablePrefix starts every principal-tag variable, none of
// which an IRSA session can resolve.
const principalTagVariablePrefix = "${aws:PrincipalTag/"

// clusterName is EKS's rule for cluster names, as hack/iam-policy.sh checks it:
// 1 to 100 ASCII letters, digits, hyphens and underscores, starting with a
// letter or digit.
var clusterName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$`)

// ErrInvalidClusterName is returned for a name EKS would not accept.
var ErrInvalidClusterName = errors.New("invalid cluster name: an EKS cluster name has 1 to 100 letters, digits, hyphens and underscores and starts with a letter or digit")

// Render returns template with cluster in place of every ClusterVariable,
// byte for byte what hack/iam-policy.sh writes: the script's command
// substitution drops the trailing newlines and printf adds one back. It
// refuses what the script refuses: an invalid name, a template without the
// variable, and a result that still holds a principal-tag variable.
func Render(template []byte, cluster string) ([]byte, error) {
	if !clusterName.MatchString(cluster) {
		return nil, fmt.Errorf("%w: %q", ErrInvalidClusterName, cluster)
	}
	if !bytes.Contains(template, []byte(ClusterVariable)) {
		return nil, fmt.Errorf("the policy template does not contain %s; nothing to render", ClusterVariable)
	}
	rendered := bytes.ReplaceAll(template, []byte(ClusterVariable), []byte(cluster))
	if bytes.Contains(rendered, []byte(principalTagVariablePrefix)) {
		return nil, errors.New("a principal-tag variable is left in the rendered policy; IRSA sessions carry no principal tags")
	}
	return append(bytes.TrimRight(rendered, "\n"), '\n'), nil
}

// PodIdentityTags are the principal tags of an EKS Pod Identity session in
// cluster that the template uses.
func PodIdentityTags(cluster string) map[string]string {
	return map[string]string{PodIdentityClusterTag: cluster}
}
