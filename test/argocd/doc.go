/*
Copyright 2026 The agentcore-vpce-operator Authors.

Licensed under the Apache License, Version 2.0.
*/

// Package argocd tests the Argo CD health checks in config/argocd: it runs
// each health.lua in gopher-lua, the interpreter Argo CD embeds, with the
// same restricted libraries Argo CD gives scripts from argocd-cm, against
// every case of its health_test.yaml (objects the operator wrote, see
// controllers/healthfixtures_test.go) and a few hand-written edge cases, and
// checks that the argocd-cm snippet carries exactly the scripts that were
// tested.
package argocd
