package controllers_test

import (
	"testing"
	"time"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clocktesting "k8s.io/utils/clock/testing"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"

	"github.com/agentcore-io/vpce-operator/api/v1alpha1"
	"github.com/agentcore-io/vpce-operator/controllers"
	"github.com/agentcore-io/vpce-operator/internal/ec2sim"
)

// TestKstatusAndArgoCDAgreeOnEveryGatewayAccessPolicyState drives
// GatewayAccessPolicies, through a running manager on a fake clock, into
// each condition state the reconciler produces, and holds kstatus and the
// Argo CD health check to agree on each object it wrote
// (healthfixtures_test.go); the objects are the GatewayAccessPolicy health
// check's test cases. It also holds the missing-reference grace to its
// bounds: Reconciling until the grace has passed since the policy stopped
// being accepted, Stalled from then on, with no other event than the clock.
func TestKstatusAndArgoCDAgreeOnEveryGatewayAccessPolicyState(t *testing.T) {
	requireNoACK(t)
	start := time.Now().Truncate(time.Second)
	clk := clocktesting.NewFakeClock(start)
	h := newHarness(t, harnessOptions{clock: clk, propagationDelay: 15 * time.Minute, extraNamespaces: map[string]map[string]string{
		"team": {accessLabel: "true"}, "outsider": nil,
	}})
	team, outsiderNS := h.namespace+"-team", h.namespace+"-outsider"
	fx := newHealthFixtures(t, "GatewayAccessPolicy", start, map[string]string{
		h.namespace: "platform", team: "team", outsiderNS: "outsider",
	})
	grace := controllers.DefaultMissingReferenceGrace
	policy := func(name, endpoint string, arns ...string) *v1alpha1.GatewayAccessPolicy {
		p := h.accessPolicy(team, name, arns...)
		p.Spec.EndpointRef.Name = endpoint
		return p
	}

	// Every policy is applied before the endpoints it names, as GitOps
	// may do: each is EndpointMissing, work under way within the grace.
	h.create(&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: controllers.ConnectionDetailsName("taken"), Namespace: team}})
	effective := policy("effective", "shared", gatewayARN("tools-e5"))
	taken := policy("taken", "shared", gatewayARN("tickets-c3"))
	big1 := policy("big1", "shared", manyGateways("one")...)
	big2 := policy("big2", "shared", manyGateways("two")...)
	outsider := h.accessPolicy(outsiderNS, "outsider", gatewayARN("outsider-d4"))
	otherRegion := policy("other-region", "shared", "arn:aws:bedrock-agentcore:eu-west-1:123456789012:gateway/far-a1")
	otherAccount := policy("other-account", "shared", "arn:aws:bedrock-agentcore:us-east-1:999999999999:gateway/theirs-b2")
	refs := policy("refs", "shared")
	refs.Spec.GatewayRefs = []v1alpha1.ACKGatewayReference{{Name: "tools"}}
	missing := policy("missing", "absent", gatewayARN("absent-f6"))
	onBlocked := policy("on-blocked", "blocked", gatewayARN("blocked-a7"))
	onFailing := policy("on-failing", "failing", gatewayARN("failing-b8"))
	all := []*v1alpha1.GatewayAccessPolicy{effective, taken, big1, big2, outsider, otherRegion, otherAccount, refs, missing, onBlocked, onFailing}
	for _, p := range all {
		h.create(p)
	}
	for _, p := range all {
		h.g.Eventually(h.conditionOf(p, v1alpha1.ConditionReconciling), 10*time.Second, 50*time.Millisecond).
			Should(HavePrefix("True/"+v1alpha1.ReasonEndpointMissing), p.Name)
	}
	fx.record("endpoint-missing-within-grace", missing, status.InProgressStatus)

	// The endpoint takes every policy that fits in its creating call.
	admitTeam := func(ge *v1alpha1.GatewayEndpoint) {
		ge.Spec.Access.AllowedNamespaces = v1alpha1.AllowedNamespaces{
			From: v1alpha1.NamespacesFromSelector, Selector: &metav1.LabelSelector{MatchLabels: map[string]string{accessLabel: "true"}},
		}
	}
	shared := h.endpoint("shared", admitTeam)
	h.create(shared)
	h.waitReady(shared, 30*time.Second)
	for _, c := range []struct {
		p         *v1alpha1.GatewayAccessPolicy
		condition string
		want      string
		fixture   string
		status    status.Status
	}{
		{effective, v1alpha1.ConditionReady, "False/" + v1alpha1.ReasonAwaitingPropagation, "awaiting-propagation", status.InProgressStatus},
		{big2, v1alpha1.ConditionStalled, "True/" + v1alpha1.ReasonPolicyTooLarge, "too-large", status.FailedStatus},
		{outsider, v1alpha1.ConditionStalled, "True/" + v1alpha1.ReasonNamespaceNotAllowed, "namespace-not-allowed", status.FailedStatus},
		{otherRegion, v1alpha1.ConditionStalled, "True/" + v1alpha1.ReasonRegionMismatch, "region-mismatch", status.FailedStatus},
		{otherAccount, v1alpha1.ConditionStalled, "True/" + v1alpha1.ReasonGatewayNotAllowed, "gateway-not-allowed", status.FailedStatus},
		{refs, v1alpha1.ConditionReconciling, "True/" + v1alpha1.ReasonGatewayRefsUnsupported, "gateway-refs-unsupported-within-grace", status.InProgressStatus},
	} {
		h.g.Eventually(h.conditionOf(c.p, c.condition), 10*time.Second, 50*time.Millisecond).Should(HavePrefix(c.want), c.p.Name)
		fx.record(c.fixture, c.p, c.status)
	}
	h.g.Expect(h.conditionOf(big1, v1alpha1.ConditionReconciling)()).To(HavePrefix("True/"+v1alpha1.ReasonAwaitingPropagation), "the policy that fits")

	// An endpoint that needs a person holds its policies: so do they.
	blocked := h.endpoint("blocked", admitTeam, func(ge *v1alpha1.GatewayEndpoint) {
		ge.Spec.PrivateDNS.Enabled = ptr.To(false)
		ge.Spec.SecurityGroup = v1alpha1.SecurityGroupSpec{IDs: []string{"sg-0123456789abcdef0"}}
	})
	h.create(blocked)
	h.g.Eventually(h.conditionOf(onBlocked, v1alpha1.ConditionStalled), 30*time.Second, 50*time.Millisecond).
		Should(And(HavePrefix("True/"+v1alpha1.ReasonEndpointStalled), ContainSubstring(v1alpha1.ReasonSecurityGroupError)))
	fx.record("endpoint-stalled", onBlocked, status.FailedStatus)

	// An endpoint that EC2 fails to create for now: work under way.
	h.sim.SetFault("CreateVpcEndpoint", ec2sim.Fault{ErrorRate: 1, ErrorCode: "InternalError"})
	failing := h.endpoint("failing", admitTeam, func(ge *v1alpha1.GatewayEndpoint) { ge.Spec.PrivateDNS.Enabled = ptr.To(false) })
	h.create(failing)
	h.g.Eventually(h.conditionOf(onFailing, v1alpha1.ConditionReconciling), 10*time.Second, 50*time.Millisecond).
		Should(HavePrefix("True/" + v1alpha1.ReasonWaitingForEndpoint))
	fx.record("waiting-for-endpoint", onFailing, status.InProgressStatus)

	// The grace runs from the moment Accepted turned False; only the
	// clock reaching its end reconciles the policy again.
	clk.SetTime(start.Add(grace - time.Second))
	h.g.Consistently(h.conditionOf(missing, v1alpha1.ConditionReconciling), time.Second, 50*time.Millisecond).
		Should(HavePrefix("True/" + v1alpha1.ReasonEndpointMissing))
	clk.SetTime(start.Add(grace))
	h.g.Eventually(h.conditionOf(missing, v1alpha1.ConditionStalled), 10*time.Second, 50*time.Millisecond).
		Should(HavePrefix("True/" + v1alpha1.ReasonEndpointMissing))
	fx.record("endpoint-missing-after-grace", missing, status.FailedStatus)
	h.g.Eventually(h.conditionOf(refs, v1alpha1.ConditionStalled), 10*time.Second, 50*time.Millisecond).
		Should(HavePrefix("True/" + v1alpha1.ReasonGatewayRefsUnsupported))
	fx.record("gateway-refs-unsupported-after-grace", refs, status.FailedStatus)
	h.g.Expect(h.conditionOf(onFailing, v1alpha1.ConditionReconciling)()).To(HavePrefix("True/"+v1alpha1.ReasonWaitingForEndpoint),
		"a policy whose endpoint exists waits for it without a grace")

	// Past the propagation window: Ready, with nothing under way.
	h.get(effective)
	clk.SetTime(effective.Status.EffectiveAt.Time)
	h.waitReady(effective, 10*time.Second)
	h.g.Expect(h.conditionOf(effective, v1alpha1.ConditionReconciling)()).To(HavePrefix("False/" + v1alpha1.ReasonReady))
	h.g.Expect(h.conditionOf(effective, v1alpha1.ConditionStalled)()).To(Equal("absent"))
	fx.record("effective", effective, status.CurrentStatus)
	// Ready, and still a person's to fix: Stalled wins.
	h.waitReady(taken, 10*time.Second)
	h.g.Expect(h.conditionOf(taken, v1alpha1.ConditionStalled)()).To(HavePrefix("True/" + v1alpha1.ReasonConfigMapNameTaken))
	fx.record("configmap-name-taken", taken, status.FailedStatus)

	// A person fixes what stalled a policy: it recovers by itself.
	h.update(otherRegion, func() { otherRegion.Spec.GatewayARNs = []string{gatewayARN("near-c9")} })
	h.g.Eventually(h.conditionOf(otherRegion, v1alpha1.ConditionReconciling), 10*time.Second, 50*time.Millisecond).
		Should(HavePrefix("True/" + v1alpha1.ReasonAwaitingPropagation))
	h.g.Expect(h.conditionOf(otherRegion, v1alpha1.ConditionStalled)()).To(Equal("absent"))
}
