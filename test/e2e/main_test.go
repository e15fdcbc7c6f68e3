package e2e

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/agentcore-io/vpce-operator/internal/localenv"
	"github.com/agentcore-io/vpce-operator/internal/testenv"
)

// paths locate the binaries TestMain built and the envtest binaries.
var paths localenv.Paths

func TestMain(m *testing.M) {
	flag.Parse()
	if testing.Short() {
		fmt.Println("e2e: skipped in -short mode")
		os.Exit(0)
	}
	os.Exit(buildAndRun(m))
}

func buildAndRun(m *testing.M) int {
	binDir, err := os.MkdirTemp("", "vpce-e2e-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	defer os.RemoveAll(binDir)
	if paths, err = buildBinaries(binDir); err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	return m.Run()
}

// buildBinaries builds the manager, the simulators and the local environment
// from this checkout, so the tests never run stale binaries from bin/.
func buildBinaries(binDir string) (localenv.Paths, error) {
	root, err := localenv.FindRepoRoot(".")
	if err != nil {
		return localenv.Paths{}, err
	}
	assets, err := testenv.AssetsDir()
	if err != nil {
		return localenv.Paths{}, err
	}
	for _, name := range []string{"manager", "ec2sim", "gatewaysim", "local"} {
		cmd := exec.Command("go", "build", "-o", filepath.Join(binDir, name), "./cmd/"+name)
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			return localenv.Paths{}, fmt.Errorf("building cmd/%s: %w\n%s", name, err, out)
		}
	}
	return localenv.Paths{RepoRoot: root, BinDir: binDir, AssetsDir: assets}, nil
}
