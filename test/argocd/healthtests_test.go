/*
Copyright 2026 The agentcore-vpce-operator Authors.

Licensed under the Apache License, Version 2.0.
*/

package argocd_test

import (
	"os"
	"path"
	"path/filepath"
	"testing"

	"github.com/agentcore-io/vpce-operator/internal/argocdhealth"
)

// kinds are the operator's kinds, each with a health check.
var kinds = []string{"GatewayEndpoint", "GatewayAccessPolicy"}

// TestEveryHealthTestCaseGetsItsHealth runs each kind's health_test.yaml as
// Argo CD's resource_customizations tests do: every object in testdata/
// through health.lua, wanting the status and message the case names. The
// objects are the ones the operator wrote in the controllers' kstatus tests
// (go test ./controllers/ -run HealthFixtures -update rewrites them), so
// the script is tested against what the operator actually writes.
func TestEveryHealthTestCaseGetsItsHealth(t *testing.T) {
	for _, kind := range kinds {
		t.Run(kind, func(t *testing.T) {
			dir := argocdhealth.KindDir(repoRoot, kind)
			script, err := argocdhealth.ReadScript(repoRoot, kind)
			if err != nil {
				t.Fatal(err)
			}
			cases, err := argocdhealth.ReadTestCases(dir)
			if err != nil {
				t.Fatal(err)
			}
			if len(cases.Tests) == 0 {
				t.Fatalf("%s has no test case", filepath.Join(dir, argocdhealth.TestsFile))
			}
			tested := map[string]bool{}
			for _, tc := range cases.Tests {
				tested[path.Clean(tc.InputPath)] = true
				t.Run(tc.InputPath, func(t *testing.T) {
					object, err := argocdhealth.ReadObject(dir, tc.InputPath)
					if err != nil {
						t.Fatal(err)
					}
					got, err := argocdhealth.Evaluate(script, object)
					if err != nil {
						t.Fatal(err)
					}
					if got != tc.HealthStatus {
						t.Errorf("health = %+v\nwant     %+v", got, tc.HealthStatus)
					}
				})
			}
			files, err := os.ReadDir(filepath.Join(dir, "testdata"))
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range files {
				if p := path.Join("testdata", f.Name()); !tested[p] {
					t.Errorf("%s is in no case of %s", p, argocdhealth.TestsFile)
				}
			}
		})
	}
}
