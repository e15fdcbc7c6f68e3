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

func TestDemoCommandExitsZeroAndShowsTheReadyEndpointAndItsPolicy(t *testing.T) {
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
		{"a READY True row for the endpoint", `(?m)^agentcore-system-samples\s+\S*agentcore-gateway\s+True\s+available\s+vpce-`},
		{"a READY True row for the research policy", `(?m)^team-research\s+\S*research-gateways\s+agentcore-gateway\s+2\s+True\s+True`},
		{"a READY True row for the support policy", `(?m)^team-support\s+\S*support-gateways\s+agentcore-gateway\s+1\s+True\s+True`},
		{"an endpoint ID", `\bvpce-[0-9a-f]{8,17}\b`},
		{"the endpoint's DNS names", `(?m)^vpce-[0-9a-f]+-[a-z0-9]+\.gateway\.bedrock-agentcore\.us-east-1\.vpce\.amazonaws\.com$`},
		{"the simulated delays", `pending 5s .*2-5 minutes`},
		{"the stop", `Stopping the operator, the EC2 simulator and the control plane`},
	} {
		if !regexp.MustCompile(want.pattern).MatchString(out) {
			t.Errorf("output lacks %s (/%s/)", want.what, want.pattern)
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
