package localenv

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/agentcore-io/vpce-operator/internal/iampolicy"
)

// Defaults of Options.
const (
	DefaultRegion      = "us-east-1"
	DefaultClusterName = "demo"
	// AgentsGroupName is the security group created in the simulator for the
	// agents, whose ID replaces the one in the sample GatewayEndpoint.
	AgentsGroupName = "ec2-agent-sg"
	// ManagerLogFile and SimulatorLogFile are the log files in WorkDir.
	ManagerLogFile   = "manager.log"
	SimulatorLogFile = "ec2sim.log"
)

// Options configure a local environment. Zero fields take the defaults
// noted.
type Options struct {
	// Paths locate the binaries and the repository (default DefaultPaths).
	Paths Paths
	// WorkDir receives the kubeconfig, the logs and the simulator's seed file
	// (default bin/demo in the repository).
	WorkDir string
	// Region is the simulated region (default us-east-1).
	Region string
	// ClusterName is the manager's --cluster-name (default demo).
	ClusterName string
	// PendingDelay and DeletingDelay are the simulator's endpoint timings
	// (default 5s and 3s).
	PendingDelay, DeletingDelay time.Duration
	// PropagationDelay is the manager's --policy-propagation-delay and the
	// gateway simulator's policy cache (default 20s; AWS: up to 15 minutes).
	PropagationDelay time.Duration
	// Gateways are the gateways the gateway simulator serves (default: those
	// the samples' GatewayAccessPolicies verify, with their Secrets' tokens).
	Gateways []SimGateway
	// Out receives step-by-step progress (default: discarded).
	Out io.Writer
}

func (o Options) withDefaults() (Options, error) {
	if o.Paths.RepoRoot == "" {
		paths, err := DefaultPaths()
		if err != nil {
			return o, err
		}
		o.Paths = paths
	}
	if o.WorkDir == "" {
		o.WorkDir = filepath.Join(o.Paths.RepoRoot, "bin", "demo")
	}
	if o.Region == "" {
		o.Region = DefaultRegion
	}
	if o.ClusterName == "" {
		o.ClusterName = DefaultClusterName
	}
	o.PendingDelay = orDefault(o.PendingDelay, 5*time.Second)
	o.DeletingDelay = orDefault(o.DeletingDelay, 3*time.Second)
	o.PropagationDelay = orDefault(o.PropagationDelay, 20*time.Second)
	if o.Gateways == nil {
		samples, err := LoadSamples(filepath.Join(o.Paths.RepoRoot, "config", "samples"))
		if err != nil {
			return o, err
		}
		if o.Gateways, err = samples.Gateways(); err != nil {
			return o, err
		}
	}
	if o.Out == nil {
		o.Out = io.Discard
	}
	return o, nil
}

func orDefault(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return d
}

// Env is a running local environment: control plane, simulator, manager.
type Env struct {
	Options Options
	// Kubeconfig is the admin kubeconfig of the control plane.
	Kubeconfig string
	Kubectl    *Kubectl
	Simulator  *Simulator
	// GatewaySim serves the gateways behind the simulator's endpoints.
	GatewaySim *GatewaySim
	Manager    *Manager
	// Network is what the simulator seeded, for Samples.UseNetwork.
	Network Network
	out     Progress
	cp      *controlPlane
}

// Start starts the control plane, the EC2 simulator, the gateway simulator
// and the manager, in that order, reporting each step to opts.Out. On
// failure it stops whatever it started.
func Start(ctx context.Context, opts Options) (_ *Env, err error) {
	if opts, err = opts.withDefaults(); err != nil {
		return nil, err
	}
	if err := opts.Paths.Check(); err != nil {
		return nil, err
	}
	workDir, err := filepath.Abs(opts.WorkDir)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(workDir, 0o755); err != nil {
		return nil, fmt.Errorf("creating the work directory: %w", err)
	}
	opts.WorkDir = workDir
	// A log left by an earlier run would be mistaken for this one's.
	for _, name := range []string{ManagerLogFile, SimulatorLogFile, GatewaySimLogFile} {
		if err := os.Remove(filepath.Join(workDir, name)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, err
		}
	}
	e := &Env{Options: opts, Kubeconfig: filepath.Join(workDir, "kubeconfig"), out: Progress{W: opts.Out}}
	defer func() {
		if err != nil {
			err = errors.Join(err, e.Stop())
		}
	}()
	if err := e.startControlPlane(); err != nil {
		return nil, err
	}
	if err := e.startSimulator(ctx); err != nil {
		return nil, err
	}
	if err := e.startGatewaySim(ctx); err != nil {
		return nil, err
	}
	if err := e.startManager(ctx); err != nil {
		return nil, err
	}
	return e, nil
}

func (e *Env) startControlPlane() error {
	e.out.Step("Starting a local control plane: etcd and kube-apiserver (%s)", Rel(e.Options.Paths.AssetsDir))
	cp, err := startControlPlane(e.Options.Paths, e.Kubeconfig)
	if err != nil {
		return err
	}
	e.cp = cp
	e.Kubectl = &Kubectl{Path: e.Options.Paths.Kubectl(), Kubeconfig: e.Kubeconfig}
	e.out.Detail("API server: %s", cp.serverURL())
	e.out.Detail("CRDs installed: %s", strings.Join(cp.crdNames(), ", "))
	e.out.Detail("kubeconfig (user demo, group system:masters): %s", Rel(e.Kubeconfig))
	return nil
}

func (e *Env) startSimulator(ctx context.Context) error {
	bin := e.Options.Paths.Binary("ec2sim")
	e.out.Step("Starting the EC2 API simulator (%s)", Rel(bin))
	policyFile, err := e.renderIAMPolicy()
	if err != nil {
		return err
	}
	sim, err := startSimulator(ctx, bin, e.Options.WorkDir, SimulatorOptions{
		Region: e.Options.Region, PendingDelay: e.Options.PendingDelay, DeletingDelay: e.Options.DeletingDelay,
		InterfaceLinger: interfaceLinger, IAMPolicyFile: policyFile, IAMAccessKey: managerAccessKey,
	})
	if err != nil {
		return err
	}
	e.out.Detail("the simulator authorizes the operator's calls against %s, rendered for cluster %s (%s), as AWS would for its IAM role",
		iampolicy.TemplatePath, e.Options.ClusterName, Rel(policyFile))
	e.Simulator = sim
	e.out.Detail("EC2 API: %s (region %s); log: %s", sim.URL, sim.Region, Rel(sim.LogPath))
	e.out.Detail("seeded VPC %s with subnets %s", sim.VPCID, strings.Join(sim.SubnetIDs, ", "))
	e.out.Detail("simulated, shortened delay: a new endpoint stays pending %s (on AWS: 2-5 minutes)", e.Options.PendingDelay)
	e.out.Detail("simulated, shortened delay: a deleted endpoint stays deleting %s", e.Options.DeletingDelay)
	groupID, err := sim.CreateSecurityGroup(ctx, AgentsGroupName, "Agents that call the AgentCore Gateway")
	if err != nil {
		return err
	}
	e.out.Detail("created the agents' security group %s (%s) through the EC2 API", groupID, AgentsGroupName)
	e.Network = Network{VPCID: sim.VPCID, SubnetIDs: sim.SubnetIDs, AgentsGroupID: groupID, Region: sim.Region}
	return nil
}

func (e *Env) startGatewaySim(ctx context.Context) error {
	bin := e.Options.Paths.Binary("gatewaysim")
	e.out.Step("Starting the AgentCore Gateway simulator (%s)", Rel(bin))
	g, err := startGatewaySim(ctx, bin, e.Options.WorkDir, GatewaySimOptions{
		Region: e.Options.Region, EC2URL: e.Simulator.URL, Gateways: e.Options.Gateways, PolicyCacheTTL: e.Options.PropagationDelay,
	})
	if err != nil {
		return err
	}
	e.GatewaySim = g
	ids := make([]string, len(e.Options.Gateways))
	for i, gw := range e.Options.Gateways {
		ids[i] = gw.ID
	}
	e.out.Detail("gateways %s, each accepting only its own bearer token", strings.Join(ids, ", "))
	e.out.Detail("it serves them behind each endpoint the EC2 simulator reports available, one HTTPS listener per interface address (%s)",
		Rel(g.ListenersFile))
	e.out.Detail("it refuses what the endpoint's policy, as the EC2 simulator returns it, does not admit: JSON-RPC -32002")
	e.out.Detail("simulated, shortened delay: it caches each endpoint policy %s after reading it (on AWS: up to 15 minutes)",
		e.Options.PropagationDelay)
	e.out.Detail("log: %s; state: %s", Rel(g.LogPath), g.AdminURL)
	return nil
}

func (e *Env) startManager(ctx context.Context) error {
	bin := e.Options.Paths.Binary("manager")
	e.out.Step("Starting the operator (%s)", Rel(bin))
	m, err := startManager(ctx, bin, e.Options.WorkDir, e.Kubeconfig, e.Simulator.URL, ManagerOptions{
		Region: e.Options.Region, ClusterName: e.Options.ClusterName, PropagationDelay: e.Options.PropagationDelay,
		VerifyCAFile: e.GatewaySim.CAFile, VerifyDialMap: e.GatewaySim.ListenersFile,
	})
	if err != nil {
		return err
	}
	e.Manager = m
	e.out.Detail("ready (health probes on %s); log: %s", m.ProbeAddr, Rel(m.LogPath))
	e.out.Detail("simulated, shortened delay: --policy-propagation-delay %s, as long as the gateway simulator's cache (on AWS: the gateway caches access policies up to 15 minutes)",
		e.Options.PropagationDelay)
	e.out.Detail("its verification probe trusts the gateway simulator's CA (--verify-ca-file), answers the gateways' names from EC2's record of the endpoint (--verify-resolver simulated)")
	e.out.Detail("and reaches an interface address through the listener that stands for it (--verify-dial-map); all three for the local run only")
	return nil
}

// Watch returns a context that is canceled when ctx is, or when the manager
// or a simulator exits on its own; context.Cause says which.
func (e *Env) Watch(ctx context.Context) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancelCause(ctx)
	watch := func(p *process) {
		select {
		case <-p.Done():
			cancel(p.exitError())
		case <-ctx.Done():
		}
	}
	go watch(e.Manager.proc)
	go watch(e.Simulator.proc)
	go watch(e.GatewaySim.proc)
	return ctx, func() { cancel(context.Canceled) }
}

// Stop stops the manager, then the gateway simulator, then the EC2
// simulator, then the control plane. It is safe to call more than once.
func (e *Env) Stop() error {
	var errs []error
	if e.Manager != nil {
		errs = append(errs, e.Manager.proc.stop())
		e.Manager = nil
	}
	if e.GatewaySim != nil {
		errs = append(errs, e.GatewaySim.proc.stop())
		e.GatewaySim = nil
	}
	if e.Simulator != nil {
		errs = append(errs, e.Simulator.proc.stop())
		e.Simulator = nil
	}
	if e.cp != nil {
		errs = append(errs, e.cp.stop())
		e.cp = nil
	}
	return errors.Join(errs...)
}

// Progress prints steps and their details for a person to follow.
type Progress struct {
	W io.Writer
}

// Step announces a step.
func (p Progress) Step(format string, args ...any) {
	fmt.Fprintf(p.W, "\n==> "+format+"\n", args...)
}

// Detail reports something a step did or found; an empty format is a blank
// line.
func (p Progress) Detail(format string, args ...any) {
	if format == "" {
		fmt.Fprintln(p.W)
		return
	}
	fmt.Fprintf(p.W, "    "+format+"\n", args...)
}

// interfaceLinger is how long the demo's deleted endpoints keep their
// network interfaces (AWS: minutes); the managed group waits for them.
const interfaceLinger = 5 * time.Second

// renderIAMPolicy writes the shipped IAM policy rendered for the demo's
// cluster, as make iam-policy does for IRSA, into the work directory.
func (e *Env) renderIAMPolicy() (string, error) {
	template, err := os.ReadFile(filepath.Join(e.Options.Paths.RepoRoot, iampolicy.TemplatePath))
	if err != nil {
		return "", fmt.Errorf("reading the IAM policy: %w", err)
	}
	rendered, err := iampolicy.Render(template, e.Options.ClusterName)
	if err != nil {
		return "", fmt.Errorf("rendering the IAM policy for cluster %s: %w", e.Options.ClusterName, err)
	}
	path := filepath.Join(e.Options.WorkDir, "iam-policy.json")
	if err := os.WriteFile(path, rendered, 0o600); err != nil {
		return "", fmt.Errorf("writing the IAM policy: %w", err)
	}
	return path, nil
}
