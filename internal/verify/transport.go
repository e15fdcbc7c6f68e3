package verify

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
)

// transport is the HTTP path of one probe: it connects only to one interface address, for
// one host, and records what happened on the wire, which the SDK's errors (formatted text)
// do not keep.
type transport struct {
	// probe ends every request when the probe's time is up, including those the SDK sends
	// on a context of its own (a notifications/cancelled after a timeout).
	probe   context.Context
	host    string
	address string
	token   string
	dial    DialFunc
	http    *http.Transport

	mu        sync.Mutex
	dialErr   error  // the first failed connection attempt
	connected string // the address connected to
	roundTrip error  // the first error of the HTTP transport itself
	status    int    // the first status outside 2xx
	location  string // its Location header, for a redirect
	refused   []string
}

func newTransport(probe context.Context, opts Options, host, address, token string) *transport {
	t := &transport{probe: probe, host: host, address: address, token: token, dial: opts.Dial}
	t.http = &http.Transport{
		// Proxy settings (HTTPS_PROXY and the like) are ignored: a proxy would be a second
		// party seeing the token, and would connect from somewhere else than this pod.
		Proxy:       nil,
		DialContext: t.dialInterface,
		TLSClientConfig: &tls.Config{
			ServerName: host,
			RootCAs:    opts.RootCAs,
			MinVersion: tls.VersionTLS12,
		},
		TLSHandshakeTimeout:    opts.Timeout,
		ResponseHeaderTimeout:  opts.Timeout,
		DisableKeepAlives:      true,
		MaxResponseHeaderBytes: 64 << 10,
	}
	return t
}

// client is the http.Client the MCP SDK sends through: it never follows a redirect.
func (t *transport) client() *http.Client {
	return &http.Client{
		Transport: t,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// dialInterface connects to the interface address, whatever address the HTTP transport
// asks for, but only when it asks for the gateway's host on 443: a proxy or any other host
// is refused.
func (t *transport) dialInterface(ctx context.Context, network, requested string) (net.Conn, error) {
	if !strings.EqualFold(requested, net.JoinHostPort(t.host, gatewayPort)) {
		err := fmt.Errorf("refusing to connect to %s: the probe connects only to %s through the endpoint", requested, t.host)
		t.record(func() { t.refused = append(t.refused, requested) })
		return nil, err
	}
	t.mu.Lock()
	failed := t.dialErr
	t.mu.Unlock()
	if failed != nil {
		// One failed connection is the answer: the MCP client's fallback
		// (server/discover, then initialize) must not wait out a second one.
		return nil, failed
	}
	conn, err := t.dial(ctx, network, net.JoinHostPort(t.address, gatewayPort))
	t.record(func() {
		if err != nil && t.dialErr == nil {
			t.dialErr = err
		}
		if err == nil {
			t.connected = t.address
		}
	})
	return conn, err
}

// RoundTrip sends a request for the gateway's host only, with the bearer token, and
// records the first answer outside 2xx.
func (t *transport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Scheme != "https" || !strings.EqualFold(r.URL.Hostname(), t.host) || (r.URL.Port() != "" && r.URL.Port() != gatewayPort) {
		t.record(func() { t.refused = append(t.refused, r.URL.Host) })
		return nil, fmt.Errorf("refusing to send a request to %s://%s: the probe sends only to https://%s", r.URL.Scheme, r.URL.Host, t.host)
	}
	if err := t.probe.Err(); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(r.Context())
	// The probe's context is always cancelled when Probe returns, which releases this too.
	context.AfterFunc(t.probe, cancel)
	r = r.Clone(ctx)
	r.Host = t.host
	r.Header.Set("Authorization", "Bearer "+t.token)
	resp, err := t.http.RoundTrip(r)
	t.record(func() {
		if err != nil && t.roundTrip == nil {
			t.roundTrip = err
		}
		if resp != nil && (resp.StatusCode < 200 || resp.StatusCode > 299) && t.status == 0 {
			t.status = resp.StatusCode
			t.location = resp.Header.Get("Location")
		}
	})
	return resp, err
}

func (t *transport) record(f func()) {
	t.mu.Lock()
	defer t.mu.Unlock()
	f()
}

func (t *transport) connectedTo() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.connected
}

// wire is a snapshot of what the transport recorded.
type wire struct {
	dialErr   error
	connected bool
	roundTrip error
	status    int
	location  string
	refused   []string
}

func (t *transport) snapshot() wire {
	t.mu.Lock()
	defer t.mu.Unlock()
	return wire{dialErr: t.dialErr, connected: t.connected != "", roundTrip: t.roundTrip, status: t.status, location: t.location,
		refused: append([]string(nil), t.refused...)}
}
