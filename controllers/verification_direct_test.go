package controllers_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ec2"
	. "github.com/onsi/gomega"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/agentcore-io/vpce-operator/api/v1alpha1"
	"github.com/agentcore-io/vpce-operator/controllers"
)

func TestVerificationClassifiesEachGatewayThroughTheEndpoint(t *testing.T) {
	r := newVerifyRig(t)
	r.g.Expect(r.gw.AddGateway("gw-ok", "token-ok", "docs___search", "docs___fetch")).To(Succeed())
	r.g.Expect(r.gw.AddGateway("gw-out", "token-out")).To(Succeed())
	r.g.Expect(r.gw.AddGateway("gw-deny", "token-deny")).To(Succeed())
	r.g.Expect(r.gw.DenyAll("gw-deny")).To(Succeed())
	r.g.Expect(r.gw.AddGateway("gw-stale", "token-current")).To(Succeed())
	r.token("ok", "token-ok")
	r.token("out", "token-out")
	r.token("deny", "token-deny")
	r.token("stale", "token-expired")

	sigv4 := v1alpha1.VerifiedGateway{GatewayARN: gatewayARN("gw-iam"), Auth: v1alpha1.GatewayAuthSigV4}
	p := r.policy("team", []string{gatewayARN("gw-ok"), gatewayARN("gw-deny"), gatewayARN("gw-stale")},
		bearer("gw-ok", "ok"),
		bearer("gw-out", "out"), // listed for verification, in no policy
		bearer("gw-deny", "deny"),
		bearer("gw-stale", "stale"),
		bearer("gw-nosecret", "missing"),
		v1alpha1.VerifiedGateway{GatewayARN: "arn:aws:bedrock-agentcore:us-east-1:123456789012:gateway/*", TokenSecretRef: bearer("x", "ok").TokenSecretRef},
		sigv4,
		v1alpha1.VerifiedGateway{GatewayARN: "arn:aws:bedrock-agentcore:us-east-1:999999999999:gateway/gw-other", TokenSecretRef: bearer("x", "ok").TokenSecretRef},
	)

	got := r.verify(p)
	want := map[string]v1alpha1.VerificationResult{
		"gw-ok":       v1alpha1.VerificationReachable,
		"gw-out":      v1alpha1.VerificationDeniedByEndpointPolicy,
		"gw-deny":     v1alpha1.VerificationAwaitingPropagation, // just granted: the gateway may not know yet
		"gw-stale":    v1alpha1.VerificationUnauthorized,
		"gw-nosecret": v1alpha1.VerificationTokenSecretNotFound,
		"*":           v1alpha1.VerificationNotVerifiable,
		"gw-iam":      v1alpha1.VerificationNotVerifiable,
		"gw-other":    v1alpha1.VerificationNotVerifiable,
	}
	for id, result := range want {
		r.g.Expect(got).To(HaveKey(id))
		r.g.Expect(got[id].Result).To(Equal(result), "%s: %s", id, got[id].Message)
	}
	r.g.Expect(*got["gw-ok"].ToolCount).To(Equal(int32(2)))
	r.g.Expect(r.endpoint.Addresses).To(ContainElement(got["gw-ok"].Address))
	r.g.Expect(got["gw-out"].Message).To(ContainSubstring("-32002"))
	r.g.Expect(got["gw-nosecret"].Message).To(ContainSubstring(r.namespace + "/missing"))
	r.g.Expect(got["gw-other"].Message).To(ContainSubstring("999999999999"))
	r.g.Expect(p.Status.Verification.EndpointID).To(Equal(r.ge.Status.EndpointID))
	// gw-deny is still in its grant's propagation window: looked at again
	// within a minute rather than an interval later.
	r.g.Expect(p.Status.Verification.NextProbeTime.Time).To(BeTemporally("<=", r.clock.Now().Add(time.Minute)))

	// An Event per gateway on its first result, and the metric by result.
	evs := r.drainEvents()
	r.g.Expect(evs).To(HaveLen(len(want)))
	r.g.Expect(evs).To(ContainElement(HavePrefix("Normal Reachable")))
	r.g.Expect(evs).To(ContainElement(HavePrefix("Warning DeniedByEndpointPolicy")))
	metric := func(result v1alpha1.VerificationResult) float64 {
		return testutil.ToFloat64(controllers.VerificationResults.WithLabelValues(p.Namespace, p.Name, string(result)))
	}
	r.g.Expect(metric(v1alpha1.VerificationNotVerifiable)).To(Equal(3.0))
	r.g.Expect(metric(v1alpha1.VerificationReachable)).To(Equal(1.0))

	// Past the propagation window, the admitted gateway that still refuses
	// is refusing on its own.
	r.clock.Step(15 * time.Minute)
	got = r.verify(p)
	r.g.Expect(got["gw-deny"].Result).To(Equal(v1alpha1.VerificationDeniedByGateway), got["gw-deny"].Message)
	r.g.Expect(got["gw-ok"].Result).To(Equal(v1alpha1.VerificationReachable))
	r.g.Expect(r.drainEvents()).To(ConsistOf(HavePrefix("Warning DeniedByGateway")), "an Event only for the result that changed")
	r.g.Expect(metric(v1alpha1.VerificationAwaitingPropagation)).To(Equal(0.0))
	r.g.Expect(metric(v1alpha1.VerificationDeniedByGateway)).To(Equal(1.0))

	// A rotated token is used at the next probe.
	secret := r.secret("stale")
	secret.Data["token"] = []byte("token-current")
	r.g.Expect(env.Client.Update(context.Background(), secret)).To(Succeed())
	got = r.verify(p)
	r.g.Expect(got["gw-stale"].Result).To(Equal(v1alpha1.VerificationReachable), got["gw-stale"].Message)

	// No token anywhere: status, Events, logs.
	r.expectNoToken(p, "token-ok", "token-out", "token-deny", "token-expired", "token-current")

	// Each request went to the gateway it was listed for, with its own
	// token (or, for the stale one, a token no gateway has).
	for _, req := range r.gw.Requests() {
		r.g.Expect(req.EndpointID).To(Equal(r.ge.Status.EndpointID))
		r.g.Expect(req.TokenOf).To(BeElementOf(req.GatewayID, ""), "a request to %s carried the token of %s", req.GatewayID, req.TokenOf)
	}
}

func TestAGrantIsAwaitingPropagationThenReachableAndARevocationAnswersUntilTheCacheExpires(t *testing.T) {
	r := newVerifyRig(t)
	r.g.Expect(r.gw.AddGateway("gw-a", "token-a")).To(Succeed())
	r.g.Expect(r.gw.AddGateway("gw-b", "token-b")).To(Succeed())
	r.token("b", "token-b")
	p := r.policy("team", []string{gatewayARN("gw-a")}, bearer("gw-b", "b"))

	r.g.Expect(r.verify(p)["gw-b"].Result).To(Equal(v1alpha1.VerificationDeniedByEndpointPolicy))

	// The grant: written to EC2 at once, but the gateway still serves the
	// document it cached at the last probe.
	r.edit(p, func(s *v1alpha1.GatewayAccessPolicySpec) { s.GatewayARNs = append(s.GatewayARNs, gatewayARN("gw-b")) })
	r.g.Expect(r.documentAdmits("gw-b")).To(BeTrue())
	got := r.verify(p)["gw-b"]
	r.g.Expect(got.Result).To(Equal(v1alpha1.VerificationAwaitingPropagation), got.Message)
	r.clock.Step(15 * time.Minute)
	got = r.verify(p)["gw-b"]
	r.g.Expect(got.Result).To(Equal(v1alpha1.VerificationReachable), got.Message)

	// The revocation: the gateway keeps answering until its cache expires.
	r.edit(p, func(s *v1alpha1.GatewayAccessPolicySpec) { s.GatewayARNs = []string{gatewayARN("gw-a")} })
	r.g.Expect(r.documentAdmits("gw-b")).To(BeFalse())
	got = r.verify(p)["gw-b"]
	r.g.Expect(got.Result).To(Equal(v1alpha1.VerificationReachable), "the cached policy still admits it")
	r.g.Expect(got.Message).To(ContainSubstring("no longer admits"))
	r.clock.Step(15 * time.Minute)
	got = r.verify(p)["gw-b"]
	r.g.Expect(got.Result).To(Equal(v1alpha1.VerificationDeniedByEndpointPolicy), got.Message)
}

func TestAForgedEndpointStatusNeverReceivesARequest(t *testing.T) {
	r := newVerifyRig(t)
	r.g.Expect(r.gw.AddGateway("gw-a", "token-a")).To(Succeed())
	r.token("a", "token-a")

	// Another endpoint of the service in the VPC, with the gateway listening
	// on its interfaces too: where a forged status would send the probe.
	otherID := r.createOtherEndpoint()
	other := r.interfacesOf(otherID)
	r.g.Expect(r.gw.AddEndpoint(other)).To(Succeed())

	p := r.policy("team", []string{gatewayARN("gw-a")}, bearer("gw-a", "a"))
	forged := r.ge.DeepCopy()
	forged.Status.EndpointID = otherID
	forged.Status.DNSEntries = []v1alpha1.DNSEntry{{DNSName: "attacker.example.com"}, {DNSName: otherID + "-forged.gateway.bedrock-agentcore.us-east-1.vpce.amazonaws.com"}}
	forged.Status.NetworkInterfaceIDs = r.interfaceIDsOf(otherID)
	r.g.Expect(env.Client.Status().Update(context.Background(), forged)).To(Succeed())
	r.ge = forged

	got := r.verify(p)["gw-a"]
	r.g.Expect(got.Result).To(Equal(v1alpha1.VerificationReachable), got.Message)
	r.g.Expect(r.endpoint.Addresses).To(ContainElement(got.Address), "through the endpoint EC2 says is the object's")
	r.g.Expect(p.Status.Verification.EndpointID).To(Equal(r.endpoint.ID))
	for _, req := range r.gw.Requests() {
		r.g.Expect(req.EndpointID).NotTo(Equal(otherID), "a request went to the endpoint the forged status names")
	}

	// A resolver that answers with the forged endpoint's addresses gets
	// nothing sent at all: they are not the object's interfaces in EC2.
	before := len(r.gw.Requests())
	r.dns.override("gw-a.gateway.bedrock-agentcore.us-east-1.amazonaws.com", other.Addresses...)
	got = r.verify(p)["gw-a"]
	r.g.Expect(got.Result).To(Equal(v1alpha1.VerificationPrivateDNSNotInEffect), got.Message)
	r.g.Expect(r.gw.Requests()).To(HaveLen(before), "nothing was sent")
	for _, lookup := range r.dns.lookups {
		r.g.Expect(lookup).NotTo(ContainSubstring("attacker"), "a name from status was looked up")
	}
}

func TestATokenIsSentOnlyToTheGatewayItIsListedFor(t *testing.T) {
	r := newVerifyRig(t)
	for _, id := range []string{"gw-a", "gw-b", "gw-c"} {
		r.g.Expect(r.gw.AddGateway(id, "token-"+id)).To(Succeed())
		r.token(id, "token-"+id)
	}
	p := r.policy("team", []string{gatewayARN("gw-a"), gatewayARN("gw-b"), gatewayARN("gw-c")},
		bearer("gw-a", "gw-a"), bearer("gw-b", "gw-b"), bearer("gw-c", "gw-c"))
	r.clock.Step(15 * time.Minute)
	for id, g := range r.verify(p) {
		r.g.Expect(g.Result).To(Equal(v1alpha1.VerificationReachable), "%s: %s", id, g.Message)
	}
	reqs := r.gw.Requests()
	r.g.Expect(reqs).NotTo(BeEmpty())
	for _, req := range reqs {
		r.g.Expect(req.TokenOf).To(Equal(req.GatewayID), "a request to %s carried the token of %s", req.GatewayID, req.TokenOf)
	}
}

func TestAGatewayBehindAClosedSecurityGroupIsUnreachableAndSaysHowToAdmitTheOperator(t *testing.T) {
	r := newVerifyRig(t)
	r.g.Expect(r.gw.AddGateway("gw-a", "token-a")).To(Succeed())
	r.token("a", "token-a")
	p := r.policy("team", []string{gatewayARN("gw-a")}, bearer("gw-a", "a"))
	r.g.Expect(r.gw.RemoveEndpoint(r.endpoint.ID)).To(Succeed()) // nothing answers on the interfaces
	got := r.verify(p)["gw-a"]
	r.g.Expect(got.Result).To(Equal(v1alpha1.VerificationUnreachable), got.Message)
	r.g.Expect(got.Message).To(And(ContainSubstring("security group must admit HTTPS from the operator's pods"), ContainSubstring("allowedSources")))
}

func TestWithPrivateDNSOffTheProbeDialsTheEndpointsOwnNameAndSendsTheGatewaysName(t *testing.T) {
	r := newVerifyRigWith(t, false)
	r.g.Expect(r.privateDNS(r.ge.Status.EndpointID)).To(BeFalse())
	r.g.Expect(r.gw.AddGateway("gw-a", "token-a")).To(Succeed())
	r.token("a", "token-a")
	r.dns.gateways = []string{"52.94.0.10"} // the public answer: not the endpoint
	p := r.policy("team", []string{gatewayARN("gw-a")}, bearer("gw-a", "a"))
	got := r.verify(p)["gw-a"]
	r.g.Expect(got.Result).To(Equal(v1alpha1.VerificationReachable), got.Message)
	r.g.Expect(r.dns.lookups).To(HaveEach(And(HavePrefix(r.endpoint.ID+"-"), HaveSuffix(".gateway.bedrock-agentcore.us-east-1.vpce.amazonaws.com"))),
		"only the endpoint's own regional name, from EC2, is looked up")
	for _, req := range r.gw.Requests() {
		r.g.Expect(req.Host).To(Equal("gw-a.gateway.bedrock-agentcore.us-east-1.amazonaws.com"), "TLS server name and Host stay the gateway's")
	}
}

func TestAnEndpointEC2NoLongerListsAsAvailableIsEndpointNotAvailable(t *testing.T) {
	r := newVerifyRig(t)
	r.g.Expect(r.gw.AddGateway("gw-a", "token-a")).To(Succeed())
	r.token("a", "token-a")
	p := r.policy("team", []string{gatewayARN("gw-a")}, bearer("gw-a", "a"))
	_, err := r.ec2.DeleteVpcEndpoints(context.Background(), &ec2.DeleteVpcEndpointsInput{VpcEndpointIds: []string{r.endpoint.ID}})
	r.g.Expect(err).NotTo(HaveOccurred())
	got := r.verify(p)["gw-a"]
	r.g.Expect(got.Result).To(Equal(v1alpha1.VerificationEndpointNotAvailable), got.Message)
	r.g.Expect(r.gw.Requests()).To(BeEmpty())
}

func TestAnEndpointOutsideTheOperatorsVPCIsNotVerifiable(t *testing.T) {
	r := newVerifyRig(t, func(v *controllers.Verifier) { v.OperatorVPCID = "vpc-0fedcba9876543210" })
	r.g.Expect(r.gw.AddGateway("gw-a", "token-a")).To(Succeed())
	r.token("a", "token-a")
	p := r.policy("team", []string{gatewayARN("gw-a")}, bearer("gw-a", "a"))
	got := r.verify(p)["gw-a"]
	r.g.Expect(got.Result).To(Equal(v1alpha1.VerificationNotVerifiable), got.Message)
	r.g.Expect(got.Message).To(ContainSubstring("--vpc-id"))
	r.g.Expect(r.gw.Requests()).To(BeEmpty())
}

func TestAPolicyItsEndpointDoesNotAdmitProbesNothing(t *testing.T) {
	r := newVerifyRig(t)
	r.g.Expect(r.gw.AddGateway("gw-a", "token-a")).To(Succeed())
	r.token("a", "token-a")
	p := r.policy("team", []string{gatewayARN("gw-a")}, bearer("gw-a", "a"))
	// The endpoint's owner narrows it to a label this namespace lacks.
	r.g.Expect(env.Client.Get(context.Background(), client.ObjectKeyFromObject(r.ge), r.ge)).To(Succeed())
	r.ge.Spec.Access.AllowedNamespaces = v1alpha1.AllowedNamespaces{From: v1alpha1.NamespacesFromSelector, Selector: selector("tier", "platform")}
	r.g.Expect(env.Client.Update(context.Background(), r.ge)).To(Succeed())
	got := r.verify(p)["gw-a"]
	r.g.Expect(got.Result).To(Equal(v1alpha1.VerificationNotVerifiable), got.Message)
	r.g.Expect(got.Message).To(ContainSubstring("not accepted"))
	r.g.Expect(r.gw.Requests()).To(BeEmpty())
}

// expectNoToken fails if a token appears in the policy's status, the
// Events or the logs.
func (r *verifyRig) expectNoToken(p *v1alpha1.GatewayAccessPolicy, tokens ...string) {
	r.t.Helper()
	r.g.Expect(env.Client.Get(context.Background(), client.ObjectKeyFromObject(p), p)).To(Succeed())
	var status strings.Builder
	for _, g := range p.Status.Verification.Gateways {
		status.WriteString(g.Message + " " + g.Address + "\n")
	}
	for _, c := range p.Status.Conditions {
		status.WriteString(c.Message + "\n")
	}
	r.drainEvents()
	events := strings.Join(r.seen, "\n")
	logs := r.logs.String()
	r.g.Expect(logs).NotTo(BeEmpty(), "the verifier logs something to look into")
	for _, tok := range tokens {
		r.g.Expect(status.String()).NotTo(ContainSubstring(tok), "status")
		r.g.Expect(events).NotTo(ContainSubstring(tok), "events")
		r.g.Expect(logs).NotTo(ContainSubstring(tok), "logs")
	}
}
