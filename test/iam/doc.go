/*
Copyright 2026 The agentcore-vpce-operator Authors.

Licensed under the Apache License, Version 2.0.
*/

// Package iam checks config/iam/policy.json, the IAM policy the operator's
// role needs, against the code: it must grant exactly the EC2 actions of the
// awsclient.EC2API interface, and every action that changes something must
// be bound to the tags the operator puts on what it creates, unless the test
// names the untagged resource it needs and why.
package iam
