package main

import (
	"context"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/agentcore-io/vpce-operator/api/v1alpha1"
	"github.com/agentcore-io/vpce-operator/internal/gatewaysim"
	"github.com/agentcore-io/vpce-operator/internal/verify"
)

func TestVerificationFlagsAreCheckedAndNoneSkipsTLS(t *testing.T) {
	dir := t.TempDir()
	notPEM := writeFile(t, dir, "not.pem", "hello")
	dialMapFile := writeFile(t, dir, "listeners.json", `{"10.0.1.10": "127.0.0.1:40001"}`)
	notJSON := writeFile(t, dir, "listeners.txt", "10.0.1.10 127.0.0.1:40001")
	offMachine := writeFile(t, dir, "elsewhere.json", `{"10.0.1.10": "203.0.113.7:443"}`)
	notAnAddress := writeFile(t, dir, "names.json", `{"gw.example.com": "127.0.0.1:40001"}`)
	cases := []struct {
		name  string
		flags verificationFlags
		want  []string
	}{
		{name: "the defaults are accepted", flags: verificationFlags{maxConcurrent: 4}},
		{name: "a VPC, a DNS server", flags: verificationFlags{maxConcurrent: 1, vpcID: "vpc-0a1b2c3d", resolver: "127.0.0.1:5353"}},
		{name: "the simulated resolver of the local run", flags: verificationFlags{maxConcurrent: 4, resolver: "simulated"}},
		{name: "the local run's dial map", flags: verificationFlags{maxConcurrent: 4, resolver: "simulated", dialMap: dialMapFile}},
		{name: "no probes at all is not a pool", flags: verificationFlags{maxConcurrent: 0}, want: []string{"--max-concurrent-verifications=0"}},
		{name: "a VPC ID must be one", flags: verificationFlags{maxConcurrent: 4, vpcID: "my-vpc"}, want: []string{"--vpc-id=my-vpc"}},
		{name: "a resolver is host:port", flags: verificationFlags{maxConcurrent: 4, resolver: "dns.example"}, want: []string{"--verify-resolver"}},
		{name: "a CA file must exist", flags: verificationFlags{maxConcurrent: 4, caFile: filepath.Join(dir, "missing.pem")}, want: []string{"--verify-ca-file"}},
		{name: "a CA file must hold certificates", flags: verificationFlags{maxConcurrent: 4, caFile: notPEM}, want: []string{"no PEM certificate"}},
		{name: "a dial map must exist", flags: verificationFlags{maxConcurrent: 4, dialMap: filepath.Join(dir, "missing.json")}, want: []string{"--verify-dial-map"}},
		{name: "a dial map is JSON", flags: verificationFlags{maxConcurrent: 4, dialMap: notJSON}, want: []string{"--verify-dial-map", "JSON object"}},
		{name: "a dial map never leaves the machine", flags: verificationFlags{maxConcurrent: 4, dialMap: offMachine}, want: []string{"--verify-dial-map", "not a loopback"}},
		{name: "a dial map maps addresses, not names", flags: verificationFlags{maxConcurrent: 4, dialMap: notAnAddress}, want: []string{"--verify-dial-map", "not an IP address"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o, err := verificationOptions(c.flags)
			if len(c.want) == 0 {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				if o.Probe.Resolve == nil && !o.Probe.SimulatePrivateDNS {
					t.Error("no resolver")
				}
				if (o.Probe.Dial != nil) != (c.flags.dialMap != "") {
					t.Errorf("dialer set: %t, want it only with --verify-dial-map", o.Probe.Dial != nil)
				}
				return
			}
			if err == nil {
				t.Fatal("accepted")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
	for _, file := range []string{"main.go", "verification.go"} {
		src, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, forbidden := range []string{"InsecureSkipVerify", "insecure", "skip-verify", "skip-tls"} {
			if strings.Contains(strings.ToLower(string(src)), strings.ToLower(forbidden)) {
				t.Errorf("cmd/manager/%s mentions %q: no flag may turn TLS verification off", file, forbidden)
			}
		}
	}
}

func TestTheDialMapReachesOnlyMappedInterfaceAddressesOn443(t *testing.T) {
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer listener.Close()
	accepted := make(chan struct{}, 10)
	go func() {
		for {
			conn, err := listener.Accept()
			if err != nil {
				return
			}
			accepted <- struct{}{}
			conn.Close()
		}
	}()
	path := writeFile(t, t.TempDir(), "listeners.json", `{"10.0.1.10": "`+listener.Addr().String()+`"}`)
	o, err := verificationOptions(verificationFlags{maxConcurrent: 1, resolver: "simulated", dialMap: path})
	if err != nil {
		t.Fatal(err)
	}
	dial := o.Probe.Dial
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()

	conn, err := dial(ctx, "tcp", "10.0.1.10:443")
	if err != nil {
		t.Fatalf("a mapped interface address was not reached: %v", err)
	}
	conn.Close()
	<-accepted

	for _, c := range []struct{ address, want string }{
		{"10.0.2.10:443", "10.0.2.10 is not in --verify-dial-map"},
		{"10.0.1.10:8443", "only interface addresses on port 443"},
		{"research-tools.gateway.bedrock-agentcore.us-east-1.amazonaws.com:443", "only interface addresses"},
		{listener.Addr().String(), "only interface addresses on port 443"},
	} {
		conn, err := dial(ctx, "tcp", c.address)
		if err == nil {
			conn.Close()
			t.Errorf("dial %s: connected, want it refused", c.address)
			continue
		}
		if !strings.Contains(err.Error(), c.want) {
			t.Errorf("dial %s: %v, want it to say %q", c.address, err, c.want)
		}
	}
	select {
	case <-accepted:
		t.Error("a refused address reached the listener")
	case <-time.After(100 * time.Millisecond):
	}

	// The simulator rewrites the file as endpoints come and go: a new
	// address is reached without a restart.
	writeFile(t, filepath.Dir(path), "listeners.json", `{"10.0.2.10": "`+listener.Addr().String()+`"}`)
	if conn, err = dial(ctx, "tcp", "10.0.2.10:443"); err != nil {
		t.Fatalf("an address added to the file was not reached: %v", err)
	}
	conn.Close()
	if conn, err = dial(ctx, "tcp", "10.0.1.10:443"); err == nil {
		conn.Close()
		t.Error("an address removed from the file was still reached")
	}
}

// TestTheDialMapKeepsTLSForTheGatewaysName probes the gateway simulator
// through the manager's options: the map changes where the connection goes,
// and TLS is still checked for the gateway's name against --verify-ca-file.
func TestTheDialMapKeepsTLSForTheGatewaysName(t *testing.T) {
	const (
		region     = "us-east-1"
		account    = "123456789012"
		endpointID = "vpce-0a1b2c3d4e5f60718"
		gatewayID  = "research-tools-a1b2c3d4e5"
	)
	gatewayARN := "arn:aws:bedrock-agentcore:" + region + ":" + account + ":gateway/" + gatewayID
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":["` + gatewayARN + `"]}]}`
	newSim := func() *gatewaysim.Simulator {
		sim, err := gatewaysim.New(gatewaysim.Options{Region: region, AccountID: account,
			Policies: gatewaysim.PolicySourceFunc(func(string) (string, error) { return doc, nil })})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = sim.Close() })
		return sim
	}
	sim, stranger := newSim(), newSim()
	if err := sim.AddGateway(gatewayID, "token-a", "docs___search", "docs___fetch"); err != nil {
		t.Fatal(err)
	}
	addresses := []string{"10.0.1.10", "10.0.2.10"}
	if err := sim.AddEndpoint(gatewaysim.Endpoint{ID: endpointID, Addresses: addresses}); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	listeners, err := json.Marshal(sim.Listeners())
	if err != nil {
		t.Fatal(err)
	}
	dialMapFile := writeFile(t, dir, "listeners.json", string(listeners))
	target := verify.Target{
		GatewayARN: gatewayARN, Auth: v1alpha1.GatewayAuthBearer, AllowedAccounts: []string{account},
		Endpoint: verify.Endpoint{ID: endpointID, Region: region, PrivateDNS: true, Addresses: addresses, PolicyDocument: doc},
	}
	probe := func(caPEM []byte) verify.Outcome {
		t.Helper()
		o, err := verificationOptions(verificationFlags{maxConcurrent: 1, resolver: "simulated",
			caFile: writeFile(t, dir, "ca.pem", string(caPEM)), dialMap: dialMapFile})
		if err != nil {
			t.Fatal(err)
		}
		return verify.New(o.Probe).Probe(context.Background(), target, "token-a")
	}

	got := probe(sim.CACertPEM())
	if got.Result != v1alpha1.VerificationReachable || got.ToolCount != 2 {
		t.Fatalf("through the dial map with the simulator's CA: %s (%d tools) %s, want Reachable with 2 tools", got.Result, got.ToolCount, got.Message)
	}
	got = probe(stranger.CACertPEM())
	if got.Result != v1alpha1.VerificationProbeFailed || !strings.Contains(got.Message, "TLS verification of "+gatewayID+".gateway.bedrock-agentcore."+region+".amazonaws.com failed") {
		t.Errorf("with another CA: %s %s, want ProbeFailed for the gateway's name", got.Result, got.Message)
	}
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}
