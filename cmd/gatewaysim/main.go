// Command gatewaysim serves simulated Amazon Bedrock AgentCore gateways behind the interface
// endpoints of an EC2 API (the EC2 simulator), for the local demo:
//
//	gatewaysim --ec2-endpoint http://127.0.0.1:4566 --gateway demo-gw=secret-token \
//	    --ca-file /tmp/gatewaysim-ca.pem --listeners-file /tmp/gatewaysim-listeners.json
//
// Every few seconds it lists the available endpoints of the gateway service and their
// network interfaces (DescribeVpcEndpoints, DescribeNetworkInterfaces) and listens on one
// loopback port per interface address; each request is judged by the policy of the endpoint
// whose listener it came through, read with DescribeVpcEndpoints and cached (see the
// gatewaysim package). The interface address → listener map is written to
// --listeners-file and served on --admin-addr under /_sim/, with the CA certificate.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/agentcore-io/vpce-operator/internal/gatewaysim"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "gatewaysim:", err)
		os.Exit(1)
	}
}

type config struct {
	region        string
	account       string
	cacheTTL      time.Duration
	gateways      gatewayFlags
	denyAll       list
	ec2Endpoint   string
	pollInterval  time.Duration
	listenHost    string
	caFile        string
	listenersFile string
	adminAddr     string
	verbose       bool
}

// gatewayFlags collects --gateway id=token[:tool,tool].
type gatewayFlags []gatewayFlag

type gatewayFlag struct {
	id, token string
	tools     []string
}

func (g *gatewayFlags) String() string { return fmt.Sprint(len(*g), " gateways") }

func (g *gatewayFlags) Set(s string) error {
	id, rest, ok := strings.Cut(s, "=")
	if !ok || id == "" || rest == "" {
		return fmt.Errorf("want id=token[:tool,...], got %q", s)
	}
	token, tools, _ := strings.Cut(rest, ":")
	f := gatewayFlag{id: id, token: token}
	if tools != "" {
		f.tools = strings.Split(tools, ",")
	}
	*g = append(*g, f)
	return nil
}

// list is a repeatable flag that also takes comma-separated values.
type list []string

func (l *list) String() string { return strings.Join(*l, ",") }

func (l *list) Set(s string) error {
	for _, item := range strings.Split(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			*l = append(*l, item)
		}
	}
	return nil
}

func parseFlags(args []string, output io.Writer) (config, error) {
	var cfg config
	fs := flag.NewFlagSet("gatewaysim", flag.ContinueOnError)
	fs.SetOutput(output)
	fs.StringVar(&cfg.region, "region", "us-east-1", "region the gateways and the EC2 API are in")
	fs.StringVar(&cfg.account, "account", "123456789012", "account ID in the gateways' ARNs")
	fs.DurationVar(&cfg.cacheTTL, "policy-cache-ttl", gatewaysim.DefaultPolicyCacheTTL, "how long an endpoint policy, once read, decides requests (AgentCore: up to 15 minutes; negative: no cache)")
	fs.Var(&cfg.gateways, "gateway", "a gateway as id=token or id=token:tool,tool (repeatable)")
	fs.Var(&cfg.denyAll, "deny-all", "gateway IDs that refuse every request on their own although the endpoint admits them (repeatable)")
	fs.StringVar(&cfg.ec2Endpoint, "ec2-endpoint", os.Getenv("AWS_ENDPOINT_URL_EC2"), "URL of the EC2 API to read endpoints and policies from (default $AWS_ENDPOINT_URL_EC2)")
	fs.DurationVar(&cfg.pollInterval, "poll-interval", 5*time.Second, "how often to read the endpoints and their interfaces from EC2")
	fs.StringVar(&cfg.listenHost, "listen-host", "127.0.0.1", "loopback address the per-interface listeners bind")
	fs.StringVar(&cfg.caFile, "ca-file", "", "write the CA certificate (PEM) that clients must trust to this file")
	fs.StringVar(&cfg.listenersFile, "listeners-file", "", "write the interface address → listener map (JSON) to this file on every change")
	fs.StringVar(&cfg.adminAddr, "admin-addr", "127.0.0.1:0", "plain-HTTP address serving /_sim/listeners, /_sim/ca.pem and /_sim/requests (empty: none)")
	fs.BoolVar(&cfg.verbose, "v", false, "log every request")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	switch {
	case fs.NArg() > 0:
		return cfg, fmt.Errorf("unexpected arguments: %v", fs.Args())
	case cfg.ec2Endpoint == "":
		return cfg, errors.New("--ec2-endpoint (or AWS_ENDPOINT_URL_EC2) is required")
	case len(cfg.gateways) == 0:
		return cfg, errors.New("at least one --gateway id=token is required")
	case cfg.pollInterval <= 0:
		return cfg, errors.New("--poll-interval must be positive")
	}
	return cfg, nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	level := slog.LevelInfo
	if cfg.verbose {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	reader := newEC2Reader(newEC2Client(cfg.ec2Endpoint, cfg.region), cfg.region)
	sim, err := gatewaysim.New(gatewaysim.Options{
		Region: cfg.region, AccountID: cfg.account, Policies: reader,
		PolicyCacheTTL: cfg.cacheTTL, ListenHost: cfg.listenHost, Logger: log,
	})
	if err != nil {
		return err
	}
	defer sim.Close()
	for _, g := range cfg.gateways {
		if err := sim.AddGateway(g.id, g.token, g.tools...); err != nil {
			return fmt.Errorf("--gateway: %w", err)
		}
		fmt.Fprintf(stdout, "gateway %s at %s (%s)\n", g.id, sim.GatewayURL(g.id), sim.GatewayARN(g.id))
	}
	for _, id := range cfg.denyAll {
		if err := sim.DenyAll(id); err != nil {
			return fmt.Errorf("--deny-all: %w", err)
		}
	}
	if cfg.caFile != "" {
		if err := os.WriteFile(cfg.caFile, sim.CACertPEM(), 0o644); err != nil {
			return fmt.Errorf("writing --ca-file: %w", err)
		}
	}
	if cfg.adminAddr != "" {
		addr, stopAdmin, err := serveAdmin(cfg.adminAddr, sim)
		if err != nil {
			return err
		}
		defer stopAdmin()
		fmt.Fprintf(stdout, "gatewaysim admin on http://%s/_sim/\n", addr)
	}

	p := &poller{sim: sim, reader: reader, listenersFile: cfg.listenersFile, log: log, stdout: stdout}
	ticker := time.NewTicker(cfg.pollInterval)
	defer ticker.Stop()
	for {
		p.poll(ctx)
		select {
		case <-ctx.Done():
			return nil
		case <-ticker.C:
		}
	}
}

// poller brings the simulator's endpoints in line with EC2.
type poller struct {
	sim           *gatewaysim.Simulator
	reader        *ec2Reader
	listenersFile string
	log           *slog.Logger
	stdout        io.Writer
	last          string
}

func (p *poller) poll(ctx context.Context) {
	endpoints, err := p.reader.Endpoints(ctx)
	if err != nil {
		if ctx.Err() == nil {
			p.log.Error("reading endpoints from EC2", "error", err)
		}
		return
	}
	if err := p.sim.SetEndpoints(endpoints); err != nil {
		p.log.Error("registering endpoints", "error", err)
	}
	listeners, err := json.MarshalIndent(p.sim.Listeners(), "", "  ")
	if err != nil || string(listeners) == p.last {
		return
	}
	p.last = string(listeners)
	fmt.Fprintf(p.stdout, "listeners (interface address → listener): %s\n", strings.Join(strings.Fields(string(listeners)), " "))
	if p.listenersFile != "" {
		if err := writeFileAtomic(p.listenersFile, append(listeners, '\n')); err != nil {
			p.log.Error("writing --listeners-file", "error", err)
		}
	}
}

// writeFileAtomic replaces a file by renaming a complete one over it, so a reader never
// sees half a map.
func writeFileAtomic(path string, data []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// serveAdmin serves the simulator's state over plain HTTP for the demo's scripts.
func serveAdmin(addr string, sim *gatewaysim.Simulator) (string, func(), error) {
	mux := http.NewServeMux()
	writeJSON := func(w http.ResponseWriter, v any) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(v)
	}
	mux.HandleFunc("GET /_sim/listeners", func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, sim.Listeners()) })
	mux.HandleFunc("GET /_sim/endpoints", func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, sim.Endpoints()) })
	mux.HandleFunc("GET /_sim/requests", func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, sim.Requests()) })
	mux.HandleFunc("GET /_sim/ca.pem", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/x-pem-file")
		_, _ = w.Write(sim.CACertPEM())
	})
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", nil, fmt.Errorf("listening on --admin-addr: %w", err)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	return ln.Addr().String(), func() { _ = srv.Close() }, nil
}
