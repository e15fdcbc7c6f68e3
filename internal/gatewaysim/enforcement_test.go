package gatewaysim_test

import (
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/agentcore-io/vpce-operator/internal/gatewaysim"
)

const toolsList = `{"jsonrpc":"2.0","id":1,"method":"tools/list"}`

var legacyHeader = map[string]string{"MCP-Protocol-Version": gatewaysim.ProtocolVersion20251125}

func TestAGatewayNotInTheEndpointPolicyAnswers32002(t *testing.T) {
	h := newHarness(t)
	must(t, h.gw.AddGateway("gw-a", "token-a"))
	must(t, h.gw.AddGateway("gw-b", "token-b"))
	e := h.createEndpoint(t, h.allowGateways("gw-a"))

	for _, version := range gatewaysim.SupportedProtocolVersions() {
		_, err := h.listTools(t, h.clientThrough(e.Addresses[0], "token-b", nil), "gw-b", version)
		wantDenied(t, err)
	}
	if got := h.lastOutcome(t); got.Outcome != gatewaysim.OutcomeDeniedByEndpointPolicy || got.GatewayID != "gw-b" || got.EndpointID != e.ID {
		t.Errorf("recorded %+v", got)
	}

	status, body := h.post(t, e.Addresses[2], h.gw.GatewayHost("gw-b"), "token-b", legacyHeader,
		`{"jsonrpc":"2.0","id":"list-1","method":"tools/list"}`)
	want := `{"jsonrpc":"2.0","id":"list-1","error":{"code":-32002,"message":"Authorization error - Insufficient permissions"}}`
	if status != http.StatusOK || strings.TrimSpace(body) != want {
		t.Errorf("got %d %s, want 200 %s", status, body, want)
	}
	if _, err := h.listTools(t, h.clientThrough(e.Addresses[2], "token-a", nil), "gw-a", gatewaysim.ProtocolVersion20260728); err != nil {
		t.Errorf("the admitted gateway: %v", err)
	}
}

func TestARefusalAnswersEveryRequestOfABatchAndNoNotification(t *testing.T) {
	h := newHarness(t)
	must(t, h.gw.AddGateway("gw-b", "token-b"))
	e := h.createEndpoint(t, h.allowGateways("gw-a"))
	host := h.gw.GatewayHost("gw-b")

	status, body := h.post(t, e.Addresses[0], host, "token-b", map[string]string{"MCP-Protocol-Version": "2025-03-26"},
		`[{"jsonrpc":"2.0","id":1,"method":"tools/list"},{"jsonrpc":"2.0","method":"notifications/initialized"},{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"x"}}]`)
	want := `[{"jsonrpc":"2.0","id":1,"error":{"code":-32002,"message":"Authorization error - Insufficient permissions"}},{"jsonrpc":"2.0","id":2,"error":{"code":-32002,"message":"Authorization error - Insufficient permissions"}}]`
	if status != http.StatusOK || strings.TrimSpace(body) != want {
		t.Errorf("batch: got %d %s, want 200 %s", status, body, want)
	}
	status, body = h.post(t, e.Addresses[0], host, "token-b", legacyHeader, `{"jsonrpc":"2.0","method":"notifications/initialized"}`)
	if status != http.StatusForbidden || !strings.Contains(body, `"id":null`) || !strings.Contains(body, "-32002") {
		t.Errorf("notification: got %d %s, want 403 with the error and a null id", status, body)
	}
}

func TestATokenThatIsNotTheGatewaysIsUnauthorized(t *testing.T) {
	h := newHarness(t)
	must(t, h.gw.AddGateway("gw-a", "token-a"))
	must(t, h.gw.AddGateway("gw-b", "token-b"))
	e := h.createEndpoint(t, h.allowGateways("gw-a", "gw-b"))
	host := h.gw.GatewayHost("gw-a")

	cases := []struct {
		name, token string
		tokenOf     string
	}{
		{name: "no token", token: ""},
		{name: "an unknown token", token: "forged"},
		{name: "another gateway's token", token: "token-b", tokenOf: "gw-b"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, body := h.post(t, e.Addresses[0], host, tc.token, legacyHeader, toolsList)
			if status != http.StatusUnauthorized {
				t.Fatalf("status %d (%s), want 401", status, body)
			}
			got := h.lastOutcome(t)
			if got.Outcome != gatewaysim.OutcomeUnauthorized || got.TokenOf != tc.tokenOf || got.GatewayID != "gw-a" {
				t.Errorf("recorded %+v, want Unauthorized with the token of %q", got, tc.tokenOf)
			}
		})
	}
	_, err := h.listTools(t, h.clientThrough(e.Addresses[0], "wrong", nil), "gw-a", gatewaysim.ProtocolVersion20260728)
	if err == nil || !strings.Contains(err.Error(), "Unauthorized") {
		t.Errorf("the SDK client got %v, want Unauthorized", err)
	}
}

func TestAGrantTakesEffectOnlyWhenTheCachedPolicyExpires(t *testing.T) {
	h := newHarness(t)
	must(t, h.gw.AddGateway("gw-a", "token-a"))
	must(t, h.gw.AddGateway("gw-b", "token-b"))
	e := h.createEndpoint(t, h.allowGateways("gw-a"))
	probe := func() error {
		_, err := h.listTools(t, h.clientThrough(e.Addresses[0], "token-b", nil), "gw-b", gatewaysim.ProtocolVersion20260728)
		return err
	}

	wantDenied(t, probe()) // reads and caches the policy
	h.setPolicy(t, e.ID, h.allowGateways("gw-a", "gw-b"))
	wantDenied(t, probe())
	h.clock.Advance(gatewaysim.DefaultPolicyCacheTTL - time.Second)
	wantDenied(t, probe())
	if n := h.policies.reads.Load(); n != 1 {
		t.Errorf("the policy was read %d times within its cache time, want once", n)
	}
	h.clock.Advance(time.Second)
	if err := probe(); err != nil {
		t.Fatalf("after the cache expired: %v", err)
	}
	if n := h.policies.reads.Load(); n != 2 {
		t.Errorf("the policy was read %d times, want twice", n)
	}
}

func TestARevokedGatewayIsServedUntilTheCachedPolicyExpires(t *testing.T) {
	h := newHarness(t, func(o *gatewaysim.Options) { o.PolicyCacheTTL = 5 * time.Minute })
	must(t, h.gw.AddGateway("gw-a", "token-a"))
	e := h.createEndpoint(t, h.allowGateways("gw-a"))
	probe := func(address string) error {
		_, err := h.listTools(t, h.clientThrough(address, "token-a", nil), "gw-a", gatewaysim.ProtocolVersion20250618)
		return err
	}

	must(t, probe(e.Addresses[0]))
	h.setPolicy(t, e.ID, `{"Statement":[{"Effect":"Deny","Principal":"*","Action":"*","Resource":"*"}]}`)
	h.clock.Advance(5*time.Minute - time.Nanosecond)
	// The cache is the endpoint's: every interface of it still serves.
	for _, a := range e.Addresses {
		if err := probe(a); err != nil {
			t.Fatalf("through %s before the cache expired: %v", a, err)
		}
	}
	h.clock.Advance(time.Nanosecond)
	wantDenied(t, probe(e.Addresses[1]))
}

func TestWithoutACacheAPolicyChangeTakesEffectAtOnce(t *testing.T) {
	h := newHarness(t, func(o *gatewaysim.Options) { o.PolicyCacheTTL = -1 })
	must(t, h.gw.AddGateway("gw-a", "token-a"))
	e := h.createEndpoint(t, "")
	host := h.gw.GatewayHost("gw-a")

	if status, body := h.post(t, e.Addresses[0], host, "token-a", legacyHeader, toolsList); status != http.StatusOK || strings.Contains(body, "error") {
		t.Fatalf("no policy (full access): %d %s", status, body)
	}
	h.setPolicy(t, e.ID, h.allowGateways("gw-other"))
	if _, body := h.post(t, e.Addresses[0], host, "token-a", legacyHeader, toolsList); !strings.Contains(body, "-32002") {
		t.Fatalf("after the change: %s", body)
	}
}

func TestTheEndpointIsTheOneWhoseInterfaceTheRequestCameThrough(t *testing.T) {
	h := newHarness(t)
	must(t, h.gw.AddGateway("gw-a", "token-a"))
	admits := h.createEndpoint(t, h.allowGateways("gw-a"))
	refuses := h.createEndpoint(t, h.allowGateways("gw-b"))
	host := h.gw.GatewayHost("gw-a")
	// A header naming the other endpoint changes nothing.
	forged := map[string]string{"MCP-Protocol-Version": "2025-11-25", "X-Amzn-Vpce-Id": admits.ID, "X-Forwarded-For": admits.Addresses[0]}

	if _, body := h.post(t, admits.Addresses[0], host, "token-a", forged, toolsList); strings.Contains(body, "error") {
		t.Errorf("through %s (admits): %s", admits.ID, body)
	}
	if _, body := h.post(t, refuses.Addresses[0], host, "token-a", forged, toolsList); !strings.Contains(body, "-32002") {
		t.Errorf("through %s (refuses): %s", refuses.ID, body)
	}
	if got := h.lastOutcome(t); got.EndpointID != refuses.ID || got.Address != refuses.Addresses[0] {
		t.Errorf("recorded %+v, want endpoint %s at %s", got, refuses.ID, refuses.Addresses[0])
	}
}

func TestADeniedAllGatewayRefusesAlthoughAdmitted(t *testing.T) {
	h := newHarness(t)
	must(t, h.gw.AddGateway("gw-a", "token-a"))
	e := h.createEndpoint(t, h.allowGateways("gw-a"))

	must(t, h.gw.DenyAll("gw-a"))
	_, err := h.listTools(t, h.clientThrough(e.Addresses[0], "token-a", nil), "gw-a", gatewaysim.ProtocolVersion20260728)
	wantDenied(t, err)
	if got := h.lastOutcome(t); got.Outcome != gatewaysim.OutcomeDeniedByGateway {
		t.Errorf("recorded %s, want %s", got.Outcome, gatewaysim.OutcomeDeniedByGateway)
	}
	must(t, h.gw.LiftDenyAll("gw-a"))
	if _, err := h.listTools(t, h.clientThrough(e.Addresses[0], "token-a", nil), "gw-a", gatewaysim.ProtocolVersion20260728); err != nil {
		t.Errorf("after LiftDenyAll: %v", err)
	}
}

func TestAGatewayRefusalCanBeA403(t *testing.T) {
	h := newHarness(t, func(o *gatewaysim.Options) {
		o.GatewayRefusal = gatewaysim.Refusal{HTTPStatus: http.StatusForbidden, Code: -32003, Message: "Access denied by resource policy"}
	})
	must(t, h.gw.AddGateway("gw-a", "token-a"))
	e := h.createEndpoint(t, "")
	must(t, h.gw.DenyAll("gw-a"))

	status, body := h.post(t, e.Addresses[0], h.gw.GatewayHost("gw-a"), "token-a", legacyHeader, toolsList)
	if status != http.StatusForbidden || !strings.Contains(body, `"code":-32003`) {
		t.Errorf("got %d %s", status, body)
	}
}

func TestAPolicyThatCannotBeReadIsAServerErrorAndNotCached(t *testing.T) {
	var fail atomic.Bool
	fail.Store(true)
	h := newHarness(t)
	source := h.policies
	gw, err := gatewaysim.New(gatewaysim.Options{Region: region, AccountID: account, Clock: h.clock.Now,
		Policies: gatewaysim.PolicySourceFunc(func(id string) (string, error) {
			if fail.Load() {
				return "", errors.New("RequestLimitExceeded")
			}
			return source.EndpointPolicy(id)
		})})
	must(t, err)
	t.Cleanup(func() { _ = gw.Close() })
	h.gw = gw
	must(t, gw.AddGateway("gw-a", "token-a"))
	e := h.createEndpoint(t, h.allowGateways("gw-a"))

	if status, body := h.post(t, e.Addresses[0], gw.GatewayHost("gw-a"), "token-a", legacyHeader, toolsList); status != http.StatusInternalServerError {
		t.Fatalf("got %d %s, want 500", status, body)
	}
	fail.Store(false)
	if status, body := h.post(t, e.Addresses[0], gw.GatewayHost("gw-a"), "token-a", legacyHeader, toolsList); status != http.StatusOK || strings.Contains(body, "error") {
		t.Fatalf("after the source recovered: %d %s", status, body)
	}
}
