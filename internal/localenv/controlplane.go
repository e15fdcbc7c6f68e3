package localenv

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/agentcore-io/vpce-operator/internal/testenv"
)

// controlPlaneTimeout bounds the start and the stop of etcd and
// kube-apiserver each; envtest's 20s default is short for a busy 2-core
// machine.
const controlPlaneTimeout = 2 * time.Minute

// controlPlane is etcd and kube-apiserver with the CRDs installed, and an
// admin kubeconfig for kubectl and the manager.
type controlPlane struct {
	env        *envtest.Environment
	kubeconfig string
}

// startControlPlane starts etcd and kube-apiserver from the envtest binaries,
// installs the CRDs in config/crd/bases and writes a kubeconfig of a
// system:masters user to kubeconfigPath.
func startControlPlane(paths Paths, kubeconfigPath string) (*controlPlane, error) {
	env := &envtest.Environment{
		CRDDirectoryPaths:        []string{filepath.Join(paths.RepoRoot, "config", "crd", "bases")},
		ErrorIfCRDPathMissing:    true,
		BinaryAssetsDirectory:    paths.AssetsDir,
		Scheme:                   testenv.Scheme(),
		ControlPlaneStartTimeout: controlPlaneTimeout,
		ControlPlaneStopTimeout:  controlPlaneTimeout,
	}
	if _, err := env.Start(); err != nil {
		return nil, fmt.Errorf("starting etcd and kube-apiserver: %w", err)
	}
	cp := &controlPlane{env: env, kubeconfig: kubeconfigPath}
	if err := cp.writeKubeconfig(); err != nil {
		_ = env.Stop()
		return nil, err
	}
	return cp, nil
}

func (cp *controlPlane) writeKubeconfig() error {
	user, err := cp.env.AddUser(envtest.User{Name: "demo", Groups: []string{"system:masters"}}, nil)
	if err != nil {
		return fmt.Errorf("adding the demo user: %w", err)
	}
	data, err := user.KubeConfig()
	if err != nil {
		return fmt.Errorf("building the kubeconfig: %w", err)
	}
	if err := os.WriteFile(cp.kubeconfig, data, 0o600); err != nil {
		return fmt.Errorf("writing the kubeconfig: %w", err)
	}
	return nil
}

// serverURL is the API server's address.
func (cp *controlPlane) serverURL() string { return cp.env.Config.Host }

// crdNames lists the installed CRDs.
func (cp *controlPlane) crdNames() []string {
	names := make([]string, 0, len(cp.env.CRDs))
	for _, crd := range cp.env.CRDs {
		names = append(names, crd.Name)
	}
	return names
}

// stop stops kube-apiserver and etcd and removes their data.
func (cp *controlPlane) stop() error {
	if err := cp.env.Stop(); err != nil {
		return fmt.Errorf("stopping etcd and kube-apiserver: %w", err)
	}
	return nil
}
