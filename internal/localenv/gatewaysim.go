package localenv

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Files the gateway simulator writes into the work directory.
const (
	GatewaySimLogFile       = "gatewaysim.log"
	gatewaySimCAFile        = "gatewaysim-ca.pem"
	gatewaySimListenersFile = "gatewaysim-listeners.json"
)

// gatewaySimPollInterval is how often the gateway simulator reads the
// endpoints from the EC2 simulator: short, so that a new endpoint's
// interfaces answer soon after EC2 reports it available.
const gatewaySimPollInterval = time.Second

// SimGateway is one gateway the gateway simulator serves: its ID, the bearer
// token it accepts and the tools it lists (none: the simulator's default).
type SimGateway struct {
	ID    string
	Token string
	Tools []string
}

// GatewaySimOptions configure the gateway simulator.
type GatewaySimOptions struct {
	Region string
	// EC2URL is the EC2 API it reads the endpoints, their interfaces and
	// their policies from.
	EC2URL   string
	Gateways []SimGateway
	// PolicyCacheTTL is how long it keeps an endpoint policy it has read.
	PolicyCacheTTL time.Duration
}

// GatewaySim is the gatewaysim binary running as a child process: the
// AgentCore gateways behind the interface endpoints of the EC2 simulator.
type GatewaySim struct {
	// CAFile is the CA certificate (PEM) its TLS certificates chain to.
	CAFile string
	// ListenersFile maps each interface address to the loopback listener
	// that serves it (JSON); the simulator rewrites it as endpoints change.
	ListenersFile string
	// AdminURL serves /_sim/listeners, /_sim/requests and /_sim/ca.pem.
	AdminURL string
	// LogPath is where its output goes.
	LogPath string
	proc    *process
}

// startGatewaySim runs the gatewaysim binary and waits until it has written
// its CA certificate and its first listeners file into workDir.
func startGatewaySim(ctx context.Context, binary, workDir string, opts GatewaySimOptions) (*GatewaySim, error) {
	if len(opts.Gateways) == 0 {
		return nil, errors.New("the gateway simulator needs at least one gateway")
	}
	caFile := filepath.Join(workDir, gatewaySimCAFile)
	listenersFile := filepath.Join(workDir, gatewaySimListenersFile)
	for _, f := range []string{caFile, listenersFile} {
		if err := os.Remove(f); err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("removing %s of an earlier run: %w", Rel(f), err)
		}
	}
	adminAddr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	args := []string{
		"--ec2-endpoint", opts.EC2URL,
		"--region", opts.Region,
		"--policy-cache-ttl", opts.PolicyCacheTTL.String(),
		"--poll-interval", gatewaySimPollInterval.String(),
		"--ca-file", caFile,
		"--listeners-file", listenersFile,
		"--admin-addr", adminAddr,
	}
	for _, g := range opts.Gateways {
		value := g.ID + "=" + g.Token
		if len(g.Tools) > 0 {
			value += ":" + strings.Join(g.Tools, ",")
		}
		args = append(args, "--gateway", value)
	}
	proc, err := startProcess("gatewaysim", binary, args, nil, filepath.Join(workDir, GatewaySimLogFile))
	if err != nil {
		return nil, err
	}
	if err := waitForFiles(ctx, proc, caFile, listenersFile); err != nil {
		_ = proc.stop()
		return nil, err
	}
	return &GatewaySim{CAFile: caFile, ListenersFile: listenersFile, AdminURL: "http://" + adminAddr + "/_sim/",
		LogPath: proc.logPath, proc: proc}, nil
}

// waitForFiles polls until the CA file exists and the listeners file holds
// a JSON object (the simulator writes it, possibly empty, after its first
// read of EC2).
func waitForFiles(ctx context.Context, proc *process, caFile, listenersFile string) error {
	ctx, cancel := context.WithTimeout(ctx, seedTimeout)
	defer cancel()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		var listeners map[string]string
		if _, err := os.Stat(caFile); err == nil {
			if data, err := os.ReadFile(listenersFile); err == nil && json.Unmarshal(data, &listeners) == nil {
				return nil
			}
		}
		select {
		case <-proc.Done():
			return proc.exitError()
		case <-ctx.Done():
			return fmt.Errorf("waiting for the gateway simulator's %s and %s: %w", Rel(caFile), Rel(listenersFile), ctx.Err())
		case <-tick.C:
		}
	}
}
