package localenv

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/agentcore-io/vpce-operator/internal/testenv"
)

// modulePath is this repository's Go module; FindRepoRoot looks for its go.mod.
const modulePath = "github.com/agentcore-io/vpce-operator"

// Paths says where the binaries and the repository's files are.
type Paths struct {
	// RepoRoot is the repository's top directory (config/ lives there).
	RepoRoot string
	// BinDir holds the manager, ec2sim and gatewaysim binaries.
	BinDir string
	// AssetsDir holds kube-apiserver, etcd and kubectl.
	AssetsDir string
}

// DefaultPaths finds the repository from the working directory upwards and
// fills in the directories `make demo` builds into: bin/ for the binaries,
// KUBEBUILDER_ASSETS or bin/k8s/<version>/ for the envtest binaries.
func DefaultPaths() (Paths, error) {
	wd, err := os.Getwd()
	if err != nil {
		return Paths{}, err
	}
	root, err := FindRepoRoot(wd)
	if err != nil {
		return Paths{}, err
	}
	p := Paths{RepoRoot: root, BinDir: filepath.Join(root, "bin"), AssetsDir: os.Getenv("KUBEBUILDER_ASSETS")}
	if p.AssetsDir == "" {
		p.AssetsDir = filepath.Join(root, "bin", "k8s", testenv.K8sVersion)
	}
	return p, nil
}

// FindRepoRoot returns dir or its nearest parent whose go.mod declares this
// module.
func FindRepoRoot(dir string) (string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for {
		if declaresModule(filepath.Join(dir, "go.mod")) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod of %s in this directory or its parents: run from the repository", modulePath)
		}
		dir = parent
	}
}

func declaresModule(goMod string) bool {
	f, err := os.Open(goMod)
	if err != nil {
		return false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if fields := strings.Fields(sc.Text()); len(fields) == 2 && fields[0] == "module" {
			return fields[1] == modulePath
		}
	}
	return false
}

// Binary is the path of a binary in BinDir.
func (p Paths) Binary(name string) string { return filepath.Join(p.BinDir, name) }

// Kubectl is the path of the kubectl binary.
func (p Paths) Kubectl() string { return filepath.Join(p.AssetsDir, "kubectl") }

// Check reports every binary that is missing, with the command that builds it.
func (p Paths) Check() error {
	var errs []error
	for _, bin := range []string{p.Binary("manager"), p.Binary("ec2sim"), p.Binary("gatewaysim")} {
		if !isExecutable(bin) {
			errs = append(errs, fmt.Errorf("%s not found: run 'make build'", bin))
		}
	}
	for _, name := range []string{"etcd", "kube-apiserver", "kubectl"} {
		if bin := filepath.Join(p.AssetsDir, name); !isExecutable(bin) {
			errs = append(errs, fmt.Errorf("%s not found: run 'make envtest' (or set KUBEBUILDER_ASSETS)", bin))
		}
	}
	return errors.Join(errs...)
}

func isExecutable(path string) bool {
	info, err := os.Stat(path)
	return err == nil && !info.IsDir() && info.Mode()&0o111 != 0
}

// Rel shortens path to be relative to the working directory when it is below
// it, for output a person reads.
func Rel(path string) string {
	wd, err := os.Getwd()
	if err != nil {
		return path
	}
	rel, err := filepath.Rel(wd, path)
	if err != nil || strings.HasPrefix(rel, "..") {
		return path
	}
	return rel
}
