package gatewaysim

import (
	"context"
	"fmt"
	"net/http"
	"slices"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// The MCP protocol versions AgentCore Gateway accepts: "2026-07-28, 2025-11-25, 2025-06-18,
// and 2025-03-26. Version 2026-07-28 is a stateless protocol revision. Clients do not
// perform an initialize handshake. [...] Version 2025-11-25 and earlier continue to use the
// initialize handshake."
// (https://docs.aws.amazon.com/bedrock-agentcore/latest/devguide/gateway-using.html;
// AWS_FACTS.md, "The service").
const (
	ProtocolVersion20260728 = "2026-07-28"
	ProtocolVersion20251125 = "2025-11-25"
	ProtocolVersion20250618 = "2025-06-18"
	ProtocolVersion20250326 = "2025-03-26"
)

// SupportedProtocolVersions returns the versions a gateway accepts by default, newest first.
func SupportedProtocolVersions() []string {
	return []string{ProtocolVersion20260728, ProtocolVersion20251125, ProtocolVersion20250618, ProtocolVersion20250326}
}

// DefaultTool is the tool a gateway lists when AddGateway names none. AgentCore names a
// gateway's tools ${target_name}___${tool_name}
// (https://docs.aws.amazon.com/bedrock-agentcore/latest/devguide/gateway-tool-naming.html).
const DefaultTool = "demo-target___echo"

const mcpPath = "/mcp"

// gateway is one simulated gateway. Its fields are replaced, never mutated in place, so a
// copy taken under Simulator.mu stays consistent.
type gateway struct {
	id       string
	token    string
	tools    []string
	versions []string
	denyAll  bool
	// mcp serves the MCP protocol for this gateway alone, so that nothing one gateway
	// serves can be reached through another's host name.
	mcp http.Handler
}

func newGateway(id, token string, tools, versions []string) (*gateway, error) {
	g := &gateway{id: id, token: token, tools: tools}
	if err := g.setProtocolVersions(versions); err != nil {
		return nil, err
	}
	return g, nil
}

func (g *gateway) setProtocolVersions(versions []string) error {
	if len(versions) == 0 {
		return fmt.Errorf("gateway %s: no protocol versions", g.id)
	}
	for _, v := range versions {
		if !slices.Contains(SupportedProtocolVersions(), v) {
			return fmt.Errorf("gateway %s: AgentCore does not support MCP protocol version %q", g.id, v)
		}
	}
	g.versions = slices.Clone(versions)
	g.mcp = newMCPHandler(g.id, g.tools, g.versions)
	return nil
}

// newMCPHandler serves MCP's streamable HTTP transport with the official Go SDK.
//
// The SDK's stateless mode serves every version AgentCore accepts: requests of 2026-07-28
// (per-request _meta, Mcp-Method header, server/discover) as that revision defines them, and
// requests of the older versions both after an initialize handshake and without one — AWS's
// own example lists tools with a single POST carrying MCP-Protocol-Version and no session
// (https://docs.aws.amazon.com/bedrock-agentcore/latest/devguide/gateway-using-mcp-list.html).
// No Mcp-Session-Id is issued. Answers are application/json, the body the blog recipe's curl
// prints; AWS does not say whether the gateway answers with JSON or an event stream.
func newMCPHandler(gatewayID string, tools, versions []string) http.Handler {
	server := mcp.NewServer(&mcp.Implementation{Name: "agentcore-gateway-simulator", Version: "v1"}, &mcp.ServerOptions{
		SupportedProtocolVersions: versions,
	})
	for _, name := range tools {
		mcp.AddTool(server, &mcp.Tool{
			Name:        name,
			Description: "Echoes its message back, naming the gateway that served it.",
		}, echo(gatewayID, name))
	}
	return mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return server }, &mcp.StreamableHTTPOptions{
		Stateless:    true,
		JSONResponse: true,
		// The SDK refuses a non-loopback Host arriving on a loopback listener (DNS
		// rebinding protection). Every request here arrives on loopback with a gateway's
		// host name, and the simulator itself admits only configured gateways' names.
		DisableLocalhostProtection: true,
	})
}

// EchoInput is the demo tools' input.
type EchoInput struct {
	Message string `json:"message,omitempty" jsonschema:"text to echo back"`
}

func echo(gatewayID, tool string) mcp.ToolHandlerFor[EchoInput, any] {
	return func(_ context.Context, _ *mcp.CallToolRequest, in EchoInput) (*mcp.CallToolResult, any, error) {
		text := fmt.Sprintf("%s on gateway %s: %s", tool, gatewayID, in.Message)
		return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: text}}}, nil, nil
	}
}
