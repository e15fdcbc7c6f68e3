package e2e

import (
	"context"
	"encoding/json"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/agentcore-io/vpce-operator/internal/localenv"
)

const (
	// waitTimeout bounds each wait for the operator; generous, for busy
	// 2-core machines.
	waitTimeout = 5 * time.Minute
	// sampleEndpoint is the GatewayEndpoint of config/samples.
	sampleEndpointNamespace = "agentcore-system-samples"
	sampleEndpointName      = "agentcore-gateway"
)

// sampleGatewayARNs are the gateways the two sample GatewayAccessPolicies,
// from two namespaces, admit: exactly these must end up in the endpoint
// policy.
var sampleGatewayARNs = map[string][]string{
	"team-research/research-gateways": {
		"arn:aws:bedrock-agentcore:us-east-1:123456789012:gateway/paper-search-f6g7h8i9j0",
		"arn:aws:bedrock-agentcore:us-east-1:123456789012:gateway/research-tools-a1b2c3d4e5",
	},
	"team-support/support-gateways": {
		"arn:aws:bedrock-agentcore:us-east-1:123456789012:gateway/ticketing-k1l2m3n4o5",
	},
}

var endpointIDPattern = regexp.MustCompile(`^vpce-[0-9a-f]{8,17}$`)

func TestSamplesBecomeReadyThroughKubectlAndDeletingThemLeavesNothingInAWS(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	env := startEnv(t)
	kubectl := kubectlFor(t, env)

	samples, err := localenv.LoadSamples(filepath.Join(paths.RepoRoot, "config", "samples"))
	if err != nil {
		t.Fatal(err)
	}
	if err := samples.UseNetwork(env.Network); err != nil {
		t.Fatal(err)
	}
	manifest, err := samples.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	kubectl(manifest, "apply", "-f", "-")

	timeout := "--timeout=" + waitTimeout.String()
	gwe := []string{"gatewayendpoint/" + sampleEndpointName, "-n", sampleEndpointNamespace}
	kubectl(nil, append([]string{"wait", "--for=condition=Ready", timeout}, gwe...)...)
	kubectl(nil, "wait", "--for=condition=Ready", "gatewayaccesspolicies", "--all", "-A", timeout)

	t.Log("both kinds report READY True, the endpoint its ID and DNS names")
	if got := kubectl(nil, append([]string{"get", "-o", readyPath}, gwe...)...); got != "True" {
		t.Errorf("GatewayEndpoint READY = %q, want True", got)
	}
	for key := range sampleGatewayARNs {
		ns, name, _ := strings.Cut(key, "/")
		if got := kubectl(nil, "get", "gatewayaccesspolicy", name, "-n", ns, "-o", readyPath); got != "True" {
			t.Errorf("GatewayAccessPolicy %s READY = %q, want True", key, got)
		}
	}
	endpointID := kubectl(nil, append([]string{"get", "-o", "jsonpath={.status.endpointID}"}, gwe...)...)
	if !endpointIDPattern.MatchString(endpointID) {
		t.Fatalf("status.endpointID = %q, want a vpce- ID", endpointID)
	}
	if state := kubectl(nil, append([]string{"get", "-o", "jsonpath={.status.state}"}, gwe...)...); state != "available" {
		t.Errorf("status.state = %q, want available", state)
	}
	dnsNames := strings.Fields(kubectl(nil, append([]string{"get", "-o", "jsonpath={.status.dnsEntries[*].dnsName}"}, gwe...)...))
	if len(dnsNames) == 0 || !strings.HasPrefix(dnsNames[0], endpointID+"-") || !strings.HasSuffix(dnsNames[0], ".vpce.amazonaws.com") {
		t.Errorf("status.dnsEntries names = %q, want the endpoint's vpce.amazonaws.com names first", dnsNames)
	}

	t.Log("the simulator's endpoint policy admits exactly the two namespaces' gateways")
	doc, err := env.Simulator.EndpointPolicy(ctx, endpointID)
	if err != nil {
		t.Fatal(err)
	}
	assertAllowsExactly(t, doc, sampleGatewayARNs)

	t.Log("deleting the samples with kubectl removes the endpoint, then its security group")
	crs, err := samples.CustomResourcesManifest()
	if err != nil {
		t.Fatal(err)
	}
	kubectl(crs, "delete", "-f", "-", timeout)
	if left := kubectl(nil, "get", "gatewayendpoints,gatewayaccesspolicies", "-A", "-o", "name"); left != "" {
		t.Errorf("objects left in the API server after kubectl delete:\n%s", left)
	}
	eventually(t, 2*time.Minute, "no VPC endpoint and no operator-tagged security group in the simulator", func() (bool, string) {
		endpoints, err := env.Simulator.Endpoints(ctx)
		if err != nil {
			return false, err.Error()
		}
		groups, err := env.Simulator.OperatorSecurityGroups(ctx, env.Options.ClusterName)
		if err != nil {
			return false, err.Error()
		}
		return len(endpoints) == 0 && len(groups) == 0, describe(endpoints, groups)
	})
	agents, err := env.Simulator.EC2.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupIds: []string{env.Network.AgentsGroupID}})
	if err != nil || len(agents.SecurityGroups) != 1 {
		t.Errorf("the agents' security group %s, not the operator's, must survive: %v", env.Network.AgentsGroupID, err)
	}
}

// readyPath prints the Ready condition's status, as the READY column does.
const readyPath = `jsonpath={.status.conditions[?(@.type=="Ready")].status}`

// policyDocument is the part of an endpoint policy the test checks.
type policyDocument struct {
	Statement []struct {
		Sid       string
		Effect    string
		Principal any
		Action    any
		Resource  any
	}
}

// assertAllowsExactly checks that doc has one Allow statement per access
// policy and that together they name exactly the wanted gateways.
func assertAllowsExactly(t *testing.T, doc string, want map[string][]string) {
	t.Helper()
	var policy policyDocument
	if err := json.Unmarshal([]byte(doc), &policy); err != nil {
		t.Fatalf("endpoint policy is not JSON: %v\n%s", err, doc)
	}
	if len(policy.Statement) != len(want) {
		t.Errorf("endpoint policy has %d statements, want one per access policy (%d):\n%s", len(policy.Statement), len(want), doc)
	}
	var got, wantARNs []string
	for _, st := range policy.Statement {
		if st.Effect != "Allow" || st.Principal != "*" || st.Action != "*" {
			t.Errorf("statement %s: Effect %v, Principal %v, Action %v; want Allow, *, *", st.Sid, st.Effect, st.Principal, st.Action)
		}
		got = append(got, resources(st.Resource)...)
	}
	for _, arns := range want {
		wantARNs = append(wantARNs, arns...)
	}
	slices.Sort(got)
	slices.Sort(wantARNs)
	if !slices.Equal(got, wantARNs) {
		t.Errorf("endpoint policy admits %q, want exactly %q:\n%s", got, wantARNs, doc)
	}
}

// resources reads a statement's Resource, a string or a list of strings.
func resources(r any) []string {
	switch r := r.(type) {
	case string:
		return []string{r}
	case []any:
		out := make([]string, 0, len(r))
		for _, v := range r {
			s, _ := v.(string)
			out = append(out, s)
		}
		return out
	}
	return nil
}

func startEnv(t *testing.T) *localenv.Env {
	t.Helper()
	env, err := localenv.Start(t.Context(), localenv.Options{
		Paths:   paths,
		WorkDir: t.TempDir(),
		// Shorter than the demo's: the same path, less waiting.
		PendingDelay:     2 * time.Second,
		DeletingDelay:    2 * time.Second,
		PropagationDelay: 5 * time.Second,
		Out:              t.Output(),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := env.Stop(); err != nil {
			t.Error(err)
		}
	})
	// Registered last, so it runs first: the log of a failure, before Stop.
	logPath := env.Manager.LogPath
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("last lines of the manager's log (%s):\n%s", logPath, localenv.LogTail(logPath, 60))
		}
	})
	return env
}

// kubectlFor returns a function that runs kubectl against env, fails the
// test if kubectl fails, and returns its output without surrounding space.
func kubectlFor(t *testing.T, env *localenv.Env) func(stdin []byte, args ...string) string {
	return func(stdin []byte, args ...string) string {
		t.Helper()
		ctx, cancel := context.WithTimeout(t.Context(), waitTimeout+time.Minute)
		defer cancel()
		t.Logf("$ %s", localenv.CommandLine(args...))
		out, err := env.Kubectl.Run(ctx, stdin, args...)
		if err != nil {
			t.Fatalf("%s: %v\n%s", localenv.CommandLine(args...), err, out)
		}
		return strings.TrimSpace(out)
	}
}

// eventually polls cond until it holds, failing the test with cond's last
// description after timeout.
func eventually(t *testing.T, timeout time.Duration, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ok, state := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %s, still not %s: %s", timeout, what, state)
		}
		time.Sleep(250 * time.Millisecond)
	}
}
