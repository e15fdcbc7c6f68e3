/*
Copyright 2026 The agentcore-vpce-operator Authors.

Licensed under the Apache License, Version 2.0.
*/

// Package iam checks config/iam/policy.json, the IAM policy the operator's
// role needs, against the code and against the requests it must allow and
// refuse. It must grant exactly the EC2 actions of the awsclient.EC2API
// interface plus the dependent actions those calls trigger; every action that
// changes something must be bound to the vpce.agentcore.io/cluster tag with
// this cluster's name as the value (the EKS Pod Identity session tag in the
// template, the literal name in the IRSA form hack/iam-policy.sh renders),
// unless the test names the untagged resource it needs and why; ownership
// tags can be written only at creation or when adopting an endpoint nobody
// owns yet. A small evaluator of the policy grammar the file uses runs the
// operator's requests, and those of other clusters, against both forms.
// docs/install.md's tables are checked against the same lists.
package iam
