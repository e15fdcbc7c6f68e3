package verify_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/agentcore-io/vpce-operator/api/v1alpha1"
	"github.com/agentcore-io/vpce-operator/internal/gatewaysim"
	"github.com/agentcore-io/vpce-operator/internal/verify"
)

const (
	region     = "us-east-1"
	account    = "123456789012"
	endpointID = "vpce-0a1b2c3d4e5f60718"
	vpcID      = "vpc-0a1b2c3d4e5f60718"
)

var epoch = time.Date(2026, 8, 1, 9, 0, 0, 0, time.UTC)

func arn(id string) string {
	return "arn:aws:bedrock-agentcore:" + region + ":" + account + ":gateway/" + id
}

// clock is a clock the test moves, shared by the gateway's policy cache and the prober.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// rig is a simulated gateway behind one endpoint of three interfaces, whose policy document
// the test sets, and a prober pointed at it: the resolver answers the gateway names (and the
// endpoint's own name) with the interfaces unless the test says otherwise, and the dialer
// reaches the simulator's listener of an interface address.
type rig struct {
	t       *testing.T
	clock   *clock
	sim     *gatewaysim.Simulator
	ep      verify.Endpoint
	mu      sync.Mutex
	doc     string
	answers map[string][]string // host → what the resolver answers; missing: the interfaces
	lookups []string
	opts    verify.Options
}

func newRig(t *testing.T, edit ...func(*gatewaysim.Options)) *rig {
	t.Helper()
	r := &rig{t: t, clock: &clock{now: epoch}, answers: map[string][]string{}}
	opts := gatewaysim.Options{
		Region: region, AccountID: account, Clock: r.clock.Now,
		Policies: gatewaysim.PolicySourceFunc(func(string) (string, error) {
			r.mu.Lock()
			defer r.mu.Unlock()
			return r.doc, nil
		}),
	}
	for _, e := range edit {
		e(&opts)
	}
	sim, err := gatewaysim.New(opts)
	must(t, err)
	t.Cleanup(func() { _ = sim.Close() })
	r.sim = sim
	r.ep = verify.Endpoint{
		ID: endpointID, Region: region, VPCID: vpcID, PrivateDNS: true,
		DNSNames: []string{
			endpointID + "-abcdefgh-us-east-1a.gateway.bedrock-agentcore.us-east-1.vpce.amazonaws.com",
			endpointID + "-abcdefgh.gateway.bedrock-agentcore.us-east-1.vpce.amazonaws.com",
			"*.gateway.bedrock-agentcore.us-east-1.amazonaws.com",
		},
		Addresses: []string{"10.0.1.10", "10.0.2.10", "10.0.3.10"},
	}
	must(t, sim.AddEndpoint(gatewaysim.Endpoint{ID: endpointID, Addresses: r.ep.Addresses}))
	r.opts = verify.Options{
		Resolve: r.resolve, Dial: sim.DialContext, RootCAs: sim.RootCAs(), Now: r.clock.Now, Timeout: 3 * time.Second,
	}
	return r
}

func (r *rig) resolve(_ context.Context, host string) ([]string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.lookups = append(r.lookups, host)
	if a, ok := r.answers[host]; ok {
		if len(a) == 0 {
			return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
		}
		return a, nil
	}
	return r.ep.Addresses, nil
}

func (r *rig) answer(host string, addrs ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.answers[host] = addrs
}

// admit sets the endpoint's policy document, in the shape the operator writes, to admit
// exactly these gateways.
func (r *rig) admit(ids ...string) {
	arns := []string{}
	for _, id := range ids {
		arns = append(arns, arn(id))
	}
	b, _ := json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": []any{
		map[string]any{"Sid": "Team", "Effect": "Allow", "Principal": "*", "Action": "*", "Resource": arns},
	}})
	r.mu.Lock()
	defer r.mu.Unlock()
	r.doc = string(b)
}

// target is a probe of gateway id through the rig's endpoint, as the operator builds it:
// the endpoint's document as EC2 reports it, the account allowed by default.
func (r *rig) target(id string) verify.Target {
	r.mu.Lock()
	ep := r.ep
	ep.PolicyDocument = r.doc
	r.mu.Unlock()
	return verify.Target{GatewayARN: arn(id), Auth: v1alpha1.GatewayAuthBearer, Endpoint: ep, AllowedAccounts: []string{account}}
}

func (r *rig) probe(t verify.Target, token string) verify.Outcome {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return verify.New(r.opts).Probe(ctx, t, token)
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// fakeGateway is a TLS server with a certificate for every gateway name of the region, from
// a CA of its own, answering with handler: for answers the simulator never gives (a
// redirect, a token echoed back). Its requests are counted.
type fakeGateway struct {
	addr     string
	roots    *x509.CertPool
	mu       sync.Mutex
	requests []*http.Request
}

func newFakeGateway(t *testing.T, handler http.HandlerFunc) *fakeGateway {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	must(t, err)
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "fake gateway CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	must(t, err)
	ca, err := x509.ParseCertificate(caDER)
	must(t, err)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	must(t, err)
	leafTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "fake gateway"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		DNSNames:    []string{"*.gateway.bedrock-agentcore." + region + ".amazonaws.com"},
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	leafDER, err := x509.CreateCertificate(rand.Reader, leafTmpl, ca, &key.PublicKey, caKey)
	must(t, err)
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{
		Certificates: []tls.Certificate{{Certificate: [][]byte{leafDER}, PrivateKey: key}},
		MinVersion:   tls.VersionTLS12,
	})
	must(t, err)
	f := &fakeGateway{addr: ln.Addr().String(), roots: x509.NewCertPool()}
	f.roots.AddCert(ca)
	srv := &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		f.mu.Lock()
		f.requests = append(f.requests, req.Clone(context.Background()))
		f.mu.Unlock()
		handler(w, req)
	})}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return f
}

func (f *fakeGateway) dial(ctx context.Context, network, address string) (net.Conn, error) {
	if _, port, _ := net.SplitHostPort(address); port != "443" {
		return nil, fmt.Errorf("fake gateway: unexpected port in %s", address)
	}
	var d net.Dialer
	return d.DialContext(ctx, network, f.addr)
}

func (f *fakeGateway) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.requests)
}

func (f *fakeGateway) received() []*http.Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]*http.Request(nil), f.requests...)
}
