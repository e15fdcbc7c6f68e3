package localenv

import (
	"bytes"
	"context"
	"os/exec"
	"strings"
)

// Kubectl runs the real kubectl binary against the local control plane.
type Kubectl struct {
	// Path is the kubectl binary.
	Path string
	// Kubeconfig is the admin kubeconfig of the local control plane.
	Kubeconfig string
}

// Run runs kubectl with args, stdin as its input if not nil, and returns its
// standard output; an error carries what kubectl printed on standard error.
func (k *Kubectl) Run(ctx context.Context, stdin []byte, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, k.Path, append([]string{"--kubeconfig", k.Kubeconfig}, args...)...)
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	return runCommand(cmd)
}

// CommandLine is how a person would type kubectl with args, once KUBECONFIG
// is exported: for showing what is being run.
func CommandLine(args ...string) string {
	quoted := make([]string, len(args))
	for i, arg := range args {
		if strings.ContainsAny(arg, " '\"{}[]$*?\\|&;<>()") {
			quoted[i] = "'" + strings.ReplaceAll(arg, "'", `'\''`) + "'"
		} else {
			quoted[i] = arg
		}
	}
	return "kubectl " + strings.Join(quoted, " ")
}
