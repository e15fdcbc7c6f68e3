package gatewaysim_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"

	"github.com/agentcore-io/vpce-operator/internal/gatewaysim"
)

func TestOnlyRegisteredInterfaceAddressesAreListenedOn(t *testing.T) {
	h := newHarness(t)
	must(t, h.gw.AddGateway("gw-a", "token-a"))
	e := h.createEndpoint(t, "")

	listeners := h.gw.Listeners()
	if len(listeners) != len(e.Addresses) {
		t.Fatalf("listeners %v, want one per interface address %v", listeners, e.Addresses)
	}
	for _, a := range e.Addresses {
		addr, ok := h.gw.ListenerAddr(a)
		if !ok || listeners[a] != addr || !strings.HasPrefix(addr, "127.0.0.1:") {
			t.Errorf("interface %s: listener %q (%v), listeners %v", a, addr, ok, listeners)
		}
	}

	for _, address := range []string{"10.0.200.1:443", net.JoinHostPort(e.Addresses[0], "80")} {
		if _, err := h.gw.DialContext(context.Background(), "tcp", address); !errors.Is(err, syscall.ECONNREFUSED) {
			t.Errorf("dialing %s: %v, want connection refused", address, err)
		}
	}

	old, _ := h.gw.ListenerAddr(e.Addresses[0])
	must(t, h.gw.RemoveEndpoint(e.ID))
	if _, err := h.gw.DialContext(context.Background(), "tcp", net.JoinHostPort(e.Addresses[0], "443")); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("a removed endpoint's interface: %v, want connection refused", err)
	}
	if conn, err := net.Dial("tcp", old); err == nil {
		conn.Close()
		t.Errorf("the removed endpoint's listener %s still accepts connections", old)
	}
}

func TestSetEndpointsOpensAndClosesListeners(t *testing.T) {
	h := newHarness(t)
	must(t, h.gw.SetEndpoints([]gatewaysim.Endpoint{
		{ID: "vpce-1", Addresses: []string{"10.0.1.10", "10.0.2.10"}},
		{ID: "vpce-2", Addresses: []string{"10.0.1.11"}},
	}))
	kept, _ := h.gw.ListenerAddr("10.0.1.10")
	must(t, h.gw.SetEndpoints([]gatewaysim.Endpoint{{ID: "vpce-1", Addresses: []string{"10.0.1.10", "10.0.3.10"}}}))

	got := h.gw.Listeners()
	if len(got) != 2 || got["10.0.1.10"] != kept || got["10.0.3.10"] == "" {
		t.Errorf("listeners %v: want 10.0.1.10 kept at %s and 10.0.3.10 added", got, kept)
	}
	if eps := h.gw.Endpoints(); len(eps) != 1 || eps[0].ID != "vpce-1" {
		t.Errorf("endpoints %v, want vpce-1 alone", eps)
	}

	// An address released by one endpoint and reused by another moves with its listener;
	// removing the first endpoint later leaves it alone.
	must(t, h.gw.AddEndpoint(gatewaysim.Endpoint{ID: "vpce-2", Addresses: []string{"10.0.3.10"}}))
	must(t, h.gw.RemoveEndpoint("vpce-1"))
	if got := h.gw.Listeners(); len(got) != 1 || got["10.0.3.10"] == "" {
		t.Errorf("listeners %v, want vpce-2's 10.0.3.10 alone", got)
	}
	if err := h.gw.AddEndpoint(gatewaysim.Endpoint{ID: "vpce-3", Addresses: []string{"not-an-ip"}}); err == nil {
		t.Error("AddEndpoint accepted an address that is not an IP")
	}
}

func TestARequestForAHostThatIsNoGatewayIsRefused(t *testing.T) {
	h := newHarness(t)
	must(t, h.gw.AddGateway("gw-a", "token-a"))
	e := h.createEndpoint(t, "")

	status, body := h.post(t, e.Addresses[0], h.gw.GatewayHost("gw-unknown"), "token-a", legacyHeader, toolsList)
	if status != http.StatusNotFound {
		t.Errorf("an unknown gateway: %d %s, want 404", status, body)
	}
	if got := h.lastOutcome(t); got.Outcome != gatewaysim.OutcomeUnknownGateway {
		t.Errorf("recorded %s", got.Outcome)
	}

	// A Host that differs from the TLS server name never reaches the gateway it names.
	hc := h.clientThrough(e.Addresses[0], "token-a", nil)
	req, err := http.NewRequest(http.MethodPost, "https://"+h.gw.GatewayHost("gw-other")+"/mcp", strings.NewReader(toolsList))
	must(t, err)
	req.Host = h.gw.GatewayHost("gw-a")
	req.Header.Set("Content-Type", "application/json")
	resp, err := hc.Do(req)
	must(t, err)
	resp.Body.Close()
	if resp.StatusCode != http.StatusMisdirectedRequest {
		t.Errorf("Host differing from the server name: %d, want 421", resp.StatusCode)
	}

	// Names outside the gateway domain of the region get no certificate.
	for _, name := range []string{"", "example.com", "gw-a.gateway.bedrock-agentcore.eu-west-1.amazonaws.com", e.Addresses[0]} {
		conn, err := h.gw.DialContext(context.Background(), "tcp", net.JoinHostPort(e.Addresses[0], "443"))
		must(t, err)
		tlsConn := tls.Client(conn, &tls.Config{ServerName: name, InsecureSkipVerify: true}) //nolint:gosec // the handshake itself is under test
		if err := tlsConn.Handshake(); err == nil {
			t.Errorf("server name %q: handshake succeeded", name)
		}
		tlsConn.Close()
	}

	for _, tc := range []struct {
		method, path string
		status       int
	}{{http.MethodPost, "/other", http.StatusNotFound}, {http.MethodGet, "/mcp", http.StatusMethodNotAllowed}} {
		req, err := http.NewRequest(tc.method, "https://"+h.gw.GatewayHost("gw-a")+tc.path, nil)
		must(t, err)
		resp, err := hc.Do(req)
		must(t, err)
		resp.Body.Close()
		if resp.StatusCode != tc.status {
			t.Errorf("%s %s: %d, want %d", tc.method, tc.path, resp.StatusCode, tc.status)
		}
	}
}

func TestTheServerCertificateIsTrustedThroughTheExportedCA(t *testing.T) {
	h := newHarness(t)
	e := h.createEndpoint(t, "")
	conn, err := h.gw.DialContext(context.Background(), "tcp", net.JoinHostPort(e.Addresses[0], "443"))
	must(t, err)
	defer conn.Close()
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(h.gw.CACertPEM()) {
		t.Fatal("CACertPEM is not a PEM certificate")
	}
	tlsConn := tls.Client(conn, &tls.Config{ServerName: h.gw.GatewayHost("any-gateway-id"), RootCAs: pool, MinVersion: tls.VersionTLS12})
	must(t, tlsConn.Handshake())
	if cn := tlsConn.ConnectionState().PeerCertificates[0].DNSNames; len(cn) != 1 || cn[0] != "*.gateway.bedrock-agentcore.us-east-1.amazonaws.com" {
		t.Errorf("certificate names %v", cn)
	}
}
