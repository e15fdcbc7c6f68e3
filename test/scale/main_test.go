package scale

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sync"
	"testing"

	"github.com/go-logr/logr"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/agentcore-io/vpce-operator/internal/testenv"
)

func TestMain(m *testing.M) {
	flag.Parse()
	// The benchmark's own clients (the envtest start, the Ready watch) log nothing.
	ctrllog.SetLogger(logr.Discard())
	code := m.Run()
	if managerBuild.dir != "" {
		_ = os.RemoveAll(managerBuild.dir)
	}
	os.Exit(code)
}

// managerBuild is the manager binary, built from this tree once per run of the package
// and only when a benchmark needs it, and the flags its --help lists.
var managerBuild struct {
	once  sync.Once
	dir   string
	path  string
	flags map[string]bool
	err   error
}

// managerBinary builds cmd/manager from this checkout (never a stale bin/manager) and
// returns its path and the flags it accepts.
func managerBinary(b *testing.B) (string, map[string]bool) {
	b.Helper()
	managerBuild.once.Do(func() {
		managerBuild.dir, managerBuild.err = os.MkdirTemp("", "vpce-scale-bin-")
		if managerBuild.err != nil {
			return
		}
		managerBuild.path = filepath.Join(managerBuild.dir, "manager")
		build := exec.Command("go", "build", "-o", managerBuild.path, "./cmd/manager")
		build.Dir = testenv.RepoRoot()
		if out, err := build.CombinedOutput(); err != nil {
			managerBuild.err = fmt.Errorf("building cmd/manager: %w\n%s", err, out)
			return
		}
		managerBuild.flags, managerBuild.err = helpFlags(managerBuild.path)
	})
	if managerBuild.err != nil {
		b.Fatal(managerBuild.err)
	}
	return managerBuild.path, managerBuild.flags
}

var helpFlagLine = regexp.MustCompile(`^\s+-([a-z0-9-]+)`)

// helpFlags runs the manager with --help and collects the flag names it prints.
func helpFlags(binary string) (map[string]bool, error) {
	// --help exits with status 0 or 2 depending on the flag package's handling; the
	// listing is what matters.
	out, _ := exec.Command(binary, "--help").CombinedOutput()
	flags := map[string]bool{}
	lines := bufio.NewScanner(bytes.NewReader(out))
	for lines.Scan() {
		if m := helpFlagLine.FindStringSubmatch(lines.Text()); m != nil {
			flags[m[1]] = true
		}
	}
	if !flags["sync-period"] {
		return nil, fmt.Errorf("manager --help lists no --sync-period; output:\n%s", out)
	}
	return flags, nil
}
