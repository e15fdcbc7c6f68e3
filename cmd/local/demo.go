package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/agentcore-io/vpce-operator/api/v1alpha1"
	"github.com/agentcore-io/vpce-operator/internal/localenv"
	"github.com/agentcore-io/vpce-operator/internal/policy"
)

// pollInterval is how often the demo reads a policy while it waits for the
// operator.
const pollInterval = 500 * time.Millisecond

// demo applies the samples to a running local environment and shows the
// result.
type demo struct {
	env         *localenv.Env
	out         localenv.Progress
	waitTimeout time.Duration
	samples     *localenv.Samples
	// endpointID is the sample endpoint's ID, once it is Ready.
	endpointID string
}

func (d *demo) run(ctx context.Context) error {
	if err := d.applySamples(ctx); err != nil {
		return err
	}
	if err := d.waitReady(ctx); err != nil {
		return err
	}
	if err := d.show(ctx); err != nil {
		return err
	}
	if err := d.verify(ctx); err != nil {
		return err
	}
	if err := d.grant(ctx); err != nil {
		return err
	}
	return d.connectionDetails(ctx)
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
	d.out.Detail("the GatewayAccessPolicies go without their spec.verify for now: verification is turned on once the endpoint is Ready (below)")
	manifest, err := samples.WithoutVerify().Manifest()
	if err != nil {
		return err
	}
	_, err = d.apply(ctx, "the samples, without spec.verify", manifest)
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
		d.endpointID = endpointID
		doc, err := d.env.Simulator.EndpointPolicy(ctx, endpointID)
		if err != nil {
			return err
		}
		d.out.Step("Endpoint policy of %s in the EC2 simulator (DescribeVpcEndpoints)", endpointID)
		fmt.Fprintln(d.out.W, localenv.PrettyJSON(doc))
	}
	return nil
}

// verify applies the GatewayAccessPolicies with their spec.verify and shows,
// gateway by gateway, what the operator's probe found.
func (d *demo) verify(ctx context.Context) error {
	d.out.Step("Can the agents reach their gateways? Turning verification on (spec.verify)")
	d.out.Detail("for each gateway a policy lists under spec.verify, the operator, from its own pod: resolves the gateway's name")
	d.out.Detail("(<id>.gateway.bedrock-agentcore.%s.amazonaws.com) to the endpoint's network interfaces, connects to one on 443 with TLS", d.env.Options.Region)
	d.out.Detail("checked for that name, and sends MCP tools/list with the team's bearer token from the team's Secret")
	d.out.Detail("it probes at once when the spec changes, then every spec.verify.interval; the demo turns it on only now because a probe")
	d.out.Detail("made while the endpoint is still pending finds EndpointNotAvailable until the next interval")
	manifest, err := d.samples.ManifestOf(localenv.KindGatewayAccessPolicy)
	if err != nil {
		return err
	}
	if _, err := d.apply(ctx, "the samples' GatewayAccessPolicies, with spec.verify", manifest); err != nil {
		return err
	}
	for _, sample := range d.samples.Of(localenv.KindGatewayAccessPolicy) {
		p, err := d.waitPolicy(ctx, sample.GetNamespace(), sample.GetName(), "its spec.verify gateways probed", probedAll)
		if err != nil {
			return err
		}
		for _, g := range p.Status.Verification.Gateways {
			d.say(p, g)
		}
	}
	_, err = d.kubectl(ctx, nil, "get", "gatewayaccesspolicies", "-A")
	return err
}

// grant adds to its policy's gatewayARNs the gateway a sample policy verifies
// without admitting it, and follows the probe from AwaitingPropagation to
// Reachable.
func (d *demo) grant(ctx context.Context) error {
	ns, name, arn, ok := d.pendingGrant()
	if !ok {
		return nil
	}
	id := gatewayID(arn)
	d.out.Step("A policy change: %s/%s adds gateway %s to its gatewayARNs", ns, name, id)
	d.out.Detail("the operator writes the new endpoint policy at once; the gateway keeps serving the policy it cached until it reads it again")
	d.out.Detail("(simulated, shortened: %s; on AWS up to 15 minutes), so meanwhile it still refuses the gateway", d.env.Options.PropagationDelay)
	patch := fmt.Sprintf(`[{"op":"add","path":"/spec/gatewayARNs/-","value":%q}]`, arn)
	if _, err := d.kubectl(ctx, nil, "patch", "gatewayaccesspolicy", name, "-n", ns, "--type=json", "-p", patch); err != nil {
		return err
	}
	p, err := d.waitPolicy(ctx, ns, name, id+" probed after the endpoint policy admits it", func(p *v1alpha1.GatewayAccessPolicy) bool {
		g, ok := verification(p, arn)
		return ok && (g.Result == v1alpha1.VerificationAwaitingPropagation || g.Result == v1alpha1.VerificationReachable)
	})
	if err != nil {
		return err
	}
	g, _ := verification(p, arn)
	d.say(p, g)
	if g.Result == v1alpha1.VerificationReachable {
		return nil // the gateway read the new policy before the probe
	}

	until := awaitingUntil(p, g)
	d.out.Detail("waiting for %s, the policy's new effectiveAt: it turns Ready then, when the gateway's cache has surely expired", clock(until))
	if _, err := d.waitPolicy(ctx, ns, name, "Ready after its propagation window", func(p *v1alpha1.GatewayAccessPolicy) bool {
		return meta.IsStatusConditionTrue(p.Status.Conditions, v1alpha1.ConditionReady) &&
			p.Status.EffectiveAt != nil && !p.Status.EffectiveAt.Time.Before(until.Add(-time.Second))
	}); err != nil {
		return err
	}
	d.out.Detail("%s: %s/%s is Ready", clock(time.Now()), ns, name)

	d.out.Step("Probing %s again", id)
	d.out.Detail("the operator probes again at the next spec.verify.interval (5 minutes at least, not shortened in the demo) or at once")
	d.out.Detail("when the spec changes; rather than wait, the demo changes spec.verify.interval:")
	interval := "5m"
	if p.Spec.Verify != nil && p.Spec.Verify.Interval != nil && p.Spec.Verify.Interval.Duration == 5*time.Minute {
		interval = "6m"
	}
	if _, err := d.kubectl(ctx, nil, "patch", "gatewayaccesspolicy", name, "-n", ns, "--type=merge",
		"-p", fmt.Sprintf(`{"spec":{"verify":{"interval":%q}}}`, interval)); err != nil {
		return err
	}
	p, err = d.waitPolicy(ctx, ns, name, id+" probed again", func(p *v1alpha1.GatewayAccessPolicy) bool {
		g, ok := verification(p, arn)
		return probedAll(p) && ok && p.Status.Verification.LastProbeTime != nil && !p.Status.Verification.LastProbeTime.Time.Before(until) &&
			g.Result != v1alpha1.VerificationAwaitingPropagation
	})
	if err != nil {
		return err
	}
	g, _ = verification(p, arn)
	if g.Result != v1alpha1.VerificationReachable {
		d.say(p, g)
		return fmt.Errorf("gateway %s is %s after the propagation window, not Reachable: %s", id, g.Result, g.Message)
	}
	fmt.Fprintf(d.out.W, "%s: gateway %s is now Reachable through %s (%s)\n", name, id, d.endpointID, tools(g))
	return nil
}

// connectionDetails shows the ConfigMaps the operator writes for the agents.
func (d *demo) connectionDetails(ctx context.Context) error {
	d.out.Step("Connection details for the agents")
	d.out.Detail("for each policy the operator keeps a ConfigMap <policy>-gateways in the policy's namespace, with the URL of each")
	d.out.Detail("gateway it admits (GATEWAY_URL for one gateway, GATEWAY_<ID>_URL for several); an agent Deployment takes it with envFrom")
	policies := d.samples.Of(localenv.KindGatewayAccessPolicy)
	// The one-gateway form first, in full.
	slices.SortStableFunc(policies, func(a, b *unstructured.Unstructured) int { return len(arnsOf(a)) - len(arnsOf(b)) })
	for i, sample := range policies {
		p, err := d.waitPolicy(ctx, sample.GetNamespace(), sample.GetName(), "its ConfigMap named", func(p *v1alpha1.GatewayAccessPolicy) bool {
			return p.Status.ConfigMapName != ""
		})
		if err != nil {
			return err
		}
		args := []string{"get", "configmap", p.Status.ConfigMapName, "-n", p.Namespace, "-o", "yaml"}
		if i > 0 {
			args = []string{"get", "configmap", p.Status.ConfigMapName, "-n", p.Namespace, "-o",
				`go-template={{range $k, $v := .data}}{{$k}}={{$v}}{{"\n"}}{{end}}`}
		}
		if _, err := d.kubectl(ctx, nil, args...); err != nil {
			return err
		}
	}
	d.out.Step("Where things stand")
	_, err := d.kubectl(ctx, nil, "get", "gatewayaccesspolicies", "-A")
	return err
}

// say prints one gateway's verification result in plain words.
func (d *demo) say(p *v1alpha1.GatewayAccessPolicy, g v1alpha1.GatewayVerification) {
	id := gatewayID(g.GatewayARN)
	cache := fmt.Sprintf("the gateway caches access policies; simulated %s, up to 15 minutes on AWS", d.env.Options.PropagationDelay)
	var line string
	switch g.Result {
	case v1alpha1.VerificationReachable:
		line = fmt.Sprintf("gateway %s is Reachable through %s (%s)", id, d.endpointID, tools(g))
	case v1alpha1.VerificationDeniedByEndpointPolicy:
		line = fmt.Sprintf("gateway %s %s: no GatewayAccessPolicy admits it, so the endpoint policy denies it", id, answered(g.Message))
	case v1alpha1.VerificationAwaitingPropagation:
		refusal := "still refuses it"
		if m := rpcError.FindStringSubmatch(g.Message); m != nil {
			refusal = "still answers " + m[1] + " from the policy it cached"
		}
		line = fmt.Sprintf("gateway %s is AwaitingPropagation until %s (%s): the endpoint policy admits it now, but the gateway %s",
			id, clock(awaitingUntil(p, g)), cache, refusal)
	default:
		line = fmt.Sprintf("gateway %s is %s: %s", id, g.Result, g.Message)
	}
	fmt.Fprintf(d.out.W, "%s: %s\n", p.Name, line)
}

// rpcError finds the JSON-RPC error the probe quotes in its message.
var rpcError = regexp.MustCompile(`JSON-RPC error (-?\d+) "([^"]*)"`)

// answered is what the gateway answered, from the probe's message:
// `answered -32002 Authorization error - Insufficient permissions`.
func answered(message string) string {
	if m := rpcError.FindStringSubmatch(message); m != nil {
		return "answered " + m[1] + " " + m[2]
	}
	return "was refused (" + message + ")"
}

// awaitingUntil is when an AwaitingPropagation result ends: the time its
// message names, else the policy's effectiveAt.
func awaitingUntil(p *v1alpha1.GatewayAccessPolicy, g v1alpha1.GatewayVerification) time.Time {
	if m := untilTime.FindStringSubmatch(g.Message); m != nil {
		if t, err := time.Parse(time.RFC3339, m[1]); err == nil {
			return t
		}
	}
	if p.Status.EffectiveAt != nil {
		return p.Status.EffectiveAt.Time
	}
	return time.Now()
}

var untilTime = regexp.MustCompile(`until (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)`)

func clock(t time.Time) string { return t.Local().Format("15:04:05") }

func tools(g v1alpha1.GatewayVerification) string {
	n := int32(0)
	if g.ToolCount != nil {
		n = *g.ToolCount
	}
	if n == 1 {
		return "1 tool"
	}
	return fmt.Sprintf("%d tools", n)
}

func gatewayID(arn string) string {
	if parsed, err := policy.ParseARN(arn); err == nil {
		return parsed.GatewayID
	}
	return arn
}

// verification is the latest result for one gateway of a policy.
func verification(p *v1alpha1.GatewayAccessPolicy, arn string) (v1alpha1.GatewayVerification, bool) {
	if p.Status.Verification == nil {
		return v1alpha1.GatewayVerification{}, false
	}
	for _, g := range p.Status.Verification.Gateways {
		if g.GatewayARN == arn {
			return g, true
		}
	}
	return v1alpha1.GatewayVerification{}, false
}

// probedAll says whether the operator has probed every spec.verify gateway
// of the policy's current spec.
func probedAll(p *v1alpha1.GatewayAccessPolicy) bool {
	v := p.Status.Verification
	return p.Spec.Verify != nil && v != nil && v.ObservedGeneration == p.Generation && len(v.Gateways) == len(p.Spec.Verify.Gateways)
}

// pendingGrant is the first gateway a sample policy verifies but does not
// list in its gatewayARNs: the one the demo grants.
func (d *demo) pendingGrant() (namespace, name, arn string, ok bool) {
	for _, p := range d.samples.Of(localenv.KindGatewayAccessPolicy) {
		admitted := arnsOf(p)
		gateways, _, _ := unstructured.NestedSlice(p.Object, "spec", "verify", "gateways")
		for _, g := range gateways {
			entry, _ := g.(map[string]any)
			candidate, _ := entry["gatewayARN"].(string)
			if candidate != "" && !slices.Contains(admitted, candidate) {
				return p.GetNamespace(), p.GetName(), candidate, true
			}
		}
	}
	return "", "", "", false
}

// arnsOf is a sample policy's spec.gatewayARNs.
func arnsOf(p *unstructured.Unstructured) []string {
	arns, _, _ := unstructured.NestedStringSlice(p.Object, "spec", "gatewayARNs")
	return arns
}

// waitPolicy reads the policy every pollInterval until done holds, for at
// most waitTimeout.
func (d *demo) waitPolicy(ctx context.Context, namespace, name, what string, done func(*v1alpha1.GatewayAccessPolicy) bool) (*v1alpha1.GatewayAccessPolicy, error) {
	ctx, cancel := context.WithTimeout(ctx, d.waitTimeout)
	defer cancel()
	tick := time.NewTicker(pollInterval)
	defer tick.Stop()
	var last string
	for {
		out, err := d.env.Kubectl.Run(ctx, nil, "get", "gatewayaccesspolicy", name, "-n", namespace, "-o", "json")
		if err == nil {
			p := &v1alpha1.GatewayAccessPolicy{}
			if err = json.Unmarshal([]byte(out), p); err == nil && done(p) {
				return p, nil
			}
			last = describeVerification(p)
		}
		if err != nil {
			last = err.Error()
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("waiting %s for %s/%s: %s: %w (last seen: %s)", d.waitTimeout, namespace, name, what, ctx.Err(), last)
		case <-tick.C:
		}
	}
}

func describeVerification(p *v1alpha1.GatewayAccessPolicy) string {
	if p.Status.Verification == nil {
		return "no status.verification"
	}
	var parts []string
	for _, g := range p.Status.Verification.Gateways {
		parts = append(parts, gatewayID(g.GatewayARN)+": "+string(g.Result))
	}
	return fmt.Sprintf("generation %d, verified generation %d, %s", p.Generation, p.Status.Verification.ObservedGeneration, strings.Join(parts, ", "))
}

// apply runs kubectl apply with manifest, which what names for the reader.
func (d *demo) apply(ctx context.Context, what string, manifest []byte) (string, error) {
	return d.runKubectl(ctx, " <<< ("+what+")", manifest, "apply", "-f", "-")
}

// kubectl shows the command, runs it and shows its output.
func (d *demo) kubectl(ctx context.Context, stdin []byte, args ...string) (string, error) {
	return d.runKubectl(ctx, "", stdin, args...)
}

func (d *demo) runKubectl(ctx context.Context, stdinLabel string, stdin []byte, args ...string) (string, error) {
	line := localenv.CommandLine(args...) + stdinLabel
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
	d.out.Detail("  kubectl get gwap -A -o yaml   # status.verification: each gateway's result")
	d.out.Detail("  tail -f %s   # the operator's log", d.env.Manager.LogPath)
	d.out.Detail("")
	d.out.Detail("EC2 API simulator: %s (any credentials; e.g. aws ec2 describe-vpc-endpoints --endpoint-url %s --region %s)",
		d.env.Simulator.URL, d.env.Simulator.URL, d.env.Simulator.Region)
	d.out.Detail("AgentCore Gateway simulator: %srequests lists the requests it answered (log: %s)",
		d.env.GatewaySim.AdminURL, d.env.GatewaySim.LogPath)
	d.out.Detail("Stop everything with Ctrl-C (or kill -TERM %d).", os.Getpid())
}
