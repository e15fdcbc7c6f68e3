/*
Copyright 2026 The agentcore-vpce-operator Authors.

Licensed under the Apache License, Version 2.0.
*/

package docs_test

import (
	"sort"
	"strings"
	"testing"

	"github.com/agentcore-io/vpce-operator/internal/testenv"
)

// TestEveryManagerFlagIsInTheInstallGuide finds the flags cmd/manager/main.go
// defines with the flag package and wants each, as --name in backticks, in
// docs/install.md: a flag is only as useful as the line that says it exists.
// Flags that libraries register (zap's logging flags, --kubeconfig) are not
// in main.go and not checked here.
func TestEveryManagerFlagIsInTheInstallGuide(t *testing.T) {
	const guide = "docs/install.md"
	flags, err := testenv.ManagerFlags()
	if err != nil {
		t.Fatal(err)
	}
	documented := codeSpans(proseLines(readRepoFile(t, guide)))
	var missing []string
	for _, f := range flags {
		if !documented["--"+f] {
			missing = append(missing, "--"+f)
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		t.Errorf("%s does not document these flags of %s; write each as `--name` with its default:\n  %s",
			guide, testenv.ManagerSource, strings.Join(missing, "\n  "))
	}
}
