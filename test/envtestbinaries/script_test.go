package envtestbinaries_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/agentcore-io/vpce-operator/internal/testenv"
)

const version = "1.37.2"

// stub writes an executable script that fills its first argument with the
// three binaries (or fails), and records that it ran.
func stub(t *testing.T, name string, succeed bool) (path, ranMarker string) {
	t.Helper()
	dir := t.TempDir()
	ranMarker = filepath.Join(dir, "ran")
	body := "#!/usr/bin/env bash\nset -e\ntouch '" + ranMarker + "'\n"
	if succeed {
		body += "for b in kube-apiserver etcd kubectl; do printf '#!/bin/sh\\n' > \"$1/$b\"; chmod +x \"$1/$b\"; done\n"
	} else {
		body += "echo 'connection refused' >&2\nexit 1\n"
	}
	path = filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(body), 0o755); err != nil {
		t.Fatal(err)
	}
	return path, ranMarker
}

type run struct {
	stdout, stderr string
	err            error
}

func runScript(t *testing.T, env ...string) run {
	t.Helper()
	cmd := exec.Command("bash", filepath.Join(testenv.RepoRoot(), "hack", "envtest-binaries.sh"))
	cmd.Env = append(os.Environ(), env...)
	var out, errOut strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	return run{stdout: out.String(), stderr: errOut.String(), err: err}
}

func ran(marker string) bool {
	_, err := os.Stat(marker)
	return err == nil
}

func TestTheScriptTakesThePrebuiltBinariesWhenTheDownloadWorks(t *testing.T) {
	bin, cache := t.TempDir(), t.TempDir()
	download, downloaded := stub(t, "download", true)
	build, built := stub(t, "build", true)
	r := runScript(t, "ENVTEST_BIN_DIR="+bin, "ENVTEST_CACHE_DIR="+cache, "ENVTEST_PREBUILT_CMD="+download, "ENVTEST_SOURCE_CMD="+build)
	if r.err != nil {
		t.Fatalf("%v\n%s", r.err, r.stderr)
	}
	if !ran(downloaded) || ran(built) {
		t.Fatalf("download ran %t, source build ran %t; want only the download\n%s", ran(downloaded), ran(built), r.stderr)
	}
	if !strings.Contains(r.stderr, "downloaded the prebuilt binaries") {
		t.Errorf("the script does not say it took the download:\n%s", r.stderr)
	}
	assertBinaries(t, filepath.Join(bin, version))
	assertBinaries(t, filepath.Join(cache, version))
	assertPrinted(t, r, filepath.Join(bin, version))
}

func TestTheScriptBuildsFromSourceWhenTheDownloadFails(t *testing.T) {
	bin, cache := t.TempDir(), t.TempDir()
	download, downloaded := stub(t, "download", false)
	build, built := stub(t, "build", true)
	r := runScript(t, "ENVTEST_BIN_DIR="+bin, "ENVTEST_CACHE_DIR="+cache, "ENVTEST_PREBUILT_CMD="+download, "ENVTEST_SOURCE_CMD="+build)
	if r.err != nil {
		t.Fatalf("%v\n%s", r.err, r.stderr)
	}
	if !ran(downloaded) || !ran(built) {
		t.Fatalf("download ran %t, source build ran %t; want both, the build after the failed download\n%s", ran(downloaded), ran(built), r.stderr)
	}
	if !strings.Contains(r.stderr, "could not be downloaded (refused or timed out): building from source") {
		t.Errorf("the script does not say why it builds from source:\n%s", r.stderr)
	}
	assertBinaries(t, filepath.Join(bin, version))
	assertPrinted(t, r, filepath.Join(bin, version))
}

func TestTheScriptReusesBinariesAlreadyOnTheMachine(t *testing.T) {
	bin, cache := t.TempDir(), t.TempDir()
	fill, _ := stub(t, "fill", true)
	if err := os.MkdirAll(filepath.Join(cache, version), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := exec.Command(fill, filepath.Join(cache, version)).Run(); err != nil {
		t.Fatal(err)
	}
	download, downloaded := stub(t, "download", true)
	build, built := stub(t, "build", true)
	r := runScript(t, "ENVTEST_BIN_DIR="+bin, "ENVTEST_CACHE_DIR="+cache, "ENVTEST_PREBUILT_CMD="+download, "ENVTEST_SOURCE_CMD="+build)
	if r.err != nil {
		t.Fatalf("%v\n%s", r.err, r.stderr)
	}
	if ran(downloaded) || ran(built) {
		t.Fatalf("download ran %t, source build ran %t; want neither\n%s", ran(downloaded), ran(built), r.stderr)
	}
	assertBinaries(t, filepath.Join(bin, version))
	assertPrinted(t, r, filepath.Join(bin, version))
}

// assertBinaries checks that dir holds the three binaries.
func assertBinaries(t *testing.T, dir string) {
	t.Helper()
	for _, b := range []string{"kube-apiserver", "etcd", "kubectl"} {
		if info, err := os.Stat(filepath.Join(dir, b)); err != nil || info.Mode()&0o111 == 0 {
			t.Errorf("%s/%s: %v", dir, b, err)
		}
	}
}

// assertPrinted checks that the script's last line is dir, the value for
// KUBEBUILDER_ASSETS.
func assertPrinted(t *testing.T, r run, dir string) {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if last := lines[len(lines)-1]; last != dir {
		t.Errorf("last line %q, want %s", last, dir)
	}
}
