package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/agentcore-io/vpce-operator/internal/ec2sim"
)

const region = "us-east-1"

// ec2Fixture is an EC2 simulator over HTTP with a VPC and a security group.
type ec2Fixture struct {
	url     string
	client  *ec2.Client
	vpcID   string
	subnets []string
	groupID string
}

func newEC2Fixture(t *testing.T, pendingDelay time.Duration) *ec2Fixture {
	t.Helper()
	sim := ec2sim.New(ec2sim.Options{Region: region, PendingDelay: pendingDelay, Throttle: ec2sim.ThrottleConfig{Disabled: true}})
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	vpcID, subnets, err := sim.SeedVPC("10.0.0.0/16", 2)
	must(t, err)
	client := newEC2Client(srv.URL, region)
	group, err := client.CreateSecurityGroup(context.Background(), &ec2.CreateSecurityGroupInput{
		GroupName: aws.String("sg"), Description: aws.String("sg"), VpcId: aws.String(vpcID),
	})
	must(t, err)
	return &ec2Fixture{url: srv.URL, client: client, vpcID: vpcID, subnets: subnets, groupID: aws.ToString(group.GroupId)}
}

func (f *ec2Fixture) createEndpoint(t *testing.T, policy string) string {
	t.Helper()
	out, err := f.client.CreateVpcEndpoint(context.Background(), &ec2.CreateVpcEndpointInput{
		VpcEndpointType: types.VpcEndpointTypeInterface, VpcId: aws.String(f.vpcID),
		ServiceName: aws.String("com.amazonaws.us-east-1.bedrock-agentcore.gateway"),
		SubnetIds:   f.subnets, SecurityGroupIds: []string{f.groupID}, PrivateDnsEnabled: aws.Bool(false),
		PolicyDocument: aws.String(policy),
	})
	must(t, err)
	return aws.ToString(out.VpcEndpoint.VpcEndpointId)
}

func TestTheReaderListsOnlyAvailableEndpointsWithTheirInterfaceAddresses(t *testing.T) {
	available := newEC2Fixture(t, -1)
	id := available.createEndpoint(t, `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}`)
	reader := newEC2Reader(available.client, region)

	endpoints, err := reader.Endpoints(context.Background())
	must(t, err)
	if len(endpoints) != 1 || endpoints[0].ID != id || len(endpoints[0].Addresses) != 2 {
		t.Fatalf("endpoints %+v, want %s with two addresses", endpoints, id)
	}
	for _, a := range endpoints[0].Addresses {
		if !strings.HasPrefix(a, "10.0.") {
			t.Errorf("address %s is not in the VPC", a)
		}
	}
	policy, err := reader.EndpointPolicy(id)
	must(t, err)
	if !strings.Contains(policy, `"Principal":"*"`) {
		t.Errorf("policy %s", policy)
	}
	if _, err := reader.EndpointPolicy("vpce-0123456789abcdef0"); err == nil {
		t.Error("the policy of an endpoint that does not exist was read")
	}

	pending := newEC2Fixture(t, time.Hour)
	pending.createEndpoint(t, `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}`)
	endpoints, err = newEC2Reader(pending.client, region).Endpoints(context.Background())
	must(t, err)
	if len(endpoints) != 0 {
		t.Errorf("a pending endpoint's interfaces are listed: %+v", endpoints)
	}
}

func TestTheBinaryServesTheGatewaysOfTheEndpointsItFindsInEC2(t *testing.T) {
	f := newEC2Fixture(t, -1)
	allowDemo := `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"arn:aws:bedrock-agentcore:us-east-1:123456789012:gateway/demo-gw"}]}`
	endpointID := f.createEndpoint(t, allowDemo)
	dir := t.TempDir()
	caFile, listenersFile := filepath.Join(dir, "ca.pem"), filepath.Join(dir, "listeners.json")

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	var stdout syncBuffer
	go func() {
		done <- run(ctx, []string{
			"--ec2-endpoint", f.url, "--gateway", "demo-gw=demo-token", "--gateway", "other-gw=other-token:t___one,t___two",
			"--deny-all", "other-gw", "--policy-cache-ttl", "-1s", "--poll-interval", "20ms",
			"--ca-file", caFile, "--listeners-file", listenersFile, "--admin-addr", "",
		}, &stdout, io.Discard)
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	})

	listeners := map[string]string{}
	deadline := time.Now().Add(10 * time.Second)
	for len(listeners) != 2 {
		if time.Now().After(deadline) {
			t.Fatalf("no listeners for the endpoint's two interfaces in %s", listenersFile)
		}
		time.Sleep(20 * time.Millisecond)
		if data, err := os.ReadFile(listenersFile); err == nil {
			_ = json.Unmarshal(data, &listeners)
		}
	}
	caPEM, err := os.ReadFile(caFile)
	must(t, err)
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(caPEM) {
		t.Fatalf("%s holds no certificate", caFile)
	}
	var listener string
	for _, l := range listeners {
		listener = l
	}
	post := func(gatewayID, token string) string {
		t.Helper()
		hc := &http.Client{Transport: &http.Transport{
			DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
				return (&net.Dialer{}).DialContext(ctx, network, listener)
			},
			TLSClientConfig: &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12},
		}}
		req, err := http.NewRequest(http.MethodPost, "https://"+gatewayID+".gateway.bedrock-agentcore.us-east-1.amazonaws.com/mcp",
			strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"tools/list"}`))
		must(t, err)
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		req.Header.Set("MCP-Protocol-Version", "2025-11-25")
		resp, err := hc.Do(req)
		must(t, err)
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		must(t, err)
		return resp.Status + " " + string(body)
	}

	if got := post("demo-gw", "demo-token"); !strings.Contains(got, "demo-target___echo") {
		t.Errorf("the admitted gateway answered %s", got)
	}
	if got := post("other-gw", "other-token"); !strings.Contains(got, "-32002") {
		t.Errorf("a gateway the endpoint does not admit answered %s", got)
	}
	if got := post("demo-gw", "other-token"); !strings.HasPrefix(got, "401") {
		t.Errorf("a wrong token: %s", got)
	}
	_, err = f.client.ModifyVpcEndpoint(context.Background(), &ec2.ModifyVpcEndpointInput{
		VpcEndpointId: aws.String(endpointID), PolicyDocument: aws.String(strings.Replace(allowDemo, "gateway/demo-gw", "gateway/*", 1)),
	})
	must(t, err)
	if got := post("other-gw", "other-token"); !strings.Contains(got, "-32002") {
		t.Errorf("a gateway that denies all, admitted by the endpoint, answered %s", got)
	}
	if out := stdout.String(); !strings.Contains(out, "gateway demo-gw at https://demo-gw.gateway.bedrock-agentcore.us-east-1.amazonaws.com/mcp") {
		t.Errorf("stdout: %s", out)
	}
}

func TestFlagsAreChecked(t *testing.T) {
	for _, args := range [][]string{
		{"--gateway", "a=b"},
		{"--ec2-endpoint", "http://x"},
		{"--ec2-endpoint", "http://x", "--gateway", "no-token"},
		{"--ec2-endpoint", "http://x", "--gateway", "a=b", "--poll-interval", "0s"},
	} {
		t.Setenv("AWS_ENDPOINT_URL_EC2", "")
		if _, err := parseFlags(args, io.Discard); err == nil {
			t.Errorf("%v: accepted", args)
		}
	}
	cfg, err := parseFlags([]string{"--ec2-endpoint", "http://x", "--gateway", "a=b:t1,t2", "--deny-all", "a,c"}, io.Discard)
	must(t, err)
	if len(cfg.gateways) != 1 || cfg.gateways[0].token != "b" || len(cfg.gateways[0].tools) != 2 || len(cfg.denyAll) != 2 {
		t.Errorf("config %+v", cfg)
	}
}

// syncBuffer serialises the binary's writes with the test's reads.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
