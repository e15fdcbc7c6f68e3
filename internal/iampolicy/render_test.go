/*
Copyright 2026 The agentcore-vpce-operator Authors.

Licensed under the Apache License, Version 2.0.
*/

package iampolicy_test

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/agentcore-io/vpce-operator/internal/iampolicy"
)

func repoRoot(t *testing.T) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("cannot locate the test file")
	}
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// runScript runs hack/iam-policy.sh with template as POLICY_TEMPLATE.
func runScript(t *testing.T, template []byte, cluster string) (out []byte, ok bool) {
	t.Helper()
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skipf("hack/iam-policy.sh needs bash: %v", err)
	}
	path := filepath.Join(t.TempDir(), "policy.json")
	if err := os.WriteFile(path, template, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bash, filepath.Join(repoRoot(t), "hack", "iam-policy.sh"), "--", cluster)
	cmd.Env = append(os.Environ(), "POLICY_TEMPLATE="+path)
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	err = cmd.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("running hack/iam-policy.sh: %v", err)
	}
	return stdout.Bytes(), err == nil
}

func TestRenderWritesWhatTheScriptWrites(t *testing.T) {
	shipped, err := os.ReadFile(filepath.Join(repoRoot(t), filepath.FromSlash(iampolicy.TemplatePath)))
	if err != nil {
		t.Fatal(err)
	}
	v := iampolicy.ClusterVariable
	templates := map[string][]byte{
		"the shipped template":              shipped,
		"no trailing newline":               []byte(`{"a":"` + v + `"}`),
		"several trailing newlines":         []byte(`{"a":"` + v + `"}` + "\n\n\n"),
		"the variable twice on a line":      []byte(`{"a":"` + v + v + `"}` + "\n"),
		"CRLF line ends":                    []byte("{\r\n\"a\": \"" + v + "\"\r\n}\r\n"),
		"another principal tag stays":       []byte(`{"a":"` + v + `","b":"${aws:PrincipalTag/team}"}`),
		"no variable to replace":            []byte(`{"a":"b"}`),
		"leading blank lines are kept":      []byte("\n\n{\"a\":\"" + v + "\"}\n"),
		"a variable split across two lines": []byte("{\"a\":\"${aws:PrincipalTag/\neks-cluster-name}\"}\n"),
	}
	clusters := []string{"test-cluster", "a", "Prod_EKS-2", strings.Repeat("c", 100), "", "-x", "a b", "x/y", "a&b", `a\1`, "prod.eks", strings.Repeat("c", 101), "ünïcode"}
	for name, template := range templates {
		for _, cluster := range clusters {
			want, scriptOK := runScript(t, template, cluster)
			got, err := iampolicy.Render(template, cluster)
			if (err == nil) != scriptOK {
				t.Errorf("%s, cluster %q: Render error = %v, the script succeeded = %v", name, cluster, err, scriptOK)
				continue
			}
			if scriptOK && !bytes.Equal(got, want) {
				t.Errorf("%s, cluster %q: Render wrote\n%q\nthe script wrote\n%q", name, cluster, got, want)
			}
		}
	}
}

func TestRenderRefusesNamesEKSWouldNot(t *testing.T) {
	_, err := iampolicy.Render([]byte(iampolicy.ClusterVariable), "bad name")
	if !errors.Is(err, iampolicy.ErrInvalidClusterName) {
		t.Fatalf("Render with a space in the name: err = %v, want ErrInvalidClusterName", err)
	}
}
