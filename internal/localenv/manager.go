package localenv

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"time"
)

// managerReadyTimeout bounds the wait for the manager's readiness probe.
const managerReadyTimeout = 2 * time.Minute

// ManagerOptions configure the operator.
type ManagerOptions struct {
	Region      string
	ClusterName string
	// PropagationDelay is --policy-propagation-delay (AWS: up to 15 min).
	PropagationDelay time.Duration
	// VerifyCAFile and VerifyDialMap are --verify-ca-file and
	// --verify-dial-map: the gateway simulator's CA and listeners files.
	VerifyCAFile, VerifyDialMap string
}

// Manager is the manager binary running as a child process.
type Manager struct {
	// LogPath is where the manager's logs go.
	LogPath string
	// ProbeAddr serves /healthz and /readyz.
	ProbeAddr string
	proc      *process
}

// managerAccessKey signs the manager's calls; the simulator checks those
// against the operator's IAM policy.
const managerAccessKey = "AKIDLOCALDEMO"

// startManager runs the manager binary against the API server in kubeconfig
// and the EC2 API at ec2URL, with dummy AWS credentials, and waits until it
// reports ready.
func startManager(ctx context.Context, binary, workDir, kubeconfig, ec2URL string, opts ManagerOptions) (*Manager, error) {
	probeAddr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	args := []string{
		"--ec2-endpoint", ec2URL,
		"--region", opts.Region,
		"--cluster-name", opts.ClusterName,
		"--policy-propagation-delay", opts.PropagationDelay.String(),
		"--metrics-bind-address", "0",
		"--health-probe-bind-address", probeAddr,
		// Verification against the gateway simulator: names answered from
		// EC2's record of the endpoint, its CA, its listeners.
		"--verify-resolver", "simulated",
		"--verify-ca-file", opts.VerifyCAFile,
		"--verify-dial-map", opts.VerifyDialMap,
	}
	env := []string{
		"KUBECONFIG=" + kubeconfig,
		// The simulator accepts any credentials; these keep the SDK's default
		// chain from looking for real ones (shared config, IMDS).
		"AWS_ACCESS_KEY_ID=" + managerAccessKey,
		"AWS_SECRET_ACCESS_KEY=local-demo-secret",
		"AWS_EC2_METADATA_DISABLED=true",
		"AWS_REGION=" + opts.Region,
		// The simulator answers STS's GetCallerIdentity too: the operator
		// learns the account that owns its endpoints from it.
		"AWS_ENDPOINT_URL_STS=" + ec2URL,
	}
	proc, err := startProcess("manager", binary, args, env, filepath.Join(workDir, ManagerLogFile))
	if err != nil {
		return nil, err
	}
	m := &Manager{LogPath: proc.logPath, ProbeAddr: probeAddr, proc: proc}
	if err := m.waitReady(ctx); err != nil {
		_ = proc.stop()
		return nil, err
	}
	return m, nil
}

func (m *Manager) waitReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, managerReadyTimeout)
	defer cancel()
	url := "http://" + m.ProbeAddr + "/readyz"
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		if probe(ctx, url) {
			return nil
		}
		select {
		case <-m.proc.Done():
			return m.proc.exitError()
		case <-ctx.Done():
			return fmt.Errorf("waiting for the manager's readiness probe at %s: %w", url, ctx.Err())
		case <-tick.C:
		}
	}
}

func probe(ctx context.Context, url string) bool {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return false
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}
