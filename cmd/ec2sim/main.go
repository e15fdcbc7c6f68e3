// Command ec2sim serves the EC2 API simulator over HTTP, for the local demo and for trying
// the operator's AWS calls by hand:
//
//	ec2sim --seed-vpc --pending-delay 20s
//	aws ec2 describe-vpcs --endpoint-url http://127.0.0.1:4566 --region us-east-1
//
// Any credentials are accepted. Call counts and fault settings are under /_sim/ (see the
// ec2sim package).
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

	"github.com/agentcore-io/vpce-operator/internal/ec2sim"
)

const shutdownTimeout = 5 * time.Second

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "ec2sim:", err)
		os.Exit(1)
	}
}

type config struct {
	addr                string
	region              string
	seed                uint64
	pendingDelay        time.Duration
	deletingDelay       time.Duration
	interfaceLinger     time.Duration
	throttle            onOff
	throttleScale       float64
	throttleTimeScale   float64
	faultRate           float64
	faultCode           string
	faultAfterApply     bool
	latency             time.Duration
	eventualConsistency time.Duration
	repeatedModify      string
	reprovisionOn       list
	serviceZones        list
	serviceIPTypes      list
	hostedZoneConflict  string
	seedVPC             bool
	seedOutput          string
	logCalls            bool
	iamPolicyFile       string
	iamAccessKey        string
	iamPrincipalTags    list
	iamPolicy           []byte
}

// list is a comma-separated flag; "none" is an empty list and an unset flag is nil.
type list []string

func (l *list) String() string {
	if l == nil || *l == nil {
		return ""
	}
	return strings.Join(*l, ",")
}

func (l *list) Set(s string) error {
	*l = []string{}
	if s == "none" {
		return nil
	}
	for _, item := range strings.Split(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			*l = append(*l, item)
		}
	}
	return nil
}

// onOff is a flag that reads on/off as well as true/false.
type onOff bool

func (o *onOff) String() string {
	if *o {
		return "on"
	}
	return "off"
}

func (o *onOff) Set(s string) error {
	switch strings.ToLower(s) {
	case "on", "true", "1", "yes":
		*o = true
	case "off", "false", "0", "no":
		*o = false
	default:
		return fmt.Errorf("want on or off, got %q", s)
	}
	return nil
}

func parseFlags(args []string, output io.Writer) (config, error) {
	cfg := config{throttle: true}
	fs := flag.NewFlagSet("ec2sim", flag.ContinueOnError)
	fs.SetOutput(output)
	fs.StringVar(&cfg.addr, "addr", "127.0.0.1:4566", "address to listen on (port 0 picks a free one)")
	fs.StringVar(&cfg.region, "region", "us-east-1", "region to simulate")
	fs.Uint64Var(&cfg.seed, "seed", 1, "seed for resource IDs, DNS names and addresses")
	fs.DurationVar(&cfg.pendingDelay, "pending-delay", 60*time.Second, "how long a new endpoint stays pending (negative: no wait)")
	fs.DurationVar(&cfg.deletingDelay, "deleting-delay", 30*time.Second, "how long a deleted endpoint stays deleting (negative: no wait)")
	fs.DurationVar(&cfg.interfaceLinger, "interface-linger", 2*time.Minute, "how long a deleted endpoint's network interfaces (and the security groups they hold) outlive it (negative: not at all)")
	fs.Var(&cfg.throttle, "throttle", "EC2's request token buckets: on or off")
	fs.Float64Var(&cfg.throttleScale, "throttle-scale", 1, "multiply every bucket's size and refill rate")
	fs.Float64Var(&cfg.throttleTimeScale, "throttle-time-scale", 1, "multiply every bucket's refill rate but not its size: AWS's buckets at time scale K, for a run where a wall second stands for K seconds (divide --pending-delay and --deleting-delay by K too)")
	fs.Float64Var(&cfg.faultRate, "fault-rate", 0, "share of calls, 0 to 1, that fail with --fault-code")
	fs.StringVar(&cfg.faultCode, "fault-code", "InternalError", "error injected calls fail with: InternalError or Unavailable")
	fs.BoolVar(&cfg.faultAfterApply, "fault-after-apply", false, "injected failures happen after the call took effect, as a lost response")
	fs.DurationVar(&cfg.latency, "latency", 0, "latency added to every call")
	fs.DurationVar(&cfg.eventualConsistency, "eventual-consistency", 0, "how long creations and changes take to reach Describe calls (new IDs answer NotFound meanwhile)")
	fs.StringVar(&cfg.repeatedModify, "repeated-modify", ec2sim.RepeatedModifySucceed,
		"ModifyVpcEndpoint's answer to adding what an endpoint has or removing what it lacks (undocumented by AWS): "+ec2sim.RepeatedModifySucceed+" or "+ec2sim.RepeatedModifyInvalidParameter)
	fs.Var(&cfg.reprovisionOn, "reprovision-on", "ModifyVpcEndpoint changes that send an endpoint back to pending, comma-separated, or none (undocumented by AWS; default subnets,ip-address-type,private-dns)")
	fs.Var(&cfg.serviceZones, "service-zones", "Availability Zones the gateway service is offered in, comma-separated (default: all of the region's)")
	fs.Var(&cfg.serviceIPTypes, "service-ip-address-types", "IP address types the gateway service supports, comma-separated (default ipv4,ipv6)")
	fs.StringVar(&cfg.hostedZoneConflict, "hosted-zone-conflict", ec2sim.HostedZoneConflictDomainExists,
		"error for private DNS over a customer hosted zone of the same name (undocumented by EC2): "+ec2sim.HostedZoneConflictDomainExists+" or "+ec2sim.HostedZoneConflictInvalidParameter)
	fs.BoolVar(&cfg.seedVPC, "seed-vpc", false, "create a VPC 10.0.0.0/16 with a subnet in each of three zones and print their IDs")
	fs.StringVar(&cfg.seedOutput, "seed-output", "", "also write the seeded IDs as JSON to this file")
	fs.BoolVar(&cfg.logCalls, "log-calls", false, "log every EC2 call to stderr")
	fs.StringVar(&cfg.iamPolicyFile, "iam-policy", "", "authorize calls against this IAM policy document (JSON), as EC2 does for the caller's role (default: every call allowed)")
	fs.StringVar(&cfg.iamAccessKey, "iam-access-key", "", "with --iam-policy: only calls signed with this access key are checked; others are an administrator's (default: every call is checked)")
	fs.Var(&cfg.iamPrincipalTags, "iam-principal-tags", "with --iam-policy: the caller's session tags, key=value, comma-separated (e.g. eks-cluster-name=demo for EKS Pod Identity)")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	if cfg.faultRate < 0 || cfg.faultRate > 1 {
		return cfg, fmt.Errorf("--fault-rate %v is outside 0..1", cfg.faultRate)
	}
	if cfg.throttleTimeScale <= 0 {
		return cfg, fmt.Errorf("--throttle-time-scale %v: want a positive multiplier (1: AWS's pace)", cfg.throttleTimeScale)
	}
	if cfg.seedOutput != "" && !cfg.seedVPC {
		return cfg, errors.New("--seed-output needs --seed-vpc")
	}
	if cfg.iamPolicyFile != "" {
		policy, err := os.ReadFile(cfg.iamPolicyFile)
		if err != nil {
			return cfg, fmt.Errorf("--iam-policy: %w", err)
		}
		cfg.iamPolicy = policy
	} else if cfg.iamAccessKey != "" || cfg.iamPrincipalTags != nil {
		return cfg, errors.New("--iam-access-key and --iam-principal-tags need --iam-policy")
	}
	if err := cfg.options().Validate(); err != nil {
		return cfg, err
	}
	return cfg, nil
}

// iam is the simulator's IAM setting from the flags, or nil.
func (cfg config) iam() (*ec2sim.IAMConfig, error) {
	if cfg.iamPolicy == nil {
		return nil, nil
	}
	tags := map[string]string{}
	for _, kv := range cfg.iamPrincipalTags {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("--iam-principal-tags: %q is not key=value", kv)
		}
		tags[k] = v
	}
	return &ec2sim.IAMConfig{Policy: cfg.iamPolicy, AccessKeyID: cfg.iamAccessKey, PrincipalTags: tags}, nil
}

// options are the simulator's settings from the flags.
func (cfg config) options() ec2sim.Options {
	return ec2sim.Options{
		Region:                cfg.region,
		Seed:                  cfg.seed,
		PendingDelay:          cfg.pendingDelay,
		DeletingDelay:         cfg.deletingDelay,
		InterfaceLinger:       cfg.interfaceLinger,
		RepeatedModify:        cfg.repeatedModify,
		ReprovisionOn:         cfg.reprovisionOn,
		ServiceZones:          cfg.serviceZones,
		ServiceIPAddressTypes: cfg.serviceIPTypes,
		HostedZoneConflict:    cfg.hostedZoneConflict,
		Throttle:              ec2sim.ThrottleConfig{Disabled: !bool(cfg.throttle), Scale: cfg.throttleScale, TimeScale: cfg.throttleTimeScale},
	}
}

// seeded is what --seed-output writes, for scripts that set up the local demo.
type seeded struct {
	EndpointURL string   `json:"endpointUrl"`
	Region      string   `json:"region"`
	VpcID       string   `json:"vpcId"`
	SubnetIDs   []string `json:"subnetIds"`
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	sim := ec2sim.New(cfg.options())
	iam, err := cfg.iam()
	if err != nil {
		return err
	}
	if err := sim.SetIAM(iam); err != nil {
		return fmt.Errorf("--iam-policy %s: %w", cfg.iamPolicyFile, err)
	}
	if cfg.faultRate > 0 || cfg.latency > 0 {
		sim.SetFault(ec2sim.AllActions, ec2sim.Fault{ErrorRate: cfg.faultRate, ErrorCode: cfg.faultCode, Latency: cfg.latency, AfterApply: cfg.faultAfterApply})
	}
	sim.SetEventualConsistency(cfg.eventualConsistency)

	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return fmt.Errorf("listening: %w", err)
	}
	url := "http://" + ln.Addr().String()
	if cfg.seedVPC {
		if err := seedVPC(sim, url, cfg, stdout); err != nil {
			ln.Close()
			return err
		}
	}
	var handler http.Handler = sim
	if cfg.logCalls {
		handler = logCalls(sim, slog.New(slog.NewTextHandler(stderr, nil)))
	}
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	fmt.Fprintf(stdout, "ec2sim listening on %s (region %s)\n", url, cfg.region)

	select {
	case err := <-served:
		return fmt.Errorf("serving: %w", err)
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutting down: %w", err)
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serving: %w", err)
	}
	return nil
}

func seedVPC(sim *ec2sim.Simulator, url string, cfg config, stdout io.Writer) error {
	vpcID, subnetIDs, err := sim.SeedVPC("10.0.0.0/16", 3)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "vpc-id=%s subnet-ids=%s\n", vpcID, strings.Join(subnetIDs, ","))
	if cfg.seedOutput == "" {
		return nil
	}
	data, err := json.MarshalIndent(seeded{EndpointURL: url, Region: cfg.region, VpcID: vpcID, SubnetIDs: subnetIDs}, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(cfg.seedOutput, append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("writing seed output: %w", err)
	}
	return nil
}

// logCalls logs each EC2 call's action, HTTP status and duration.
func logCalls(next http.Handler, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		// ParseForm keeps the parsed body on the request, so the simulator reads it again.
		_ = r.ParseForm()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		log.Info("call", "action", r.Form.Get("Action"), "path", r.URL.Path, "status", rec.status, "duration", time.Since(start))
	})
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(status int) {
	r.status = status
	r.ResponseWriter.WriteHeader(status)
}
