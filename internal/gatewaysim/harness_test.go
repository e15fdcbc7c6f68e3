package gatewaysim_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/agentcore-io/vpce-operator/internal/ec2sim"
	"github.com/agentcore-io/vpce-operator/internal/gatewaysim"
)

const (
	region      = "us-east-1"
	account     = "123456789012"
	serviceName = "com.amazonaws.us-east-1.bedrock-agentcore.gateway"
)

var epoch = time.Date(2026, 8, 1, 9, 0, 0, 0, time.UTC)

// ec2Policies is the PolicySource of these tests: it reads an endpoint's policy from the
// EC2 simulator through the real SDK (DescribeVpcEndpoints), and counts its reads.
type ec2Policies struct {
	client *ec2.Client
	reads  atomic.Int64
}

func (p *ec2Policies) EndpointPolicy(endpointID string) (string, error) {
	p.reads.Add(1)
	out, err := p.client.DescribeVpcEndpoints(context.Background(), &ec2.DescribeVpcEndpointsInput{VpcEndpointIds: []string{endpointID}})
	if err != nil {
		return "", err
	}
	if len(out.VpcEndpoints) != 1 {
		return "", errors.New("endpoint " + endpointID + " not found")
	}
	return aws.ToString(out.VpcEndpoints[0].PolicyDocument), nil
}

// harness is an EC2 simulator with a VPC of three subnets and a gateway simulator reading
// endpoint policies from it, on one clock the test moves.
type harness struct {
	clock    *ec2sim.ManualClock
	ec2      *ec2.Client
	policies *ec2Policies
	gw       *gatewaysim.Simulator
	vpcID    string
	subnets  []string
	groupID  string
}

func newHarness(t *testing.T, edit ...func(*gatewaysim.Options)) *harness {
	t.Helper()
	clock := ec2sim.NewManualClock(epoch)
	sim := ec2sim.New(ec2sim.Options{
		Region: region, AccountID: account, Clock: clock.Now, PendingDelay: -1,
		Throttle: ec2sim.ThrottleConfig{Disabled: true},
	})
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	client, err := ec2sim.NewClient(context.Background(), srv.URL, region)
	must(t, err)
	vpcID, subnets, err := sim.SeedVPC("10.0.0.0/16", 3)
	must(t, err)
	group, err := client.CreateSecurityGroup(context.Background(), &ec2.CreateSecurityGroupInput{
		GroupName: aws.String("vpce-agentcore-sg"), Description: aws.String("gateway endpoint"), VpcId: aws.String(vpcID),
	})
	must(t, err)

	policies := &ec2Policies{client: client}
	opts := gatewaysim.Options{Region: region, AccountID: account, Policies: policies, Clock: clock.Now}
	for _, e := range edit {
		e(&opts)
	}
	gw, err := gatewaysim.New(opts)
	must(t, err)
	t.Cleanup(func() { _ = gw.Close() })
	return &harness{clock: clock, ec2: client, policies: policies, gw: gw, vpcID: vpcID, subnets: subnets, groupID: aws.ToString(group.GroupId)}
}

// createEndpoint creates an interface endpoint with a policy ("" for none) and registers its
// network interfaces' addresses with the gateway simulator, as the lead's wiring and
// cmd/gatewaysim do.
func (h *harness) createEndpoint(t *testing.T, policy string) gatewaysim.Endpoint {
	t.Helper()
	in := &ec2.CreateVpcEndpointInput{
		VpcEndpointType: types.VpcEndpointTypeInterface, VpcId: aws.String(h.vpcID), ServiceName: aws.String(serviceName),
		SubnetIds: h.subnets, SecurityGroupIds: []string{h.groupID}, PrivateDnsEnabled: aws.Bool(false),
	}
	if policy != "" {
		in.PolicyDocument = aws.String(policy)
	}
	out, err := h.ec2.CreateVpcEndpoint(context.Background(), in)
	must(t, err)
	ids := out.VpcEndpoint.NetworkInterfaceIds
	nis, err := h.ec2.DescribeNetworkInterfaces(context.Background(), &ec2.DescribeNetworkInterfacesInput{NetworkInterfaceIds: ids})
	must(t, err)
	e := gatewaysim.Endpoint{ID: aws.ToString(out.VpcEndpoint.VpcEndpointId)}
	for _, ni := range nis.NetworkInterfaces {
		e.Addresses = append(e.Addresses, aws.ToString(ni.PrivateIpAddress))
	}
	if len(e.Addresses) != len(h.subnets) {
		t.Fatalf("endpoint %s has %d interface addresses, want %d", e.ID, len(e.Addresses), len(h.subnets))
	}
	must(t, h.gw.AddEndpoint(e))
	return e
}

// setPolicy writes an endpoint's policy in EC2, as the operator does.
func (h *harness) setPolicy(t *testing.T, endpointID, policy string) {
	t.Helper()
	_, err := h.ec2.ModifyVpcEndpoint(context.Background(), &ec2.ModifyVpcEndpointInput{
		VpcEndpointId: aws.String(endpointID), PolicyDocument: aws.String(policy),
	})
	must(t, err)
}

// allowGateways is an endpoint policy admitting exactly these gateways, the operator's shape.
func (h *harness) allowGateways(ids ...string) string {
	var arns []string
	for _, id := range ids {
		arns = append(arns, h.gw.GatewayARN(id))
	}
	b, _ := json.Marshal(map[string]any{
		"Version":   "2012-10-17",
		"Statement": []any{map[string]any{"Sid": "agents", "Effect": "Allow", "Principal": "*", "Action": "*", "Resource": arns}},
	})
	return string(b)
}

// wire is what a client sent: the JSON-RPC method and MCP-Protocol-Version header of each
// POST, in order.
type wire struct {
	mu       sync.Mutex
	methods  []string
	versions []string
}

func (w *wire) add(method, version string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.methods = append(w.methods, method)
	w.versions = append(w.versions, version)
}

// clientThrough is an HTTPS client whose every connection goes to one interface address of
// an endpoint — as when private DNS resolves the gateway's name there — trusting only the
// simulator's CA, sending token as its bearer token, recording what it sends into rec.
func (h *harness) clientThrough(address, token string, rec *wire) *http.Client {
	transport := &http.Transport{
		Proxy: nil,
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return h.gw.DialContext(ctx, network, net.JoinHostPort(address, "443"))
		},
		TLSClientConfig: &tls.Config{RootCAs: h.gw.RootCAs(), MinVersion: tls.VersionTLS12},
	}
	return &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		r = r.Clone(r.Context())
		if token != "" {
			r.Header.Set("Authorization", "Bearer "+token)
		}
		if rec != nil && r.Body != nil {
			body, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(body))
			var m struct {
				Method string `json:"method"`
			}
			_ = json.Unmarshal(body, &m)
			rec.add(m.Method, r.Header.Get("Mcp-Protocol-Version"))
		}
		return transport.RoundTrip(r)
	})}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// connect opens an MCP session with the official Go SDK's client over streamable HTTP.
func (h *harness) connect(t *testing.T, hc *http.Client, gatewayID, version string) (*mcp.ClientSession, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	client := mcp.NewClient(&mcp.Implementation{Name: "gatewaysim-test", Version: "v0"}, nil)
	cs, err := client.Connect(ctx, &mcp.StreamableClientTransport{
		Endpoint: h.gw.GatewayURL(gatewayID), HTTPClient: hc, MaxRetries: -1, DisableStandaloneSSE: true,
	}, &mcp.ClientSessionOptions{ProtocolVersion: version})
	if err == nil {
		t.Cleanup(func() { _ = cs.Close() })
	}
	return cs, err
}

// listTools connects and lists the gateway's tools; it returns the tool names or the error.
func (h *harness) listTools(t *testing.T, hc *http.Client, gatewayID, version string) ([]string, error) {
	t.Helper()
	cs, err := h.connect(t, hc, gatewayID, version)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res, err := cs.ListTools(ctx, nil)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, tool := range res.Tools {
		names = append(names, tool.Name)
	}
	return names, nil
}

// post sends one raw POST /mcp through an interface address with the given Host and
// headers, and returns the status and body.
func (h *harness) post(t *testing.T, address, host, token string, headers map[string]string, body string) (int, string) {
	t.Helper()
	hc := h.clientThrough(address, token, nil)
	req, err := http.NewRequest(http.MethodPost, "https://"+host+"/mcp", strings.NewReader(body))
	must(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := hc.Do(req)
	must(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	must(t, err)
	return resp.StatusCode, string(b)
}

// wantDenied fails unless err is the JSON-RPC refusal -32002.
func wantDenied(t *testing.T, err error) {
	t.Helper()
	var rpcErr *jsonrpc.Error
	if !errors.As(err, &rpcErr) || rpcErr.Code != gatewaysim.DefaultDeniedCode || rpcErr.Message != gatewaysim.DefaultDeniedMessage {
		t.Fatalf("got %v, want JSON-RPC error %d %q", err, gatewaysim.DefaultDeniedCode, gatewaysim.DefaultDeniedMessage)
	}
}

// lastOutcome is the outcome of the simulator's latest request.
func (h *harness) lastOutcome(t *testing.T) gatewaysim.Request {
	t.Helper()
	reqs := h.gw.Requests()
	if len(reqs) == 0 {
		t.Fatal("the gateway simulator received no request")
	}
	return reqs[len(reqs)-1]
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
