package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/agentcore-io/vpce-operator/internal/localenv"
)

// logTailLines is how much of the manager's log a failure shows.
const logTailLines = 40

type config struct {
	keepRunning      bool
	workDir          string
	binDir           string
	assetsDir        string
	waitTimeout      time.Duration
	pendingDelay     time.Duration
	deletingDelay    time.Duration
	propagationDelay time.Duration
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func parseFlags(args []string, stderr io.Writer) (config, localenv.Paths, error) {
	paths, err := localenv.DefaultPaths()
	if err != nil {
		return config{}, paths, err
	}
	cfg := config{}
	fs := flag.NewFlagSet("local", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.BoolVar(&cfg.keepRunning, "keep-running", false, "keep everything running until Ctrl-C (SIGINT) or SIGTERM, to try kubectl by hand")
	fs.StringVar(&cfg.workDir, "work-dir", filepath.Join(paths.RepoRoot, "bin", "demo"), "directory for the kubeconfig and the logs")
	fs.StringVar(&cfg.binDir, "bin-dir", paths.BinDir, "directory holding the manager, ec2sim and gatewaysim binaries")
	fs.StringVar(&cfg.assetsDir, "assets-dir", paths.AssetsDir, "directory holding kube-apiserver, etcd and kubectl")
	fs.DurationVar(&cfg.waitTimeout, "wait-timeout", 5*time.Minute, "how long to wait for each kind to become Ready")
	fs.DurationVar(&cfg.pendingDelay, "pending-delay", 5*time.Second, "how long the simulator keeps a new endpoint pending (AWS: 2-5 minutes)")
	fs.DurationVar(&cfg.deletingDelay, "deleting-delay", 3*time.Second, "how long the simulator keeps a deleted endpoint deleting")
	fs.DurationVar(&cfg.propagationDelay, "policy-propagation-delay", 20*time.Second, "the operator's --policy-propagation-delay and the gateway simulator's policy cache (AWS: up to 15 minutes)")
	if err := fs.Parse(args); err != nil {
		return cfg, paths, err
	}
	if fs.NArg() > 0 {
		return cfg, paths, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	paths.BinDir, paths.AssetsDir = cfg.binDir, cfg.assetsDir
	return cfg, paths, nil
}

// run returns the process's exit code: 0 when the demo worked (or, with
// --keep-running, was stopped by a signal), 2 for bad flags, 130 when a
// signal interrupted it, 1 otherwise.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cfg, paths, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "local:", err)
		return 2
	}
	out := localenv.Progress{W: stdout}
	env, err := localenv.Start(ctx, localenv.Options{
		Paths: paths, WorkDir: cfg.workDir, Out: stdout,
		PendingDelay: cfg.pendingDelay, DeletingDelay: cfg.deletingDelay, PropagationDelay: cfg.propagationDelay,
	})
	if err != nil {
		return fail(ctx, stderr, filepath.Join(cfg.workDir, localenv.ManagerLogFile), err)
	}
	if err := runDemo(ctx, env, cfg, out); err != nil {
		// Read the log before stopping the manager: its last lines are about
		// the failure, not about shutting down.
		code := fail(ctx, stderr, filepath.Join(env.Options.WorkDir, localenv.ManagerLogFile), err)
		if stopErr := env.Stop(); stopErr != nil {
			fmt.Fprintln(stderr, "local:", stopErr)
		}
		return code
	}
	out.Step("Stopping the operator, the simulators and the control plane")
	if err := env.Stop(); err != nil {
		fmt.Fprintln(stderr, "local:", err)
		return 1
	}
	out.Detail("done")
	return 0
}

func runDemo(ctx context.Context, env *localenv.Env, cfg config, out localenv.Progress) error {
	watched, cancel := env.Watch(ctx)
	defer cancel()
	d := &demo{env: env, out: out, waitTimeout: cfg.waitTimeout}
	if err := d.run(watched); err != nil {
		if cause := context.Cause(watched); cause != nil {
			return fmt.Errorf("%w (while: %w)", cause, err)
		}
		return err
	}
	if !cfg.keepRunning {
		out.Detail("")
		out.Detail("To keep it running and try kubectl yourself: make demo KEEP_RUNNING=1 (or bin/local --keep-running)")
		return nil
	}
	d.printHowToUse()
	<-watched.Done()
	if ctx.Err() == nil {
		// Not a signal: the manager or a simulator stopped on its own.
		return context.Cause(watched)
	}
	out.Step("Signal received")
	return nil
}

// fail reports err with the tail of the manager's log, if there is one, and
// returns the exit code. An interrupted run is not a failure to explain.
func fail(ctx context.Context, stderr io.Writer, managerLog string, err error) int {
	if ctx.Err() != nil {
		fmt.Fprintln(stderr, "\nlocal: interrupted; stopping everything it started")
		return 130
	}
	fmt.Fprintln(stderr, "\nlocal: FAILED:", err)
	if _, statErr := os.Stat(managerLog); statErr == nil {
		fmt.Fprintf(stderr, "\n--- last %d lines of the manager's log (%s) ---\n%s\n---\n",
			logTailLines, localenv.Rel(managerLog), localenv.LogTail(managerLog, logTailLines))
	}
	return 1
}
