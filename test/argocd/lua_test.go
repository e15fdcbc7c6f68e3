/*
Copyright 2026 The agentcore-vpce-operator Authors.

Licensed under the Apache License, Version 2.0.
*/

package argocd_test

import (
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/agentcore-io/vpce-operator/internal/argocdhealth"
)

const (
	repoRoot  = "../.."
	configDir = repoRoot + "/config/argocd"
)

type health = argocdhealth.Health

// healthCase is one object and the health Argo CD must show for it.
type healthCase struct {
	name   string
	object string // YAML
	want   health
}

func runHealthCases(t *testing.T, kind string, cases []healthCase) {
	t.Helper()
	script, err := argocdhealth.ReadScript(repoRoot, kind)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			object := map[string]any{}
			if err := yaml.Unmarshal([]byte(tc.object), &object); err != nil {
				t.Fatalf("parsing the object: %v", err)
			}
			got, err := argocdhealth.Evaluate(script, object)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("health = %+v\nwant     %+v", got, tc.want)
			}
		})
	}
}
