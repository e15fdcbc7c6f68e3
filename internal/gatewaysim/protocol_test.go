package gatewaysim_test

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/agentcore-io/vpce-operator/internal/gatewaysim"
)

func TestAnAdmittedGatewayServesToolsForEveryProtocolVersion(t *testing.T) {
	h := newHarness(t)
	must(t, h.gw.AddGateway("gw-a", "token-a", "orders___get_order", "orders___cancel_order"))
	e := h.createEndpoint(t, h.allowGateways("gw-a"))

	for _, version := range gatewaysim.SupportedProtocolVersions() {
		t.Run(version, func(t *testing.T) {
			rec := &wire{}
			cs, err := h.connect(t, h.clientThrough(e.Addresses[0], "token-a", rec), "gw-a", version)
			must(t, err)
			if got := cs.InitializeResult().ProtocolVersion; got != version {
				t.Fatalf("negotiated protocol version %s, want %s", got, version)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			tools, err := cs.ListTools(ctx, nil)
			must(t, err)
			var names []string
			for _, tool := range tools.Tools {
				names = append(names, tool.Name)
			}
			slices.Sort(names)
			if want := []string{"orders___cancel_order", "orders___get_order"}; !slices.Equal(names, want) {
				t.Fatalf("tools/list = %v, want %v", names, want)
			}
			res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "orders___get_order", Arguments: map[string]any{"message": "order 42"}})
			must(t, err)
			if res.IsError || len(res.Content) != 1 || res.Content[0].(*mcp.TextContent).Text != "orders___get_order on gateway gw-a: order 42" {
				t.Fatalf("tools/call answered %+v", res)
			}

			rec.mu.Lock()
			defer rec.mu.Unlock()
			t.Logf("requests: %v, versions %q", rec.methods, rec.versions)
			if version == gatewaysim.ProtocolVersion20260728 {
				// Stateless: no initialize, the version header on every request.
				if slices.Contains(rec.methods, "initialize") {
					t.Errorf("a %s client sent initialize: %v", version, rec.methods)
				}
				for i, v := range rec.versions {
					if v != version {
						t.Errorf("request %d (%s) carried MCP-Protocol-Version %q, want %q", i, rec.methods[i], v, version)
					}
				}
			} else if len(rec.methods) == 0 || rec.methods[0] != "initialize" {
				t.Errorf("a %s client began with %v, want the initialize handshake", version, rec.methods)
			}
			if !slices.Contains(rec.methods, "tools/list") || !slices.Contains(rec.methods, "tools/call") {
				t.Errorf("requests %v lack tools/list or tools/call", rec.methods)
			}
		})
	}
}

func TestAStatelessRequestNeedsNoHandshake(t *testing.T) {
	h := newHarness(t)
	must(t, h.gw.AddGateway("gw-a", "token-a"))
	e := h.createEndpoint(t, h.allowGateways("gw-a"))

	// The request gateway-using-mcp-list.html shows for 2026-07-28: MCP-Protocol-Version and
	// Mcp-Method headers, the version in _meta, nothing before it.
	status, body := h.post(t, e.Addresses[1], h.gw.GatewayHost("gw-a"), "token-a",
		map[string]string{"MCP-Protocol-Version": "2026-07-28", "Mcp-Method": "tools/list"},
		`{"jsonrpc":"2.0","id":"probe-1","method":"tools/list","params":{"_meta":{
			"io.modelcontextprotocol/protocolVersion":"2026-07-28",
			"io.modelcontextprotocol/clientCapabilities":{}}}}`)
	if status != http.StatusOK {
		t.Fatalf("status %d: %s", status, body)
	}
	wantToolList(t, body, "probe-1", gatewaysim.DefaultTool)
}

func TestALegacyToolListWithoutInitializeIsServed(t *testing.T) {
	h := newHarness(t)
	must(t, h.gw.AddGateway("gw-a", "token-a"))
	e := h.createEndpoint(t, h.allowGateways("gw-a"))

	// AWS's example for 2025-11-25 and earlier is one POST with MCP-Protocol-Version.
	status, body := h.post(t, e.Addresses[0], h.gw.GatewayHost("gw-a"), "token-a",
		map[string]string{"MCP-Protocol-Version": "2025-06-18"},
		`{"jsonrpc":"2.0","id":7,"method":"tools/list"}`)
	if status != http.StatusOK {
		t.Fatalf("status %d: %s", status, body)
	}
	wantToolList(t, body, "7", gatewaysim.DefaultTool)
}

func TestAGatewayAcceptsOnlyItsSupportedVersions(t *testing.T) {
	h := newHarness(t)
	must(t, h.gw.AddGateway("gw-a", "token-a"))
	must(t, h.gw.SetProtocolVersions("gw-a", gatewaysim.ProtocolVersion20251125, gatewaysim.ProtocolVersion20250618))
	e := h.createEndpoint(t, "")

	status, body := h.post(t, e.Addresses[0], h.gw.GatewayHost("gw-a"), "token-a",
		map[string]string{"MCP-Protocol-Version": "2025-03-26"}, `{"jsonrpc":"2.0","id":1,"method":"tools/list"}`)
	if status != http.StatusBadRequest {
		t.Errorf("a version the gateway does not list: status %d (%s), want 400", status, body)
	}
	// A 2026-07-28 client falls back to the initialize handshake of the newest legacy version.
	cs, err := h.connect(t, h.clientThrough(e.Addresses[0], "token-a", nil), "gw-a", gatewaysim.ProtocolVersion20260728)
	must(t, err)
	if got := cs.InitializeResult().ProtocolVersion; got != gatewaysim.ProtocolVersion20251125 {
		t.Errorf("negotiated %s, want %s", got, gatewaysim.ProtocolVersion20251125)
	}
	if err := h.gw.SetProtocolVersions("gw-a", "2024-11-05"); err == nil {
		t.Error("SetProtocolVersions accepted a version AgentCore does not support")
	}
}

// wantToolList checks a JSON-RPC tools/list answer with the given id.
func wantToolList(t *testing.T, body, id string, tools ...string) {
	t.Helper()
	var answer struct {
		ID     json.RawMessage `json:"id"`
		Result struct {
			Tools []struct {
				Name string `json:"name"`
			} `json:"tools"`
		} `json:"result"`
		Error json.RawMessage `json:"error"`
	}
	if err := json.Unmarshal([]byte(body), &answer); err != nil {
		t.Fatalf("answer %q: %v", body, err)
	}
	if answer.Error != nil || strings.Trim(string(answer.ID), `"`) != id {
		t.Fatalf("answer %s, want the result of request %s", body, id)
	}
	var names []string
	for _, tool := range answer.Result.Tools {
		names = append(names, tool.Name)
	}
	if !slices.Equal(names, tools) {
		t.Fatalf("tools %v, want %v", names, tools)
	}
}
