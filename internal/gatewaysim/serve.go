package gatewaysim

import (
	"bytes"
	"crypto/subtle"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Outcome is what the simulator did with a request.
type Outcome string

// Outcomes, in the order a request meets them.
const (
	// OutcomeNotFound: a path other than /mcp.
	OutcomeNotFound Outcome = "NotFound"
	// OutcomeMethodNotAllowed: not a POST.
	OutcomeMethodNotAllowed Outcome = "MethodNotAllowed"
	// OutcomeMisdirected: the Host header differs from the TLS server name (421).
	OutcomeMisdirected Outcome = "Misdirected"
	// OutcomeUnknownGateway: the Host names no configured gateway of the region (404).
	OutcomeUnknownGateway Outcome = "UnknownGateway"
	// OutcomeBadRequest: the body could not be read.
	OutcomeBadRequest Outcome = "BadRequest"
	// OutcomeUnauthorized: no bearer token, or not the gateway's (401).
	OutcomeUnauthorized Outcome = "Unauthorized"
	// OutcomePolicyUnavailable: the endpoint's policy could not be read (500).
	OutcomePolicyUnavailable Outcome = "PolicyUnavailable"
	// OutcomeDeniedByEndpointPolicy: the endpoint policy does not admit the gateway.
	OutcomeDeniedByEndpointPolicy Outcome = "DeniedByEndpointPolicy"
	// OutcomeDeniedByGateway: the endpoint admits it, the gateway refuses (DenyAll).
	OutcomeDeniedByGateway Outcome = "DeniedByGateway"
	// OutcomeServed: handed to the gateway's MCP server.
	OutcomeServed Outcome = "Served"
)

// Request records one HTTP request the simulator received. It never holds the token.
type Request struct {
	Time time.Time
	// EndpointID and Address are the endpoint and interface address whose listener accepted
	// the connection.
	EndpointID string
	Address    string
	// Host is the Host header, without a port; GatewayID the gateway it names, if any.
	Host      string
	GatewayID string
	// TokenOf is the ID of the configured gateway whose token the request presented, or ""
	// for none or an unknown token: a token sent to another gateway than its own shows here.
	TokenOf string
	Outcome Outcome
}

// maxRequests bounds the request log of a long-running simulator.
const maxRequests = 10000

// Requests returns the requests received so far, oldest first (at most the last 10,000).
func (s *Simulator) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

func (s *Simulator) record(r Request) {
	s.logger.Debug("gateway request", "endpointID", r.EndpointID, "address", r.Address, "host", r.Host,
		"gatewayID", r.GatewayID, "tokenOf", r.TokenOf, "outcome", string(r.Outcome))
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.requests) >= maxRequests {
		s.requests = slices.Delete(s.requests, 0, len(s.requests)-maxRequests+1)
	}
	s.requests = append(s.requests, r)
}

// maxBodyBytes bounds what the simulator reads of a request body to answer a refusal; the
// MCP SDK has the same default limit.
const maxBodyBytes = 4 << 20

// serve runs one request that arrived on the listener of address, an interface of
// endpointID, through the steps the package comment lists.
func (s *Simulator) serve(w http.ResponseWriter, r *http.Request, endpointID, address string) {
	rec := Request{Time: s.clock(), EndpointID: endpointID, Address: address, Host: hostWithoutPort(r.Host)}
	outcome := s.admit(w, r, &rec)
	rec.Outcome = outcome
	s.record(rec)
}

func (s *Simulator) admit(w http.ResponseWriter, r *http.Request, rec *Request) Outcome {
	token := bearerToken(r)
	rec.TokenOf = s.tokenOwner(token)
	if r.URL.Path != mcpPath {
		writeMessage(w, http.StatusNotFound, "Not Found")
		return OutcomeNotFound
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeMessage(w, http.StatusMethodNotAllowed, "Method Not Allowed")
		return OutcomeMethodNotAllowed
	}
	if r.TLS == nil || !strings.EqualFold(r.TLS.ServerName, rec.Host) {
		// The gateway is chosen by Host; the certificate was chosen by the server name. A
		// client must not reach one gateway under another's name.
		writeMessage(w, http.StatusMisdirectedRequest, "Misdirected Request")
		return OutcomeMisdirected
	}
	id, ok := gatewayIDFromHost(rec.Host, s.region)
	if !ok {
		writeMessage(w, http.StatusNotFound, "Gateway not found")
		return OutcomeUnknownGateway
	}
	g, ok := s.gateway(id)
	if !ok {
		writeMessage(w, http.StatusNotFound, "Gateway not found")
		return OutcomeUnknownGateway
	}
	rec.GatewayID = id
	if token == "" || subtle.ConstantTimeCompare([]byte(token), []byte(g.token)) != 1 {
		// An unauthenticated POST to /mcp is answered 401 with a WWW-Authenticate header
		// naming the gateway's OAuth protected-resource metadata (AWS Machine Learning
		// blog on AgentCore Gateway inbound OAuth; the reference docs do not show it).
		w.Header().Set("WWW-Authenticate", `Bearer resource_metadata="https://`+rec.Host+`/.well-known/oauth-protected-resource"`)
		writeMessage(w, http.StatusUnauthorized, "Unauthorized")
		return OutcomeUnauthorized
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes+1))
	if err != nil {
		writeMessage(w, http.StatusBadRequest, "reading request body: "+err.Error())
		return OutcomeBadRequest
	}
	r.Body = io.NopCloser(bytes.NewReader(body))

	document, err := s.cache.policy(rec.EndpointID)
	if err != nil {
		s.logger.Error("reading endpoint policy", "endpointID", rec.EndpointID, "error", err)
		writeMessage(w, http.StatusInternalServerError, "InternalServerException")
		return OutcomePolicyUnavailable
	}
	if d := Evaluate(document, InvokeGatewayAction, s.GatewayARN(id)); !d.Allowed {
		s.logger.Debug("endpoint policy denies", "endpointID", rec.EndpointID, "gatewayID", id, "reason", d.Reason)
		writeRefusal(w, s.endpointRefusal, body)
		return OutcomeDeniedByEndpointPolicy
	}
	if g.denyAll {
		writeRefusal(w, s.gatewayRefusal, body)
		return OutcomeDeniedByGateway
	}
	g.mcp.ServeHTTP(w, r)
	return OutcomeServed
}

// tokenOwner names the configured gateway whose token this is ("" for none; the first ID
// in order if several gateways share it).
func (s *Simulator) tokenOwner(token string) string {
	if token == "" {
		return ""
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	owner := ""
	for id, g := range s.gateways {
		if subtle.ConstantTimeCompare([]byte(token), []byte(g.token)) == 1 && (owner == "" || id < owner) {
			owner = id
		}
	}
	return owner
}

func bearerToken(r *http.Request) string {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(token)
}

func hostWithoutPort(host string) string {
	if h, _, err := net.SplitHostPort(host); err == nil {
		return h
	}
	return host
}

// gatewayIDFromHost returns the gateway ID of <id>.gateway.bedrock-agentcore.<region>.amazonaws.com.
func gatewayIDFromHost(host, region string) (string, bool) {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	id, ok := strings.CutSuffix(host, "."+serviceDomain(region))
	if !ok || !gatewayIDPattern.MatchString(id) {
		return "", false
	}
	return id, true
}
