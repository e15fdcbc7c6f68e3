/*
Copyright 2026 The agentcore-vpce-operator Authors.

Licensed under the Apache License, Version 2.0.
*/

// Package iampolicy renders the operator's shipped IAM policy
// (config/iam/policy.json) for one cluster, exactly as hack/iam-policy.sh
// does for IRSA: the cluster name replaces every
// ${aws:PrincipalTag/eks-cluster-name}, the EKS Pod Identity session tag the
// template compares the vpce.agentcore.io/cluster tag with.
//
// Tests of the EC2 simulator and of the operator import it to run the
// policy both ways: unrendered with the session tag as a principal tag (Pod
// Identity), rendered with none (IRSA). The package is pure: no AWS, no
// Kubernetes, no file system.
package iampolicy
