package verify

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"

	"github.com/agentcore-io/vpce-operator/api/v1alpha1"
	"github.com/agentcore-io/vpce-operator/internal/policy"
)

// deniedCode is the JSON-RPC error a refused request is answered with: -32002
// "Authorization error - Insufficient permissions" (AWS_FACTS.md, "The service": from the
// AWS blog recipe, not AWS's reference documentation).
const deniedCode = -32002

// classify turns what the SDK returned and what the transport saw into an Outcome.
func (p *Prober) classify(t Target, tr *transport, err error) Outcome {
	if err == nil {
		if admitted, perr := policy.Admits(t.Endpoint.PolicyDocument, t.GatewayARN); perr == nil && !admitted {
			return outcome(v1alpha1.VerificationReachable,
				"MCP tools/list through endpoint %s succeeded, although its policy as EC2 reports it no longer admits the gateway: the gateway still serves its cached policy, and will refuse once that expires (up to the propagation delay after the change).", t.Endpoint.ID)
		}
		return outcome(v1alpha1.VerificationReachable, "MCP tools/list through endpoint %s succeeded.", t.Endpoint.ID)
	}
	w := tr.snapshot()
	var rpcErr *jsonrpc.Error
	isRPC := errors.As(err, &rpcErr)
	switch {
	case w.dialErr != nil && !w.connected:
		return unreachable(tr.address, t.Endpoint.ID, w.dialErr)
	case w.status == http.StatusUnauthorized:
		return outcome(v1alpha1.VerificationUnauthorized,
			"The gateway answered 401 Unauthorized to the bearer token: it has expired, or was not issued for this gateway (its OAuth audience, issuer or client). Put a current token for this gateway in the Secret; it is read again at the next probe.")
	case isRPC && rpcErr.Code == deniedCode, w.status == http.StatusForbidden:
		var answer []string
		if w.status != 0 {
			answer = append(answer, fmt.Sprintf("HTTP %d", w.status))
		}
		if isRPC {
			answer = append(answer, fmt.Sprintf("JSON-RPC error %d %q", rpcErr.Code, rpcErr.Message))
		}
		return p.refusal(t, strings.Join(answer, ", "))
	case len(w.refused) > 0:
		return outcome(v1alpha1.VerificationProbeFailed, "The MCP client asked to reach %v; the probe sends only to %s through the endpoint, so it stopped.", w.refused, tr.host)
	case w.status >= 300 && w.status < 400:
		return outcome(v1alpha1.VerificationProbeFailed,
			"The gateway answered HTTP %d with a redirect to %q; the probe does not follow redirects. The endpoint's interface answered as no AgentCore gateway does: check what serves %s.", w.status, w.location, tr.address)
	case w.status != 0:
		return outcome(v1alpha1.VerificationProbeFailed, "The gateway answered HTTP %d %s: %v", w.status, http.StatusText(w.status), err)
	case w.roundTrip != nil && isTLSError(w.roundTrip):
		return outcome(v1alpha1.VerificationProbeFailed,
			"TLS verification of %s failed at %s: %v. The certificate must be valid for the gateway's name; the probe never skips this check.", tr.host, tr.address, w.roundTrip)
	case !w.connected && (errors.Is(err, context.DeadlineExceeded) || isTimeout(w.roundTrip)):
		return unreachable(tr.address, t.Endpoint.ID, context.DeadlineExceeded)
	case w.connected && (errors.Is(err, context.DeadlineExceeded) || isTimeout(w.roundTrip)):
		return outcome(v1alpha1.VerificationProbeFailed, "Connected to %s:443 but got no MCP answer within %s.", tr.address, p.opts.Timeout)
	case isRPC:
		return outcome(v1alpha1.VerificationProbeFailed, "The gateway answered JSON-RPC error %d: %s", rpcErr.Code, rpcErr.Message)
	}
	return outcome(v1alpha1.VerificationProbeFailed, "MCP tools/list failed: %v", err)
}

// refusal classifies a -32002 or 403 answer by what the endpoint's policy, as EC2 reports
// it, says about the gateway.
func (p *Prober) refusal(t Target, answer string) Outcome {
	admitted, perr := policy.Admits(t.Endpoint.PolicyDocument, t.GatewayARN)
	now := p.opts.Now()
	switch {
	case perr != nil:
		return outcome(v1alpha1.VerificationDeniedByEndpointPolicy,
			"Refused (%s). The policy document of endpoint %s could not be read (%v), so it does not count as admitting the gateway.", answer, t.Endpoint.ID, perr)
	case !admitted:
		return outcome(v1alpha1.VerificationDeniedByEndpointPolicy,
			"Refused (%s): the policy of endpoint %s, as EC2 reports it, does not admit %s. Add the gateway to a GatewayAccessPolicy attached to this endpoint (and within its spec.access.allowedGateways).", answer, t.Endpoint.ID, t.GatewayARN)
	case now.Before(t.GrantEffectiveAt):
		return outcome(v1alpha1.VerificationAwaitingPropagation,
			"Refused (%s), but the policy of endpoint %s admits the gateway: the grant is recent and the gateway may serve its cached policy until %s.", answer, t.Endpoint.ID, t.GrantEffectiveAt.UTC().Format(time.RFC3339))
	}
	return outcome(v1alpha1.VerificationDeniedByGateway,
		"Refused (%s) although the policy of endpoint %s admits the gateway and the grant has propagated: the gateway refused on its own (its resource-based policy, e.g. one requiring another aws:SourceVpce, or its authorizer's rules for this token).", answer, t.Endpoint.ID)
}

func unreachable(address, endpointID string, err error) Outcome {
	return outcome(v1alpha1.VerificationUnreachable,
		"Could not connect to %s:443 of endpoint %s from the operator's pod (%v). The endpoint's security group must admit HTTPS from the operator's pods: with a managed group, add the operator pods' security group, their nodes' security group or their CIDR to the GatewayEndpoint's spec.securityGroup.managed.allowedSources; with existing groups, add an inbound rule for 443/tcp. Admitting the operator is the platform team's choice; without it, leave spec.verify out.",
		address, endpointID, err)
}

func isTLSError(err error) bool {
	var verr *tls.CertificateVerificationError
	var hostErr x509.HostnameError
	var authErr x509.UnknownAuthorityError
	var certErr x509.CertificateInvalidError
	var recErr tls.RecordHeaderError
	var alert tls.AlertError
	return errors.As(err, &verr) || errors.As(err, &hostErr) || errors.As(err, &authErr) ||
		errors.As(err, &certErr) || errors.As(err, &recErr) || errors.As(err, &alert)
}

func isTimeout(err error) bool {
	var ne net.Error
	return err != nil && (errors.As(err, &ne) && ne.Timeout() || errors.Is(err, context.DeadlineExceeded))
}
