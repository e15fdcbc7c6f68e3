// Package verify probes an AgentCore gateway through an interface VPC endpoint, as an agent
// in the VPC would reach it, and says what it found: Reachable with the gateway's tool count,
// or why not.
//
// The probe carries a team's bearer token, so where it may connect is fixed before anything
// is sent:
//
//   - The host is built only from the gateway ID of the ARN (a lower-case DNS label) and the
//     endpoint's region: https://<id>.gateway.bedrock-agentcore.<region>.amazonaws.com/mcp,
//     port 443 (AWS_FACTS.md, "The service").
//   - The addresses it may connect to are the endpoint's network interface addresses, which
//     the caller reads from EC2 (DescribeVpcEndpoints, DescribeNetworkInterfaces), never from
//     an object's status. The name is resolved once (the gateway's name with private DNS on,
//     the endpoint's own DNS name from EC2 with it off); if any answer is not one of those
//     interfaces, nothing is sent (PrivateDNSNotInEffect). Otherwise the probe dials that
//     address itself and nothing else: the HTTP transport's own choice of address is refused.
//   - TLS is verified for the gateway's host name (configurable roots, never skipped), the
//     Host header is the gateway's, proxy settings are ignored (Transport.Proxy is nil), and
//     redirects are not followed (CheckRedirect returns http.ErrUseLastResponse). The token
//     is added only to requests for that host.
//
// The MCP tools/list goes through the official Go SDK's client
// (github.com/modelcontextprotocol/go-sdk, streamable HTTP), whose http.Client is given the
// transport above: the SDK builds the requests, the transport decides where they go.
//
// A refusal (JSON-RPC -32002, or HTTP 403) is DeniedByEndpointPolicy only when the endpoint's
// policy document, as EC2 reports it, does not admit the gateway; AwaitingPropagation while
// the grant is inside the gateway's policy-cache window; DeniedByGateway otherwise, since
// the endpoint admits it and the gateway refused on its own.
//
// The package makes no AWS or Kubernetes calls; the caller supplies the endpoint as EC2
// reports it, the token, and the clock.
package verify
