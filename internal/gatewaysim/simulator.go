package gatewaysim

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"slices"
	"sync"
	"time"
)

const (
	defaultRegion    = "us-east-1"
	defaultAccountID = "123456789012"
	// DefaultPolicyCacheTTL is how long a gateway keeps using an endpoint policy it has read:
	// the "up to 15 minutes" of the AWS blog recipe (AWS_FACTS.md, "The service"), which AWS's
	// reference documentation does not state.
	DefaultPolicyCacheTTL = 15 * time.Minute
	// DefaultDeniedCode and DefaultDeniedMessage are the JSON-RPC error of a request the
	// endpoint policy does not admit, as the AWS blog recipe shows it (AWS_FACTS.md, "The
	// service"); not in AWS's reference documentation.
	DefaultDeniedCode    = -32002
	DefaultDeniedMessage = "Authorization error - Insufficient permissions"
	defaultListenHost    = "127.0.0.1"
)

// PolicySource reads the current policy document of a VPC endpoint, as EC2 reports it
// (DescribeVpcEndpoints' PolicyDocument). An empty document means none: full access.
type PolicySource interface {
	EndpointPolicy(endpointID string) (string, error)
}

// PolicySourceFunc adapts a function to PolicySource.
type PolicySourceFunc func(endpointID string) (string, error)

// EndpointPolicy calls f.
func (f PolicySourceFunc) EndpointPolicy(endpointID string) (string, error) { return f(endpointID) }

// Refusal is how a refused request is answered.
type Refusal struct {
	// HTTPStatus is the answer's status: 200 (the default) carries the JSON-RPC error in a
	// successful HTTP answer, as the blog recipe's curl shows; 403 is the other reading of
	// AWS_FACTS.md's "-32002/403".
	HTTPStatus int
	// Code and Message are the JSON-RPC error; defaults DefaultDeniedCode and
	// DefaultDeniedMessage.
	Code    int
	Message string
}

func (r Refusal) withDefaults() Refusal {
	if r.HTTPStatus == 0 {
		r.HTTPStatus = http.StatusOK
	}
	if r.Code == 0 {
		r.Code = DefaultDeniedCode
	}
	if r.Message == "" {
		r.Message = DefaultDeniedMessage
	}
	return r
}

// Options configures a Simulator.
type Options struct {
	// Region and AccountID make the gateways' host names and ARNs. Defaults us-east-1 and
	// 123456789012, as the EC2 simulator's.
	Region    string
	AccountID string
	// Policies reads endpoint policies. Required.
	Policies PolicySource
	// PolicyCacheTTL is how long an endpoint's policy, once read, decides its requests:
	// 0 means DefaultPolicyCacheTTL, negative means it is read for every request.
	PolicyCacheTTL time.Duration
	// Clock is the time the policy cache lives in; default time.Now. Tests share it with the
	// EC2 simulator and the operator.
	Clock func() time.Time
	// ListenHost is the loopback address the listeners bind, one port per interface
	// address; default 127.0.0.1.
	ListenHost string
	// EndpointPolicyRefusal answers a request the endpoint policy does not admit.
	EndpointPolicyRefusal Refusal
	// GatewayRefusal answers a request a gateway refuses on its own (DenyAll) although the
	// endpoint admits it. AgentCore documents no answer for its resource policy; the default
	// is the same -32002 answer, so that only the endpoint policy can tell them apart.
	GatewayRefusal Refusal
	// Logger receives one debug line per request and errors reading policies; default none.
	Logger *slog.Logger
}

// Simulator serves simulated AgentCore gateways on one listener per registered endpoint
// interface address. It is safe for concurrent use.
type Simulator struct {
	region          string
	accountID       string
	cache           *policyCache
	clock           func() time.Time
	host            string
	endpointRefusal Refusal
	gatewayRefusal  Refusal
	logger          *slog.Logger
	certs           *certificates

	mu        sync.Mutex
	closed    bool
	gateways  map[string]*gateway
	endpoints map[string][]string  // endpoint ID → interface addresses
	listeners map[string]*listener // interface address → its listener
	requests  []Request
}

// New returns a simulator with no gateways and no endpoints; Close releases its listeners.
func New(opts Options) (*Simulator, error) {
	if opts.Policies == nil {
		return nil, errors.New("gatewaysim: Options.Policies is required")
	}
	if opts.Region == "" {
		opts.Region = defaultRegion
	}
	if opts.AccountID == "" {
		opts.AccountID = defaultAccountID
	}
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	if opts.PolicyCacheTTL == 0 {
		opts.PolicyCacheTTL = DefaultPolicyCacheTTL
	}
	if opts.ListenHost == "" {
		opts.ListenHost = defaultListenHost
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	certs, err := newCertificates(opts.Region)
	if err != nil {
		return nil, err
	}
	return &Simulator{
		region:          opts.Region,
		accountID:       opts.AccountID,
		cache:           newPolicyCache(opts.Policies, opts.PolicyCacheTTL, opts.Clock),
		clock:           opts.Clock,
		host:            opts.ListenHost,
		endpointRefusal: opts.EndpointPolicyRefusal.withDefaults(),
		gatewayRefusal:  opts.GatewayRefusal.withDefaults(),
		logger:          opts.Logger,
		certs:           certs,
		gateways:        map[string]*gateway{},
		endpoints:       map[string][]string{},
		listeners:       map[string]*listener{},
	}, nil
}

// gatewayIDPattern is a DNS label: the gateway ID is the first label of its host name.
// AWS's own IDs are narrower (([0-9a-z][-]?){1,100}-[0-9a-z]{10}, UpdateGateway in the
// bedrock-agentcore-control API reference).
var gatewayIDPattern = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)

// AddGateway configures a gateway that accepts token as its bearer token and lists tools
// (demo tools that echo their "message" argument; DefaultTool when none are given). It
// accepts every version of SupportedProtocolVersions until SetProtocolVersions narrows them.
func (s *Simulator) AddGateway(id, token string, tools ...string) error {
	if !gatewayIDPattern.MatchString(id) {
		return fmt.Errorf("gateway ID %q is not a DNS label", id)
	}
	if token == "" {
		return fmt.Errorf("gateway %s: empty token", id)
	}
	if len(tools) == 0 {
		tools = []string{DefaultTool}
	}
	g, err := newGateway(id, token, slices.Clone(tools), SupportedProtocolVersions())
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.gateways[id]; ok {
		return fmt.Errorf("gateway %s already exists", id)
	}
	s.gateways[id] = g
	return nil
}

// RemoveGateway deletes a gateway; its host name then answers 404.
func (s *Simulator) RemoveGateway(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.gateways, id)
}

// SetToken replaces a gateway's bearer token, as a rotation does.
func (s *Simulator) SetToken(id, token string) error {
	if token == "" {
		return fmt.Errorf("gateway %s: empty token", id)
	}
	return s.updateGateway(id, func(g *gateway) error { g.token = token; return nil })
}

// DenyAll makes a gateway refuse every request that reaches it, whatever the endpoint
// policy admits: its own authorization, such as a resource-based policy denying
// InvokeGateway (AWS_FACTS.md, "The service": PutResourcePolicy). It is answered with
// Options.GatewayRefusal.
func (s *Simulator) DenyAll(id string) error {
	return s.updateGateway(id, func(g *gateway) error { g.denyAll = true; return nil })
}

// LiftDenyAll undoes DenyAll.
func (s *Simulator) LiftDenyAll(id string) error {
	return s.updateGateway(id, func(g *gateway) error { g.denyAll = false; return nil })
}

// SetProtocolVersions narrows the MCP protocol versions a gateway accepts, as its
// protocolConfiguration.mcp.supportedVersions does: "The gateway accepts only the MCP
// protocol versions listed in the supportedVersions field"
// (https://docs.aws.amazon.com/bedrock-agentcore/latest/devguide/gateway-using-mcp-list.html).
func (s *Simulator) SetProtocolVersions(id string, versions ...string) error {
	return s.updateGateway(id, func(g *gateway) error { return g.setProtocolVersions(versions) })
}

func (s *Simulator) updateGateway(id string, update func(*gateway) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.gateways[id]
	if !ok {
		return fmt.Errorf("no gateway %s", id)
	}
	return update(g)
}

// gateway returns a copy of a gateway's settings, safe to use without s.mu.
func (s *Simulator) gateway(id string) (gateway, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.gateways[id]
	if !ok {
		return gateway{}, false
	}
	return *g, true
}

// Region returns the simulated region.
func (s *Simulator) Region() string { return s.region }

// GatewayARN returns a gateway's ARN, the Resource an endpoint policy names:
// arn:aws:bedrock-agentcore:<region>:<account>:gateway/<id> (AWS_FACTS.md, "The service").
func (s *Simulator) GatewayARN(id string) string {
	return fmt.Sprintf("arn:aws:bedrock-agentcore:%s:%s:gateway/%s", s.region, s.accountID, id)
}

// GatewayHost returns a gateway's host name, <id>.gateway.bedrock-agentcore.<region>.amazonaws.com.
func (s *Simulator) GatewayHost(id string) string { return id + "." + serviceDomain(s.region) }

// GatewayURL returns a gateway's MCP URL, https://<host>/mcp.
func (s *Simulator) GatewayURL(id string) string { return "https://" + s.GatewayHost(id) + mcpPath }

func serviceDomain(region string) string {
	return "gateway.bedrock-agentcore." + region + ".amazonaws.com"
}

// Close stops every listener and ends their connections.
func (s *Simulator) Close() error {
	s.mu.Lock()
	s.closed = true
	listeners := s.listeners
	s.listeners = map[string]*listener{}
	s.endpoints = map[string][]string{}
	s.mu.Unlock()
	var errs []error
	for _, l := range listeners {
		errs = append(errs, l.close())
	}
	return errors.Join(errs...)
}
