package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/agentcore-io/vpce-operator/internal/localenv"
)

// demo applies the samples to a running local environment and shows the
// result.
type demo struct {
	env         *localenv.Env
	out         localenv.Progress
	waitTimeout time.Duration
	samples     *localenv.Samples
}

func (d *demo) run(ctx context.Context) error {
	if err := d.applySamples(ctx); err != nil {
		return err
	}
	if err := d.waitReady(ctx); err != nil {
		return err
	}
	return d.show(ctx)
}

func (d *demo) applySamples(ctx context.Context) error {
	dir := filepath.Join(d.env.Options.Paths.RepoRoot, "config", "samples")
	d.out.Step("Applying %s with kubectl", localenv.Rel(dir))
	samples, err := localenv.LoadSamples(dir)
	if err != nil {
		return err
	}
	network := d.env.Network
	if err := samples.UseNetwork(network); err != nil {
		return err
	}
	d.samples = samples
	d.out.Detail("the samples' AWS IDs are replaced with the simulator's (kubectl apply -k cannot rewrite them):")
	d.out.Detail("  vpcID %s, subnetIDs %s, agents' security group %s",
		network.VPCID, strings.Join(network.SubnetIDs, ","), network.AgentsGroupID)
	manifest, err := samples.Manifest()
	if err != nil {
		return err
	}
	_, err = d.kubectl(ctx, manifest, "apply", "-f", "-")
	return err
}

func (d *demo) waitReady(ctx context.Context) error {
	timeout := "--timeout=" + d.waitTimeout.String()
	for _, ge := range d.samples.Of(localenv.KindGatewayEndpoint) {
		d.out.Step("Waiting for GatewayEndpoint %s/%s to be Ready", ge.GetNamespace(), ge.GetName())
		d.out.Detail("the operator creates the security group, then the endpoint; the simulator keeps it pending %s, then the policy is applied",
			d.env.Options.PendingDelay)
		if _, err := d.kubectl(ctx, nil, "wait", "--for=condition=Ready", "gatewayendpoint/"+ge.GetName(),
			"-n", ge.GetNamespace(), timeout); err != nil {
			return err
		}
	}
	d.out.Step("Waiting for the GatewayAccessPolicies to be Ready")
	d.out.Detail("a policy is Ready once the gateway's policy cache has expired: %s here (simulated; up to 15 minutes on AWS)",
		d.env.Options.PropagationDelay)
	_, err := d.kubectl(ctx, nil, "wait", "--for=condition=Ready", "gatewayaccesspolicies", "--all", "-A", timeout)
	return err
}

func (d *demo) show(ctx context.Context) error {
	d.out.Step("Result")
	if _, err := d.kubectl(ctx, nil, "get", "gatewayendpoints,gatewayaccesspolicies", "-A"); err != nil {
		return err
	}
	if _, err := d.kubectl(ctx, nil, "get", "gatewayendpoints", "-A", "-o", "wide"); err != nil {
		return err
	}
	for _, ge := range d.samples.Of(localenv.KindGatewayEndpoint) {
		if _, err := d.kubectl(ctx, nil, "get", "gwe", ge.GetName(), "-n", ge.GetNamespace(), "-o",
			`jsonpath={range .status.dnsEntries[*]}{.dnsName}{"\n"}{end}`); err != nil {
			return err
		}
		endpointID, err := d.env.Kubectl.Run(ctx, nil, "get", "gwe", ge.GetName(), "-n", ge.GetNamespace(),
			"-o", "jsonpath={.status.endpointID}")
		if err != nil {
			return err
		}
		doc, err := d.env.Simulator.EndpointPolicy(ctx, endpointID)
		if err != nil {
			return err
		}
		d.out.Step("Endpoint policy of %s in the EC2 simulator (DescribeVpcEndpoints)", endpointID)
		fmt.Fprintln(d.out.W, localenv.PrettyJSON(doc))
	}
	return nil
}

// kubectl shows the command, runs it and shows its output.
func (d *demo) kubectl(ctx context.Context, stdin []byte, args ...string) (string, error) {
	line := localenv.CommandLine(args...)
	if stdin != nil {
		line += " <<< (the samples)"
	}
	fmt.Fprintf(d.out.W, "$ %s\n", line)
	out, err := d.env.Kubectl.Run(ctx, stdin, args...)
	fmt.Fprint(d.out.W, out)
	if out != "" && !strings.HasSuffix(out, "\n") {
		fmt.Fprintln(d.out.W)
	}
	if err != nil {
		return out, fmt.Errorf("%s: %w", line, err)
	}
	return out, nil
}

func (d *demo) printHowToUse() {
	opts := d.env.Options
	d.out.Step("Running until Ctrl-C")
	d.out.Detail("Everything keeps running; in another terminal:")
	d.out.Detail("")
	d.out.Detail("  export KUBECONFIG=%s", d.env.Kubeconfig)
	d.out.Detail("  export PATH=%s:$PATH   # kubectl %s", opts.Paths.AssetsDir, filepath.Base(opts.Paths.AssetsDir))
	d.out.Detail("  kubectl get gatewayendpoints,gatewayaccesspolicies -A")
	d.out.Detail("  kubectl describe gwe -n %s", d.samples.Of(localenv.KindGatewayEndpoint)[0].GetNamespace())
	d.out.Detail("  tail -f %s   # the operator's log", d.env.Manager.LogPath)
	d.out.Detail("")
	d.out.Detail("EC2 API simulator: %s (any credentials; e.g. aws ec2 describe-vpc-endpoints --endpoint-url %s --region %s)",
		d.env.Simulator.URL, d.env.Simulator.URL, d.env.Simulator.Region)
	d.out.Detail("Stop everything with Ctrl-C (or kill -TERM %d).", os.Getpid())
}
