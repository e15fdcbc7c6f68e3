package verify

import (
	"context"
	"crypto/x509"
	"fmt"
	"net"
	"net/netip"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/agentcore-io/vpce-operator/api/v1alpha1"
	"github.com/agentcore-io/vpce-operator/internal/policy"
)

// DefaultTimeout bounds one probe: resolving, connecting, TLS and the MCP exchange.
const DefaultTimeout = 5 * time.Second

// gatewayPort is the only port a probe connects to.
const gatewayPort = "443"

// gatewayIDPattern is what a gateway ID must be for the operator to build a host name from
// it: one lower-case DNS label. AWS's IDs fit it.
var gatewayIDPattern = regexp.MustCompile(`^[a-z0-9-]{1,63}$`)

// Resolver looks a host name up and returns its addresses.
type Resolver func(ctx context.Context, host string) ([]string, error)

// DialFunc opens a connection, as net.Dialer.DialContext does.
type DialFunc func(ctx context.Context, network, address string) (net.Conn, error)

// Options configure a Prober.
type Options struct {
	// Resolve looks names up; default the system resolver. Tests map names to the
	// simulated endpoint's addresses, or elsewhere.
	Resolve Resolver
	// SimulatePrivateDNS answers names from EC2's record of the endpoint instead of
	// resolving them: the gateway's name resolves to the endpoint's interfaces when EC2
	// reports private DNS on. For the local run against the simulators, where no DNS server
	// knows the simulated names; it cannot find PrivateDNSNotInEffect.
	SimulatePrivateDNS bool
	// Dial connects to an interface address and port 443; default a net.Dialer. Tests dial
	// the gateway simulator's listener for the address.
	Dial DialFunc
	// RootCAs are the certificate authorities the gateway's certificate must chain to;
	// nil means the system's.
	RootCAs *x509.CertPool
	// Timeout bounds one probe; default DefaultTimeout.
	Timeout time.Duration
	// Now is the clock the propagation window is judged on; default time.Now.
	Now func() time.Time
	// ProtocolVersion is the MCP protocol version the client asks for; default the SDK's
	// latest, negotiated down by the gateway as an agent's would be.
	ProtocolVersion string
}

// Prober probes gateways through interface endpoints. It is safe for concurrent use.
type Prober struct {
	opts Options
}

// New returns a Prober.
func New(opts Options) *Prober {
	if opts.Resolve == nil {
		opts.Resolve = SystemResolver()
	}
	if opts.Dial == nil {
		var d net.Dialer
		opts.Dial = d.DialContext
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Prober{opts: opts}
}

// Endpoint is an interface VPC endpoint as EC2 reports it.
type Endpoint struct {
	ID     string
	Region string
	VPCID  string
	// PrivateDNS is EC2's PrivateDnsEnabled.
	PrivateDNS bool
	// DNSNames are the endpoint's DnsEntries names.
	DNSNames []string
	// Addresses are its network interfaces' private addresses (DescribeNetworkInterfaces).
	Addresses []string
	// PolicyDocument is its policy document ("" for none: full access).
	PolicyDocument string
}

// Target is one gateway to probe through one endpoint.
type Target struct {
	GatewayARN string
	Auth       v1alpha1.GatewayAuth
	Endpoint   Endpoint
	// AllowedAccounts are the accounts whose gateways the endpoint's owner allows
	// (access.allowedGateways, by default the endpoint's own account).
	AllowedAccounts []string
	// OperatorVPCID is the VPC the operator runs in (--vpc-id), or "" when not given.
	OperatorVPCID string
	// GrantEffectiveAt is when the endpoint policy's grant of this gateway is certain to be
	// enforced (applied plus the propagation delay); zero when it is not recent.
	GrantEffectiveAt time.Time
}

// Outcome is what a probe found.
type Outcome struct {
	Result v1alpha1.VerificationResult
	// ToolCount is the number of tools listed, for Reachable.
	ToolCount int
	// Address is the interface address connected to, if any.
	Address string
	// Message says what happened and what to do, for a person. It never holds the token.
	Message string
}

func outcome(result v1alpha1.VerificationResult, format string, args ...any) Outcome {
	return Outcome{Result: result, Message: fmt.Sprintf(format, args...)}
}

// GatewayHost is the host name of a gateway: <id>.gateway.bedrock-agentcore.<region>.amazonaws.com.
func GatewayHost(gatewayID, region string) string {
	return gatewayID + ".gateway.bedrock-agentcore." + region + ".amazonaws.com"
}

// Check says whether the target may be probed at all; when not, the Outcome (NotVerifiable)
// says why. It sends nothing: call it before reading the token.
func (p *Prober) Check(t Target) (Outcome, bool) {
	arn, err := policy.ParseARN(t.GatewayARN)
	if err != nil {
		return outcome(v1alpha1.VerificationNotVerifiable, "Not a gateway ARN: %v", err), false
	}
	switch {
	case arn.GatewayID == "*":
		return outcome(v1alpha1.VerificationNotVerifiable, "gateway/* names no single gateway to probe; list each gateway under spec.verify.gateways."), false
	case !gatewayIDPattern.MatchString(arn.GatewayID):
		return outcome(v1alpha1.VerificationNotVerifiable, "Gateway ID %q is not a lower-case DNS label (^[a-z0-9-]{1,63}$); the operator builds the host name to probe only from such IDs.", arn.GatewayID), false
	case arn.Partition != "aws" && arn.Partition != "aws-us-gov":
		return outcome(v1alpha1.VerificationNotVerifiable, "Partition %s: the operator probes only gateways under amazonaws.com (partitions aws and aws-us-gov).", arn.Partition), false
	case t.Auth == v1alpha1.GatewayAuthSigV4:
		return outcome(v1alpha1.VerificationNotVerifiable, "SigV4 (IAM) gateways are not probed yet: that would take a signature with the operator's own AWS identity. Check from an agent's pod instead."), false
	case arn.Region != t.Endpoint.Region:
		return outcome(v1alpha1.VerificationNotVerifiable, "The gateway is in region %s and the endpoint in %s; an interface endpoint reaches only gateways of its own region.", arn.Region, t.Endpoint.Region), false
	case !slices.Contains(t.AllowedAccounts, arn.Account):
		return outcome(v1alpha1.VerificationNotVerifiable, "Account %s is not one the endpoint's owner allows (spec.access.allowedGateways.accounts: %s); the operator probes only gateways within that list.", arn.Account, strings.Join(t.AllowedAccounts, ", ")), false
	case t.OperatorVPCID != "" && t.Endpoint.VPCID != t.OperatorVPCID:
		return outcome(v1alpha1.VerificationNotVerifiable, "The endpoint is in %s and the operator runs in %s (--vpc-id): verification is measured from the operator's pod, which does not see that VPC's private DNS or interfaces. Check from an agent's pod in %s.", t.Endpoint.VPCID, t.OperatorVPCID, t.Endpoint.VPCID), false
	}
	return Outcome{}, true
}

// Probe resolves, checks and connects as the package comment says, sends MCP tools/list with
// the bearer token, and classifies the answer. Call Check first; Probe checks again.
func (p *Prober) Probe(ctx context.Context, t Target, token string) Outcome {
	if o, ok := p.Check(t); !ok {
		return o
	}
	ctx, cancel := context.WithTimeout(ctx, p.opts.Timeout)
	defer cancel()
	arn, _ := policy.ParseARN(t.GatewayARN)
	host := GatewayHost(arn.GatewayID, t.Endpoint.Region)

	address, o, ok := p.resolve(ctx, host, t.Endpoint)
	if !ok {
		return o
	}
	return p.listTools(ctx, t, host, address, token)
}

// resolve returns the one interface address to connect to, or the Outcome that stops the
// probe before anything is sent.
func (p *Prober) resolve(ctx context.Context, host string, ep Endpoint) (string, Outcome, bool) {
	interfaces := map[netip.Addr]bool{}
	for _, a := range ep.Addresses {
		if addr, err := netip.ParseAddr(a); err == nil {
			interfaces[addr.Unmap()] = true
		}
	}
	if len(interfaces) == 0 {
		return "", outcome(v1alpha1.VerificationEndpointNotAvailable, "EC2 reports no network interface address for endpoint %s.", ep.ID), false
	}
	name := host
	if !ep.PrivateDNS {
		name = regionalDNSName(ep)
		if name == "" {
			return "", outcome(v1alpha1.VerificationEndpointNotAvailable, "Private DNS is off and EC2 reports no DNS name for endpoint %s to connect to.", ep.ID), false
		}
	}
	var answers []string
	var err error
	if p.opts.SimulatePrivateDNS {
		answers = slices.Clone(ep.Addresses)
	} else {
		answers, err = p.opts.Resolve(ctx, name)
	}
	if err != nil || len(answers) == 0 {
		if ep.PrivateDNS {
			return "", outcome(v1alpha1.VerificationPrivateDNSNotInEffect, "%s does not resolve from the operator's pod (%v); with private DNS on it should resolve to the endpoint's interfaces %s. Nothing was sent.", name, errOrEmpty(err), strings.Join(ep.Addresses, ", ")), false
		}
		return "", outcome(v1alpha1.VerificationUnreachable, "The endpoint's DNS name %s does not resolve from the operator's pod (%v). Nothing was sent.", name, errOrEmpty(err)), false
	}
	var elsewhere []string
	for _, a := range answers {
		addr, perr := netip.ParseAddr(a)
		if perr != nil || !interfaces[addr.Unmap()] {
			elsewhere = append(elsewhere, a)
		}
	}
	if len(elsewhere) > 0 {
		if ep.PrivateDNS {
			return "", outcome(v1alpha1.VerificationPrivateDNSNotInEffect,
				"%s resolves to %s, not only to endpoint %s's interfaces (%s): private DNS is not in effect where the operator runs (a resolver that is not the VPC's, another private hosted zone for the name, or the VPC's enableDnsSupport/enableDnsHostnames). Agents resolving the same way bypass the endpoint. Nothing was sent.",
				name, strings.Join(answers, ", "), ep.ID, strings.Join(ep.Addresses, ", ")), false
		}
		return "", outcome(v1alpha1.VerificationProbeFailed,
			"The endpoint's DNS name %s resolves to %s, which are not all endpoint %s's interfaces (%s). Nothing was sent.",
			name, strings.Join(answers, ", "), ep.ID, strings.Join(ep.Addresses, ", ")), false
	}
	return answers[0], Outcome{}, true
}

// regionalDNSName is the endpoint's own regional name among EC2's DnsEntries:
// vpce-<id>-<suffix>.gateway.bedrock-agentcore.<region>.vpce.amazonaws.com, the shortest of the
// names under vpce.amazonaws.com that start with the endpoint's ID (the zonal ones add the
// zone). AWS does not promise an order of DnsEntries (AWS_FACTS.md, "The service").
func regionalDNSName(ep Endpoint) string {
	best := ""
	suffix := ".gateway.bedrock-agentcore." + ep.Region + ".vpce.amazonaws.com"
	for _, n := range ep.DNSNames {
		n = strings.ToLower(strings.TrimSuffix(n, "."))
		if !strings.HasPrefix(n, ep.ID+"-") || !strings.HasSuffix(n, suffix) || strings.Contains(n, "*") {
			continue
		}
		if best == "" || len(n) < len(best) {
			best = n
		}
	}
	return best
}

func errOrEmpty(err error) string {
	if err == nil {
		return "no addresses"
	}
	return err.Error()
}

// listTools sends tools/list through address with the official MCP SDK and classifies the
// answer.
func (p *Prober) listTools(ctx context.Context, t Target, host, address, token string) Outcome {
	tr := newTransport(ctx, p.opts, host, address, token)
	hc := tr.client()
	client := mcp.NewClient(&mcp.Implementation{Name: "agentcore-vpce-operator", Version: "v1alpha1"},
		&mcp.ClientOptions{Capabilities: &mcp.ClientCapabilities{}})
	cs, err := client.Connect(ctx, &mcp.StreamableClientTransport{
		Endpoint: "https://" + host + "/mcp", HTTPClient: hc, MaxRetries: -1, DisableStandaloneSSE: true,
	}, &mcp.ClientSessionOptions{ProtocolVersion: p.opts.ProtocolVersion})
	count := 0
	if err == nil {
		defer func() { _ = cs.Close() }()
		for _, lerr := range cs.Tools(ctx, nil) {
			if lerr != nil {
				err = lerr
				break
			}
			count++
		}
	}
	o := p.classify(t, tr, err)
	o.Address = tr.connectedTo()
	if o.Result == v1alpha1.VerificationReachable {
		o.ToolCount = count
	}
	o.Message = redact(o.Message, token)
	return o
}

// redact keeps a token out of a message, whatever quoted it.
func redact(message, token string) string {
	if token == "" {
		return message
	}
	return strings.ReplaceAll(message, token, "[token]")
}
