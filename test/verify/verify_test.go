package verify_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// run runs a command in dir and returns its combined output and error.
func run(t *testing.T, dir string, name string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func TestMakeVerifyPassesOnACleanCheckoutAndFailsWhenATypeChangesWithoutRegeneration(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	// A clone holds what is committed: the check is about the mechanism, on
	// the tree as CI sees it, not about this working tree's edits.
	repo := filepath.Join(t.TempDir(), "repo")
	if out, err := run(t, root, "git", "clone", "--quiet", "--local", "--no-hardlinks", root, repo); err != nil {
		t.Fatalf("git clone: %v\n%s", err, out)
	}
	// The tools already installed in this checkout's bin/ serve the clone.
	verify := []string{"-C", repo, "LOCALBIN=" + filepath.Join(root, "bin"), "verify"}

	if out, err := run(t, repo, "make", verify...); err != nil {
		t.Fatalf("make verify on a clean checkout failed: %v\n%s", err, out)
	}

	types := filepath.Join(repo, "api", "v1alpha1", "gatewayendpoint_types.go")
	src, err := os.ReadFile(types)
	if err != nil {
		t.Fatal(err)
	}
	const anchor = "type GatewayEndpointSpec struct {\n"
	if !strings.Contains(string(src), anchor) {
		t.Fatalf("%s has no %q to add a field to", types, anchor)
	}
	changed := strings.Replace(string(src), anchor, anchor+
		"\t// Extra is a field added without regenerating the CRD.\n\t// +optional\n\tExtra string `json:\"extra,omitempty\"`\n", 1)
	if err := os.WriteFile(types, []byte(changed), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := run(t, repo, "git", "-c", "user.name=verify", "-c", "user.email=verify@example.com",
		"commit", "--quiet", "-am", "a field without regeneration"); err != nil {
		t.Fatalf("git commit: %v\n%s", err, out)
	}

	out, err := run(t, repo, "make", verify...)
	if err == nil {
		t.Fatalf("make verify passed with a type changed and the CRD not regenerated:\n%s", out)
	}
	for _, want := range []string{"generated files are out of date", "config/crd/bases/vpce.agentcore.io_gatewayendpoints.yaml"} {
		if !strings.Contains(out, want) {
			t.Errorf("make verify output lacks %q:\n%s", want, out)
		}
	}
}
