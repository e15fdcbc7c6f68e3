/*
Copyright 2026 The agentcore-vpce-operator Authors.

Licensed under the Apache License, Version 2.0.
*/

package iam_test

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/agentcore-io/vpce-operator/internal/testenv"
)

// TestRenderedPolicyIsTheTemplateWithTheClusterNameWrittenIn: the IRSA form
// differs from the template only in the cluster name standing where the
// session-tag variable stood, and carries no variable an IRSA session could
// not resolve.
func TestRenderedPolicyIsTheTemplateWithTheClusterNameWrittenIn(t *testing.T) {
	template, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), "config", "iam", "policy.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(template, []byte(clusterVariable)) {
		t.Fatalf("config/iam/policy.json never uses %s; the Pod Identity form pins the cluster tag to it", clusterVariable)
	}
	for _, cluster := range []string{testCluster, "a", "Prod_EKS-2", strings.Repeat("c", 100)} {
		rendered := renderPolicy(t, cluster)
		if bytes.Contains(rendered, []byte("${")) {
			t.Errorf("rendering for %s left a policy variable: %s", cluster, rendered)
		}
		var got, want any
		if err := json.Unmarshal(rendered, &got); err != nil {
			t.Fatalf("rendering for %s is not JSON: %v", cluster, err)
		}
		if err := json.Unmarshal(bytes.ReplaceAll(template, []byte(clusterVariable), []byte(cluster)), &want); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("rendering for %s is not the template with %s replaced by the name:\n%s", cluster, clusterVariable, rendered)
		}
	}
}

// TestRenderScriptRejectsWhatIsNotAnEKSClusterName: EKS cluster names are 1
// to 100 letters, digits, hyphens and underscores starting with a letter or
// digit; anything else is refused with a message and no output.
func TestRenderScriptRejectsWhatIsNotAnEKSClusterName(t *testing.T) {
	for _, name := range []string{"", "a b", "-x", "_x", "a|b", "x/y", `a"b`, "a\nb", "prod.eks", "ünïcode", strings.Repeat("c", 101)} {
		out, errOut, ok := runRenderScript(t, "--", name)
		if ok || len(out) > 0 {
			t.Errorf("%s accepted the cluster name %q", renderScript, name)
		}
		if !strings.HasPrefix(string(errOut), "iam-policy: ") {
			t.Errorf("%s %q said %q; want a message starting with iam-policy:", renderScript, name, errOut)
		}
	}
	if _, errOut, ok := runRenderScript(t); ok || !strings.Contains(string(errOut), "CLUSTER_NAME") {
		t.Errorf("%s without a cluster name: ok=%v, said %q; want a usage message naming CLUSTER_NAME", renderScript, ok, errOut)
	}
}

// TestMakeIAMPolicyRendersThroughTheScript: make iam-policy is documented
// with a ## help line, insists on CLUSTER_NAME and writes what the script
// renders to bin/iam-policy-<cluster>.json.
func TestMakeIAMPolicyRendersThroughTheScript(t *testing.T) {
	makefile, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`(?m)^iam-policy:.*## \S`).Match(makefile) {
		t.Errorf("the Makefile has no iam-policy target with a ## help comment")
	}
	makeBin, err := exec.LookPath("make")
	if err != nil {
		t.Skipf("make is not installed: %v", err)
	}
	run := func(args ...string) (string, bool) {
		cmd := exec.Command(makeBin, append([]string{"-s", "iam-policy"}, args...)...)
		cmd.Dir = testenv.RepoRoot()
		for _, e := range os.Environ() {
			if !strings.HasPrefix(e, "CLUSTER_NAME=") && !strings.HasPrefix(e, "MAKEFLAGS=") {
				cmd.Env = append(cmd.Env, e)
			}
		}
		out, err := cmd.CombinedOutput()
		return string(out), err == nil
	}

	bin := t.TempDir()
	if out, ok := run("LOCALBIN=" + bin); ok || !strings.Contains(out, "CLUSTER_NAME") {
		t.Errorf("make iam-policy without CLUSTER_NAME: ok=%v, said %q; want a failure naming CLUSTER_NAME", ok, out)
	}
	if out, ok := run("LOCALBIN="+bin, "CLUSTER_NAME=bad name"); ok {
		t.Errorf("make iam-policy accepted CLUSTER_NAME='bad name': %s", out)
	}
	if out, ok := run("LOCALBIN="+bin, "CLUSTER_NAME="+testCluster); !ok {
		t.Fatalf("make iam-policy CLUSTER_NAME=%s failed: %s", testCluster, out)
	}
	got, err := os.ReadFile(filepath.Join(bin, "iam-policy-"+testCluster+".json"))
	if err != nil {
		t.Fatalf("make iam-policy CLUSTER_NAME=%s wrote no bin/iam-policy-%s.json: %v", testCluster, testCluster, err)
	}
	if want := renderPolicy(t, testCluster); !bytes.Equal(got, want) {
		t.Errorf("make iam-policy wrote\n%s\nwant what %s renders:\n%s", got, renderScript, want)
	}
	entries, _ := os.ReadDir(bin)
	if len(entries) != 1 {
		t.Errorf("make iam-policy left %d files in LOCALBIN, want only the policy", len(entries))
	}
}
