package verify

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"testing"
)

// The behaviour tests (probe_test.go) show no proxy is used and no redirect followed; these
// pin the settings that make it so, which an environment variable cannot reach.
func TestTheProbesTransportHasNoProxyAndFollowsNoRedirect(t *testing.T) {
	tr := newTransport(context.Background(), Options{}, "gw-a.gateway.bedrock-agentcore.us-east-1.amazonaws.com", "10.0.1.10", "token")
	if tr.http.Proxy != nil {
		t.Error("Transport.Proxy is set; proxy settings must be ignored")
	}
	if tr.http.TLSClientConfig.InsecureSkipVerify {
		t.Error("TLS verification is skipped")
	}
	if got := tr.http.TLSClientConfig.ServerName; got != tr.host {
		t.Errorf("TLS server name %q, want the gateway's %q", got, tr.host)
	}
	c := tr.client()
	if err := c.CheckRedirect(&http.Request{}, nil); !errors.Is(err, http.ErrUseLastResponse) {
		t.Errorf("CheckRedirect = %v, want http.ErrUseLastResponse", err)
	}
}

func TestTheTransportSendsOnlyToTheGatewaysHost(t *testing.T) {
	tr := newTransport(context.Background(), Options{}, "gw-a.gateway.bedrock-agentcore.us-east-1.amazonaws.com", "10.0.1.10", "token")
	for _, raw := range []string{
		"https://gw-b.gateway.bedrock-agentcore.us-east-1.amazonaws.com/mcp",
		"http://gw-a.gateway.bedrock-agentcore.us-east-1.amazonaws.com/mcp",
		"https://gw-a.gateway.bedrock-agentcore.us-east-1.amazonaws.com:8443/mcp",
		"https://attacker.example/mcp",
	} {
		u, _ := url.Parse(raw)
		resp, err := tr.RoundTrip(&http.Request{Method: http.MethodPost, URL: u, Header: http.Header{}})
		if err == nil {
			_ = resp.Body.Close()
			t.Errorf("a request to %s was sent", raw)
		}
	}
	if _, err := tr.dialInterface(context.Background(), "tcp", "proxy.example:3128"); err == nil {
		t.Error("the transport connected for another address than the gateway's")
	}
}
