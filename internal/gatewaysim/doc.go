// Package gatewaysim is a simulated Amazon Bedrock AgentCore Gateway data plane, as reached
// through interface VPC endpoints: an HTTPS MCP server that enforces the endpoint policy of
// the endpoint a request came through, with a policy cache.
//
// It exists so that the operator's verification probe and the local demo meet the answers
// AgentCore gives — a tool list, 401 for a bad token, the JSON-RPC -32002 refusal of an
// endpoint policy that does not admit the gateway, a gateway that refuses on its own — and
// the delay with which a policy change takes effect, without AWS.
//
// # Endpoints and listeners
//
// An interface endpoint is a set of network interfaces, one per subnet, each with a private
// address (see [Endpoint]). The simulator opens one TLS listener per registered interface
// address, on a loopback address with a port the kernel picks (Options.ListenHost, default
// 127.0.0.1): the interface addresses themselves (10.0.x.y) cannot be bound without root,
// port 443 needs privileges, and while Linux routes all of 127.0.0.0/8 to the loopback
// interface (so 127.x.y.z per interface would work there), macOS configures only 127.0.0.1.
// A port per interface works unprivileged everywhere. The endpoint a request came through
// is the one whose listener accepted the connection — never a header, which a client could
// forge. [Simulator.ListenerAddr], [Simulator.Listeners] and [Simulator.DialContext]
// translate an interface address (and port 443) into its listener, for a client's
// injectable dialer. Addresses that are not registered are not listened on: connecting to
// them is refused.
//
// # Gateways
//
// Gateways are configured by ID ([Simulator.AddGateway]) with a bearer token and demo tools,
// and addressed as AgentCore addresses them: Host and TLS server name
// <gateway-id>.gateway.bedrock-agentcore.<region>.amazonaws.com, path POST /mcp
// (AWS_FACTS.md, "The service"). The server certificate covers
// *.gateway.bedrock-agentcore.<region>.amazonaws.com and is signed by a CA the simulator
// generates; clients trust it through [Simulator.CACertPEM] or [Simulator.RootCAs].
//
// # What a request goes through
//
//  1. Path and method: POST /mcp, else 404 / 405.
//  2. Host: a configured gateway of the simulated region, else 404; a Host that differs
//     from the TLS server name is 421.
//  3. The bearer token of that gateway, else 401.
//  4. The endpoint policy of the endpoint the request came through, read from a
//     [PolicySource] and cached per endpoint for Options.PolicyCacheTTL (15 minutes by
//     default, the "up to 15 minutes" of AWS_FACTS.md), evaluated for action
//     bedrock-agentcore:InvokeGateway on the gateway's ARN (see [Evaluate]). Denied: the
//     JSON-RPC error -32002 "Authorization error - Insufficient permissions" in an HTTP 200
//     answer (Options.EndpointPolicyRefusal).
//  5. The gateway's own authorization ([Simulator.DenyAll]): a gateway that refuses although
//     the endpoint admits it (Options.GatewayRefusal).
//  6. MCP over streamable HTTP, served by github.com/modelcontextprotocol/go-sdk for every
//     protocol version AgentCore accepts ([SupportedProtocolVersions]).
//
// The order of 3, 4 and 5 follows IAM's request evaluation, authentication before
// policies (https://docs.aws.amazon.com/IAM/latest/UserGuide/intro-structure.html);
// AgentCore does not document it. Every request is recorded ([Simulator.Requests]) without
// its token, so tests can show where a request went and what it carried.
//
// The operator's packages never import this one; it imports none of theirs.
package gatewaysim
