package verify_test

import (
	"context"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/agentcore-io/vpce-operator/api/v1alpha1"
	"github.com/agentcore-io/vpce-operator/internal/gatewaysim"
	"github.com/agentcore-io/vpce-operator/internal/verify"
)

func TestEachAnswerOfTheGatewayIsClassified(t *testing.T) {
	cases := []struct {
		name  string
		sim   func(*gatewaysim.Options)
		setup func(r *rig) (verify.Target, string)
		want  v1alpha1.VerificationResult
		// msg is a part of the message, sent says whether the gateway got a request.
		msg  string
		sent bool
	}{
		{
			name: "an admitted gateway with its token is Reachable",
			setup: func(r *rig) (verify.Target, string) {
				must(t, r.sim.AddGateway("gw-a", "token-a", "search___find", "search___fetch"))
				r.admit("gw-a")
				return r.target("gw-a"), "token-a"
			},
			want: v1alpha1.VerificationReachable, sent: true,
		},
		{
			name: "a gateway the endpoint policy does not admit is DeniedByEndpointPolicy (-32002)",
			setup: func(r *rig) (verify.Target, string) {
				must(t, r.sim.AddGateway("gw-b", "token-b"))
				r.admit("gw-a")
				return r.target("gw-b"), "token-b"
			},
			want: v1alpha1.VerificationDeniedByEndpointPolicy, msg: "-32002", sent: true,
		},
		{
			name: "a 403 refusal reads the same",
			sim: func(o *gatewaysim.Options) {
				o.EndpointPolicyRefusal = gatewaysim.Refusal{HTTPStatus: http.StatusForbidden}
			},
			setup: func(r *rig) (verify.Target, string) {
				must(t, r.sim.AddGateway("gw-b", "token-b"))
				r.admit("gw-a")
				return r.target("gw-b"), "token-b"
			},
			want: v1alpha1.VerificationDeniedByEndpointPolicy, msg: "403", sent: true,
		},
		{
			name: "an admitted gateway that refuses on its own is DeniedByGateway",
			setup: func(r *rig) (verify.Target, string) {
				must(t, r.sim.AddGateway("gw-a", "token-a"))
				must(t, r.sim.DenyAll("gw-a"))
				r.admit("gw-a")
				return r.target("gw-a"), "token-a"
			},
			want: v1alpha1.VerificationDeniedByGateway, sent: true,
		},
		{
			name: "a refusal inside the window of the gateway's grant is AwaitingPropagation",
			setup: func(r *rig) (verify.Target, string) {
				must(t, r.sim.AddGateway("gw-a", "token-a"))
				must(t, r.sim.DenyAll("gw-a"))
				r.admit("gw-a")
				tg := r.target("gw-a")
				tg.GrantEffectiveAt = r.clock.Now().Add(time.Minute)
				return tg, "token-a"
			},
			want: v1alpha1.VerificationAwaitingPropagation, sent: true,
		},
		{
			name: "a token the gateway does not accept is Unauthorized",
			setup: func(r *rig) (verify.Target, string) {
				must(t, r.sim.AddGateway("gw-a", "token-a"))
				r.admit("gw-a")
				return r.target("gw-a"), "expired-token"
			},
			want: v1alpha1.VerificationUnauthorized, msg: "401", sent: true,
		},
		{
			name: "an interface nothing listens on is Unreachable and says to admit the operator's pods",
			setup: func(r *rig) (verify.Target, string) {
				must(t, r.sim.AddGateway("gw-a", "token-a"))
				r.admit("gw-a")
				tg := r.target("gw-a")
				tg.Endpoint.Addresses = append(tg.Endpoint.Addresses, "10.0.4.10")
				r.answer(verify.GatewayHost("gw-a", region), "10.0.4.10")
				return tg, "token-a"
			},
			want: v1alpha1.VerificationUnreachable, msg: "security group must admit HTTPS from the operator's pods",
		},
		{
			name: "a name that resolves elsewhere is PrivateDNSNotInEffect and nothing is sent",
			setup: func(r *rig) (verify.Target, string) {
				must(t, r.sim.AddGateway("gw-a", "token-a"))
				r.admit("gw-a")
				r.answer(verify.GatewayHost("gw-a", region), "52.1.2.3")
				return r.target("gw-a"), "token-a"
			},
			want: v1alpha1.VerificationPrivateDNSNotInEffect, msg: "52.1.2.3",
		},
		{
			name: "one answer of several elsewhere is enough to send nothing",
			setup: func(r *rig) (verify.Target, string) {
				must(t, r.sim.AddGateway("gw-a", "token-a"))
				r.admit("gw-a")
				r.answer(verify.GatewayHost("gw-a", region), "10.0.1.10", "52.1.2.3")
				return r.target("gw-a"), "token-a"
			},
			want: v1alpha1.VerificationPrivateDNSNotInEffect,
		},
		{
			name: "a name that does not resolve is PrivateDNSNotInEffect",
			setup: func(r *rig) (verify.Target, string) {
				must(t, r.sim.AddGateway("gw-a", "token-a"))
				r.answer(verify.GatewayHost("gw-a", region))
				return r.target("gw-a"), "token-a"
			},
			want: v1alpha1.VerificationPrivateDNSNotInEffect, msg: "no such host",
		},
		{
			name: "with private DNS off the endpoint's own name is dialled and the gateway's name is sent",
			setup: func(r *rig) (verify.Target, string) {
				must(t, r.sim.AddGateway("gw-a", "token-a"))
				r.admit("gw-a")
				r.answer(verify.GatewayHost("gw-a", region), "52.1.2.3") // the public answer, not used
				tg := r.target("gw-a")
				tg.Endpoint.PrivateDNS = false
				return tg, "token-a"
			},
			want: v1alpha1.VerificationReachable, sent: true,
		},
		{
			name: "a gateway the simulator does not know is ProbeFailed (404)",
			setup: func(r *rig) (verify.Target, string) {
				r.admit("gw-x")
				return r.target("gw-x"), "token-x"
			},
			want: v1alpha1.VerificationProbeFailed, msg: "404", sent: true,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var edits []func(*gatewaysim.Options)
			if tc.sim != nil {
				edits = append(edits, tc.sim)
			}
			r := newRig(t, edits...)
			target, token := tc.setup(r)
			got := r.probe(target, token)
			if got.Result != tc.want || !strings.Contains(got.Message, tc.msg) {
				t.Fatalf("got %s: %s\nwant %s with %q", got.Result, got.Message, tc.want, tc.msg)
			}
			if strings.Contains(got.Message, token) {
				t.Errorf("the message quotes the token: %s", got.Message)
			}
			reqs := r.sim.Requests()
			if sent := len(reqs) > 0; sent != tc.sent {
				t.Errorf("the gateway received %d requests, want any: %v", len(reqs), tc.sent)
			}
			for _, req := range reqs {
				if req.EndpointID != endpointID || !slices.Contains(r.ep.Addresses, req.Address) {
					t.Errorf("a request arrived through %s %s, not the endpoint's interfaces", req.EndpointID, req.Address)
				}
			}
			if got.Result == v1alpha1.VerificationReachable {
				if got.Address == "" || !slices.Contains(r.ep.Addresses, got.Address) {
					t.Errorf("reachable through %q, not one of the interfaces", got.Address)
				}
				if want := len(reqs[0].GatewayID); want == 0 || reqs[0].Host != verify.GatewayHost(reqs[0].GatewayID, region) {
					t.Errorf("the request named host %q", reqs[0].Host)
				}
			}
		})
	}
}

func TestReachableCountsTheGatewaysTools(t *testing.T) {
	r := newRig(t)
	must(t, r.sim.AddGateway("gw-a", "token-a", "search___find", "search___fetch", "search___rank"))
	r.admit("gw-a")
	got := r.probe(r.target("gw-a"), "token-a")
	if got.Result != v1alpha1.VerificationReachable || got.ToolCount != 3 {
		t.Fatalf("got %s with %d tools (%s), want Reachable with 3", got.Result, got.ToolCount, got.Message)
	}
}

func TestEveryProtocolVersionTheGatewayAcceptsIsReachable(t *testing.T) {
	for _, version := range gatewaysim.SupportedProtocolVersions() {
		t.Run(version, func(t *testing.T) {
			r := newRig(t)
			must(t, r.sim.AddGateway("gw-a", "token-a"))
			must(t, r.sim.SetProtocolVersions("gw-a", version))
			r.admit("gw-a")
			if got := r.probe(r.target("gw-a"), "token-a"); got.Result != v1alpha1.VerificationReachable {
				t.Fatalf("got %s: %s", got.Result, got.Message)
			}
		})
	}
}

func TestAGrantIsAwaitingPropagationUntilTheGatewaysCacheExpires(t *testing.T) {
	r := newRig(t)
	must(t, r.sim.AddGateway("gw-a", "token-a"))
	r.admit() // nothing admitted
	if got := r.probe(r.target("gw-a"), "token-a"); got.Result != v1alpha1.VerificationDeniedByEndpointPolicy {
		t.Fatalf("before the grant: %s: %s", got.Result, got.Message)
	}
	// The grant is written; the gateway still serves the document it cached.
	r.admit("gw-a")
	target := r.target("gw-a")
	target.GrantEffectiveAt = r.clock.Now().Add(gatewaysim.DefaultPolicyCacheTTL)
	if got := r.probe(target, "token-a"); got.Result != v1alpha1.VerificationAwaitingPropagation ||
		!strings.Contains(got.Message, target.GrantEffectiveAt.Format(time.RFC3339)) {
		t.Fatalf("inside the window: %s: %s", got.Result, got.Message)
	}
	r.clock.Advance(gatewaysim.DefaultPolicyCacheTTL)
	if got := r.probe(target, "token-a"); got.Result != v1alpha1.VerificationReachable {
		t.Fatalf("once the cache expired: %s: %s", got.Result, got.Message)
	}
}

func TestARevokedGatewayAnswersUntilTheCacheExpiresThenIsDenied(t *testing.T) {
	r := newRig(t)
	must(t, r.sim.AddGateway("gw-a", "token-a"))
	r.admit("gw-a")
	if got := r.probe(r.target("gw-a"), "token-a"); got.Result != v1alpha1.VerificationReachable {
		t.Fatalf("while admitted: %s: %s", got.Result, got.Message)
	}
	r.admit()
	r.clock.Advance(gatewaysim.DefaultPolicyCacheTTL - time.Second)
	if got := r.probe(r.target("gw-a"), "token-a"); got.Result != v1alpha1.VerificationReachable || !strings.Contains(got.Message, "no longer admits") {
		t.Fatalf("revoked, the cached policy still admits it: %s: %s", got.Result, got.Message)
	}
	r.clock.Advance(time.Second)
	if got := r.probe(r.target("gw-a"), "token-a"); got.Result != v1alpha1.VerificationDeniedByEndpointPolicy {
		t.Fatalf("once the cache expired: %s: %s", got.Result, got.Message)
	}
}

func TestGatewaysTheOperatorMayNotProbeAreNotVerifiableAndNothingIsSent(t *testing.T) {
	cases := []struct {
		name   string
		target func(r *rig) verify.Target
		msg    string
	}{
		{"gateway/*", func(r *rig) verify.Target { return r.target("*") }, "gateway/*"},
		{"a SigV4 gateway", func(r *rig) verify.Target {
			tg := r.target("gw-a")
			tg.Auth = v1alpha1.GatewayAuthSigV4
			return tg
		}, "SigV4"},
		{"an ID that is not a DNS label", func(r *rig) verify.Target { return r.target("GW_A") }, "DNS label"},
		{"another region", func(r *rig) verify.Target {
			tg := r.target("gw-a")
			tg.GatewayARN = "arn:aws:bedrock-agentcore:eu-west-1:" + account + ":gateway/gw-a"
			return tg
		}, "eu-west-1"},
		{"an account outside the allow-list", func(r *rig) verify.Target {
			tg := r.target("gw-a")
			tg.GatewayARN = "arn:aws:bedrock-agentcore:us-east-1:999999999999:gateway/gw-a"
			return tg
		}, "999999999999"},
		{"an endpoint outside the operator's VPC", func(r *rig) verify.Target {
			tg := r.target("gw-a")
			tg.OperatorVPCID = "vpc-0ffffffffffffffff"
			return tg
		}, "--vpc-id"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t)
			must(t, r.sim.AddGateway("gw-a", "token-a"))
			r.admit("gw-a")
			tg := tc.target(r)
			if o, ok := verify.New(r.opts).Check(tg); ok || o.Result != v1alpha1.VerificationNotVerifiable {
				t.Errorf("Check = %v, %s", ok, o.Result)
			}
			got := r.probe(tg, "token-a")
			if got.Result != v1alpha1.VerificationNotVerifiable || !strings.Contains(got.Message, tc.msg) {
				t.Errorf("got %s: %s; want NotVerifiable mentioning %q", got.Result, got.Message, tc.msg)
			}
			if n := len(r.sim.Requests()); n > 0 || len(r.lookups) > 0 {
				t.Errorf("%d requests and lookups %v for a target that may not be probed", n, r.lookups)
			}
		})
	}
}

func TestATokenIsSentOnlyToTheGatewayItIsListedFor(t *testing.T) {
	r := newRig(t)
	must(t, r.sim.AddGateway("gw-a", "token-a"))
	must(t, r.sim.AddGateway("gw-b", "token-b"))
	r.admit("gw-a", "gw-b")
	for _, id := range []string{"gw-a", "gw-b"} {
		if got := r.probe(r.target(id), "token-"+id[len(id)-1:]); got.Result != v1alpha1.VerificationReachable {
			t.Fatalf("%s: %s: %s", id, got.Result, got.Message)
		}
	}
	reqs := r.sim.Requests()
	if len(reqs) == 0 {
		t.Fatal("no requests")
	}
	for _, req := range reqs {
		if req.TokenOf != req.GatewayID {
			t.Errorf("a request to %s carried the token of %q", req.GatewayID, req.TokenOf)
		}
	}
}

func TestTLSIsVerifiedForTheGatewaysName(t *testing.T) {
	r := newRig(t)
	must(t, r.sim.AddGateway("gw-a", "token-a"))
	r.admit("gw-a")
	r.opts.RootCAs = nil // the system's roots do not know the simulator's CA
	got := r.probe(r.target("gw-a"), "token-a")
	if got.Result != v1alpha1.VerificationProbeFailed || !strings.Contains(got.Message, "TLS") {
		t.Fatalf("got %s: %s; want ProbeFailed for TLS", got.Result, got.Message)
	}
	if n := len(r.sim.Requests()); n != 0 {
		t.Errorf("%d requests reached the gateway over an unverified connection", n)
	}
}

func TestAConnectionThatNeverOpensIsUnreachableWithinTheTimeout(t *testing.T) {
	r := newRig(t)
	must(t, r.sim.AddGateway("gw-a", "token-a"))
	r.admit("gw-a")
	r.opts.Timeout = 300 * time.Millisecond
	r.opts.Dial = func(ctx context.Context, _, _ string) (net.Conn, error) {
		<-ctx.Done() // a security group drops the SYN: nothing answers
		return nil, ctx.Err()
	}
	start := time.Now()
	got := r.probe(r.target("gw-a"), "token-a")
	if got.Result != v1alpha1.VerificationUnreachable || !strings.Contains(got.Message, "allowedSources") {
		t.Fatalf("got %s: %s", got.Result, got.Message)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("the probe took %s with a 300ms timeout", took)
	}
}

func TestARedirectIsNotFollowed(t *testing.T) {
	var posts atomic.Int64
	fake := newFakeGateway(t, func(w http.ResponseWriter, req *http.Request) {
		posts.Add(1)
		http.Redirect(w, req, "https://"+req.Host+"/elsewhere", http.StatusTemporaryRedirect)
	})
	r := newRig(t)
	r.opts.Dial, r.opts.RootCAs = fake.dial, fake.roots
	got := r.probe(r.target("gw-a"), "token-a")
	if got.Result != v1alpha1.VerificationProbeFailed || !strings.Contains(got.Message, "does not follow redirects") {
		t.Fatalf("got %s: %s", got.Result, got.Message)
	}
	for _, req := range fake.received() {
		if req.URL.Path != "/mcp" {
			t.Errorf("the redirect was followed: %s %s", req.Method, req.URL.Path)
		}
	}
	if fake.count() == 0 {
		t.Error("the server received nothing")
	}
}

func TestAProxyInTheEnvironmentIsNotUsed(t *testing.T) {
	proxy, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	t.Cleanup(func() { _ = proxy.Close() })
	var proxied atomic.Int64
	go func() {
		for {
			c, err := proxy.Accept()
			if err != nil {
				return
			}
			proxied.Add(1)
			_ = c.Close()
		}
	}()
	for _, v := range []string{"HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "ALL_PROXY"} {
		t.Setenv(v, "http://"+proxy.Addr().String())
	}
	t.Setenv("NO_PROXY", "")

	r := newRig(t)
	must(t, r.sim.AddGateway("gw-a", "token-a"))
	r.admit("gw-a")
	// A dialer that would follow the proxy: it dials whatever it is asked for.
	var asked []string
	r.opts.Dial = func(ctx context.Context, network, address string) (net.Conn, error) {
		asked = append(asked, address)
		return r.sim.DialContext(ctx, network, address)
	}
	if got := r.probe(r.target("gw-a"), "token-a"); got.Result != v1alpha1.VerificationReachable {
		t.Fatalf("got %s: %s", got.Result, got.Message)
	}
	if n := proxied.Load(); n != 0 {
		t.Errorf("the proxy received %d connections", n)
	}
	for _, a := range asked {
		if host, _, _ := net.SplitHostPort(a); !slices.Contains(r.ep.Addresses, host) {
			t.Errorf("dialled %s, not an interface of the endpoint", a)
		}
	}
}

func TestATokenEchoedBackByAServerNeverReachesTheMessage(t *testing.T) {
	fake := newFakeGateway(t, func(w http.ResponseWriter, req *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"jsonrpc":"2.0","id":1,"error":{"code":-32603,"message":"bad ` +
			strings.TrimPrefix(req.Header.Get("Authorization"), "Bearer ") + `"}}`))
	})
	r := newRig(t)
	r.opts.Dial, r.opts.RootCAs = fake.dial, fake.roots
	got := r.probe(r.target("gw-a"), "s3cr3t-token")
	if strings.Contains(got.Message, "s3cr3t-token") {
		t.Fatalf("the message holds the token: %s", got.Message)
	}
	if got.Result != v1alpha1.VerificationProbeFailed {
		t.Errorf("got %s: %s", got.Result, got.Message)
	}
}
