package e2e

import (
	"bytes"
	"context"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestDemoCommandExitsZeroAndShowsTheReadyEndpointItsPolicyAndWhatAgentsReach
// runs bin/local as make demo does and reads its output as a newcomer would:
// the Ready objects and the endpoint policy, then the operator's probes
// through the endpoint (a gateway Reachable, a gateway the endpoint refuses
// with -32002), a grant that is AwaitingPropagation until the gateway's cache
// expires and then Reachable, and the agents' ConfigMap.
func TestDemoCommandExitsZeroAndShowsTheReadyEndpointItsPolicyAndWhatAgentsReach(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, paths.Binary("local"),
		"--bin-dir", paths.BinDir, "--assets-dir", paths.AssetsDir, "--work-dir", t.TempDir())
	cmd.Dir = paths.RepoRoot
	// On timeout, let it stop what it started rather than orphaning it.
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = time.Minute
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	out := stdout.String()
	if err != nil {
		t.Fatalf("bin/local: %v\nstdout:\n%s\nstderr:\n%s", err, out, stderr.String())
	}
	t.Logf("bin/local output:\n%s", out)

	for _, want := range []struct {
		what    string
		pattern string
	}{
		{"a READY True row for the endpoint", `(?m)^agentcore-system-samples\s+\S*agentcore-gateway\s+True\s+Ready\s+available\s+vpce-`},
		{"a READY True row for the research policy", `(?m)^team-research\s+\S*research-gateways\s+agentcore-gateway\s+2\s+True\s+True`},
		{"a READY True row for the support policy", `(?m)^team-support\s+\S*support-gateways\s+agentcore-gateway\s+1\s+True\s+True`},
		{"an endpoint ID", `\bvpce-[0-9a-f]{8,17}\b`},
		{"the endpoint's DNS names", `(?m)^vpce-[0-9a-f]+-[a-z0-9]+\.gateway\.bedrock-agentcore\.us-east-1\.vpce\.amazonaws\.com$`},
		{"the simulated delays", `pending 5s .*2-5 minutes`},
		{"the simulated policy cache", `caches each endpoint policy 20s after reading it \(on AWS: up to 15 minutes\)`},
		{"the stop", `Stopping the operator, the simulators and the control plane`},
	} {
		if !regexp.MustCompile(want.pattern).MatchString(out) {
			t.Errorf("output lacks %s (/%s/)", want.what, want.pattern)
		}
	}

	// The story of verification, in this order.
	last := -1
	for _, want := range []struct {
		what    string
		pattern string
	}{
		{"a Reachable line", `(?m)^research-gateways: gateway research-tools-a1b2c3d4e5 is Reachable through vpce-[0-9a-f]{8,17} \(3 tools\)$`},
		{"a -32002 line for the gateway no policy admits",
			`(?m)^research-gateways: gateway web-search-u1v2w3x4y5 answered -32002 Authorization error - Insufficient permissions: no GatewayAccessPolicy admits it, so the endpoint policy denies it$`},
		{"the grant", `(?m)^\$ kubectl patch gatewayaccesspolicy research-gateways -n team-research --type=json .*gateway/web-search-u1v2w3x4y5`},
		{"the grant AwaitingPropagation until the cache expires",
			`(?m)^research-gateways: gateway web-search-u1v2w3x4y5 is AwaitingPropagation until \d\d:\d\d:\d\d \(the gateway caches access policies; simulated 20s, up to 15 minutes on AWS\)`},
		{"the grant then Reachable", `(?m)^research-gateways: gateway web-search-u1v2w3x4y5 is now Reachable through vpce-[0-9a-f]{8,17} \(1 tool\)$`},
		{"a ConfigMap with GATEWAY_URL",
			`(?m)^\$ kubectl get configmap support-gateways-gateways -n team-support -o yaml\napiVersion: v1\ndata:\n  GATEWAY_URL: https://ticketing-k1l2m3n4o5\.gateway\.bedrock-agentcore\.us-east-1\.amazonaws\.com/mcp\nkind: ConfigMap$`},
		{"the granted gateway in the other policy's ConfigMap",
			`(?m)^GATEWAY_WEB_SEARCH_U1V2W3X4Y5_URL=https://web-search-u1v2w3x4y5\.gateway\.bedrock-agentcore\.us-east-1\.amazonaws\.com/mcp$`},
		{"both policies Verified at the end",
			`(?m)^team-research\s+research-gateways\s+agentcore-gateway\s+3\s+True\s+True\s+Effective\s+\S+\s+True\s`},
	} {
		loc := regexp.MustCompile(want.pattern).FindStringIndex(out)
		switch {
		case loc == nil:
			t.Errorf("output lacks %s (/%s/)", want.what, want.pattern)
		case loc[0] < last:
			t.Errorf("output shows %s before what precedes it", want.what)
		default:
			last = loc[0]
		}
	}
	for _, arns := range sampleGatewayARNs {
		for _, arn := range arns {
			if !strings.Contains(out, `"`+arn+`"`) {
				t.Errorf("output lacks the endpoint policy's ARN %s", arn)
			}
		}
	}
}
