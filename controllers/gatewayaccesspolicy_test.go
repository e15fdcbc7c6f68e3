package controllers_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clocktesting "k8s.io/utils/clock/testing"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/agentcore-io/vpce-operator/api/v1alpha1"
	"github.com/agentcore-io/vpce-operator/internal/policy"
)

const accessLabel = "vpce.agentcore.io/gateway-access"

func gatewayARN(id string) string {
	return "arn:aws:bedrock-agentcore:us-east-1:123456789012:gateway/" + id
}

func (h *harness) accessPolicy(namespace, name string, arns ...string) *v1alpha1.GatewayAccessPolicy {
	return &v1alpha1.GatewayAccessPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace},
		Spec: v1alpha1.GatewayAccessPolicySpec{
			EndpointRef: v1alpha1.EndpointReference{Name: "shared", Namespace: h.namespace},
			GatewayARNs: arns,
		},
	}
}

// sharedEndpoint admits policies from namespaces labelled accessLabel=true.
func (h *harness) sharedEndpoint() *v1alpha1.GatewayEndpoint {
	return h.endpoint("shared", func(ge *v1alpha1.GatewayEndpoint) {
		ge.Spec.Access.AllowedNamespaces = v1alpha1.AllowedNamespaces{
			From:     v1alpha1.NamespacesFromSelector,
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{accessLabel: "true"}},
		}
	})
}

// simPolicyResources is every Resource of every statement in the
// simulator's endpoint policy.
func (h *harness) simPolicy() (document string, resources []string) {
	h.t.Helper()
	eps := h.endpoints()
	h.g.Expect(eps).To(HaveLen(1))
	return h.simPolicyOf(aws.ToString(eps[0].VpcEndpointId))
}

// simPolicyOf is the policy document of one endpoint in the simulator, and
// every Resource of its statements.
func (h *harness) simPolicyOf(endpointID string) (document string, resources []string) {
	h.t.Helper()
	var found bool
	for _, ep := range h.endpoints() {
		if aws.ToString(ep.VpcEndpointId) == endpointID {
			document, found = aws.ToString(ep.PolicyDocument), true
		}
	}
	h.g.Expect(found).To(BeTrue(), "endpoint %s in the simulator", endpointID)
	var doc struct {
		Statement []struct {
			Effect   string
			Resource any
		}
	}
	h.g.Expect(json.Unmarshal([]byte(document), &doc)).To(Succeed())
	for _, st := range doc.Statement {
		switch r := st.Resource.(type) {
		case string:
			resources = append(resources, st.Effect+" "+r)
		case []any:
			for _, v := range r {
				resources = append(resources, st.Effect+" "+v.(string))
			}
		}
	}
	return document, resources
}

// eventReasons lists the reasons of the events about obj.
func (h *harness) eventReasons(obj client.Object) func() []string {
	return func() []string {
		var list eventsv1.EventList
		if err := h.k8s.List(context.Background(), &list, client.InNamespace(obj.GetNamespace())); err != nil {
			return nil
		}
		var reasons []string
		for _, e := range list.Items {
			if e.Regarding.UID == obj.GetUID() {
				reasons = append(reasons, e.Reason)
			}
		}
		return reasons
	}
}

func TestPoliciesFromTwoNamespacesMergeIntoOneEndpointPolicyAndOthersNeedTheLabel(t *testing.T) {
	h := newHarness(t, harnessOptions{propagationDelay: time.Second, extraNamespaces: map[string]map[string]string{
		"research": {accessLabel: "true"}, "support": {accessLabel: "true"}, "outsider": nil,
	}})
	research, support, outsider := h.namespace+"-research", h.namespace+"-support", h.namespace+"-outsider"
	ge := h.sharedEndpoint()
	h.create(ge)
	a := h.accessPolicy(research, "research", gatewayARN("research-a1"), gatewayARN("papers-b2"))
	b := h.accessPolicy(support, "support", gatewayARN("tickets-c3"))
	c := h.accessPolicy(outsider, "outsider", gatewayARN("outsider-d4"))
	h.create(a)
	h.create(b)
	h.create(c)

	h.waitReady(a, 30*time.Second)
	h.waitReady(b, 30*time.Second)
	h.g.Eventually(h.conditionOf(c, v1alpha1.ConditionAccepted), 10*time.Second).Should(
		And(HavePrefix("False/NamespaceNotAllowed"), ContainSubstring(accessLabel)))
	h.g.Expect(h.conditionOf(c, v1alpha1.ConditionReady)()).To(HavePrefix("False/NotAccepted"))

	_, resources := h.simPolicy()
	h.g.Expect(resources).To(ConsistOf("Allow "+gatewayARN("papers-b2"), "Allow "+gatewayARN("research-a1"), "Allow "+gatewayARN("tickets-c3")))
	h.g.Expect(h.get(ge).(*v1alpha1.GatewayEndpoint).Status.Policy.AttachedPolicies).To(Equal(int32(2)))

	// Labelling the outsider's namespace admits it.
	ns := &corev1.Namespace{}
	h.g.Expect(h.k8s.Get(context.Background(), client.ObjectKey{Name: outsider}, ns)).To(Succeed())
	ns.Labels = map[string]string{accessLabel: "true"}
	h.g.Expect(h.k8s.Update(context.Background(), ns)).To(Succeed())
	h.waitReady(c, 30*time.Second)
	h.g.Eventually(func() []string { _, r := h.simPolicy(); return r }, 10*time.Second).Should(ContainElement("Allow " + gatewayARN("outsider-d4")))
	h.g.Eventually(func() int32 { return h.get(ge).(*v1alpha1.GatewayEndpoint).Status.Policy.AttachedPolicies }, 10*time.Second).
		Should(Equal(int32(3)))
}

func TestAPolicyIsAppliedAtOnceAndReadyOnlyAfterThePropagationDelay(t *testing.T) {
	start := time.Now()
	clk := clocktesting.NewFakeClock(start)
	h := newHarness(t, harnessOptions{clock: clk, propagationDelay: 15 * time.Minute, extraNamespaces: map[string]map[string]string{
		"team": {accessLabel: "true"},
	}})
	ge := h.sharedEndpoint()
	h.create(ge)
	h.waitReady(ge, 30*time.Second)
	p := h.accessPolicy(h.namespace+"-team", "team", gatewayARN("tools-e5"))
	h.create(p)

	h.g.Eventually(h.conditionOf(p, v1alpha1.ConditionApplied), 10*time.Second).Should(HavePrefix("True/Applied"))
	h.g.Expect(h.conditionOf(p, v1alpha1.ConditionReady)()).To(And(HavePrefix("False/AwaitingPropagation"), ContainSubstring("15m0s")))
	h.get(p)
	h.g.Expect(p.Status.AppliedAt.Time).To(BeTemporally("~", start, time.Second))
	h.g.Expect(p.Status.EffectiveAt.Time).To(BeTemporally("~", start.Add(15*time.Minute), time.Second))
	h.g.Consistently(h.conditionOf(p, v1alpha1.ConditionReady), 2*time.Second).Should(HavePrefix("False/AwaitingPropagation"),
		"kubectl wait --for=condition=Ready must keep waiting")

	h.g.Eventually(h.eventReasons(p), 10*time.Second).Should(ContainElement("Applied"))

	clk.Step(15*time.Minute - time.Second)
	h.g.Consistently(h.conditionOf(p, v1alpha1.ConditionReady), time.Second).Should(HavePrefix("False/AwaitingPropagation"))
	clk.Step(time.Second)
	h.g.Eventually(h.conditionOf(p, v1alpha1.ConditionReady), 10*time.Second).Should(HavePrefix("True/Effective"))
	h.g.Eventually(h.eventReasons(p), 10*time.Second).Should(ContainElement("Effective"))

	// A change to the policy is a new statement: applied now, effective
	// after another full delay.
	changedAt := clk.Now()
	h.get(p)
	p.Spec.GatewayARNs = append(p.Spec.GatewayARNs, gatewayARN("search-f6"))
	h.g.Expect(h.k8s.Update(context.Background(), p)).To(Succeed())
	h.g.Eventually(h.conditionOf(p, v1alpha1.ConditionReady), 10*time.Second).Should(HavePrefix("False/AwaitingPropagation"))
	h.g.Eventually(func() time.Time {
		h.get(p)
		if p.Status.EffectiveAt == nil {
			return time.Time{}
		}
		return p.Status.EffectiveAt.Time
	}, 10*time.Second).Should(BeTemporally("~", changedAt.Add(15*time.Minute), time.Second))
	clk.Step(15 * time.Minute)
	h.g.Eventually(h.conditionOf(p, v1alpha1.ConditionReady), 10*time.Second).Should(HavePrefix("True/Effective"))
}

func TestAConvergedPolicyMakesNoModifyCallsOnResync(t *testing.T) {
	h := newHarness(t, harnessOptions{syncPeriod: time.Second, propagationDelay: time.Millisecond, extraNamespaces: map[string]map[string]string{
		"team": {accessLabel: "true"},
	}})
	ge := h.sharedEndpoint()
	h.create(ge)
	p := h.accessPolicy(h.namespace+"-team", "team", gatewayARN("tools-e5"), gatewayARN("search-f6"))
	h.create(p)
	h.waitReady(p, 30*time.Second)
	h.waitReady(ge, 30*time.Second)
	h.g.Expect(h.calls("ModifyVpcEndpoint")).To(BeNumerically("<=", 1), "at most the one write that merged the policy")
	h.sim.ResetCalls()

	h.g.Eventually(func() int { return h.calls("DescribeVpcEndpoints") }, 20*time.Second, 100*time.Millisecond).Should(BeNumerically(">=", 3))
	h.g.Expect(h.calls("ModifyVpcEndpoint")).To(Equal(0))
	h.g.Expect(h.sim.MutatingCalls()).To(Equal(0))
}

func TestAPolicyOverTheLimitIsRefusedAloneAndTheLastPolicyGoneDeniesAll(t *testing.T) {
	h := newHarness(t, harnessOptions{propagationDelay: time.Millisecond, extraNamespaces: map[string]map[string]string{
		"team": {accessLabel: "true"},
	}})
	team := h.namespace + "-team"
	ge := h.sharedEndpoint()
	h.create(ge)
	small := h.accessPolicy(team, "small", gatewayARN("tools-e5"))
	h.create(small)
	h.waitReady(small, 30*time.Second)

	big1 := h.accessPolicy(team, "big1", manyGateways("one")...)
	big2 := h.accessPolicy(team, "big2", manyGateways("two")...)
	h.create(big1)
	h.create(big2)

	// The older (then first by name) fits; the other is refused on its own
	// and says so, while the endpoint stays Ready and not Stalled.
	h.waitReady(big1, 30*time.Second)
	h.g.Eventually(h.conditionOf(big2, v1alpha1.ConditionApplied), 10*time.Second, 100*time.Millisecond).
		Should(And(HavePrefix("False/PolicyTooLarge"), ContainSubstring("characters")))
	h.waitReady(ge, 30*time.Second)
	h.g.Expect(h.conditionOf(ge, v1alpha1.ConditionStalled)()).To(Equal("absent"))
	h.g.Expect(h.conditionOf(small, v1alpha1.ConditionReady)()).To(HavePrefix("True/"), "the statement already applied stays in force")
	h.g.Expect(h.get(ge).(*v1alpha1.GatewayEndpoint).Status.Policy.RefusedPolicies).To(Equal(int32(1)))
	_, resources := h.simPolicy()
	h.g.Expect(resources).To(ContainElement("Allow " + big1.Spec.GatewayARNs[0]))
	h.g.Expect(resources).NotTo(ContainElement("Allow " + big2.Spec.GatewayARNs[0]))

	// Making room lets the rest in.
	h.g.Expect(h.k8s.Delete(context.Background(), big1)).To(Succeed())
	h.waitReady(big2, 30*time.Second)

	// Deleting the last policy denies every gateway: never full access.
	h.g.Expect(h.k8s.Delete(context.Background(), big2)).To(Succeed())
	h.g.Expect(h.k8s.Delete(context.Background(), small)).To(Succeed())
	h.g.Eventually(func() bool {
		doc, _ := h.simPolicy()
		same, err := policy.Equivalent(doc, policy.DenyAll().JSON())
		return err == nil && same
	}, 10*time.Second).Should(BeTrue())
	h.g.Eventually(h.conditionOf(ge, v1alpha1.ConditionPolicyApplied), 10*time.Second).Should(HavePrefix("True/NoPoliciesDenyAll"))
	h.g.Expect(h.get(ge).(*v1alpha1.GatewayEndpoint).Status.Policy.AttachedPolicies).To(Equal(int32(0)))
}

// manyGateways is 100 gateway ARNs of about 140 characters: two such
// policies do not fit in one endpoint policy.
func manyGateways(prefix string) []string {
	arns := make([]string, 100)
	for i := range arns {
		arns[i] = gatewayARN(fmt.Sprintf("%s-gateway-with-a-rather-long-descriptive-name-for-the-size-test-%03d", prefix, i))
	}
	return arns
}

func TestAPolicyMovedToAnotherEndpointLeavesTheFirstAtOnce(t *testing.T) {
	h := newHarness(t, harnessOptions{propagationDelay: time.Second})
	first, second := h.endpoint("shared"), h.endpoint("second", func(ge *v1alpha1.GatewayEndpoint) {
		// EC2 allows one endpoint with private DNS per service and VPC.
		ge.Spec.PrivateDNS.Enabled = ptr.To(false)
	})
	h.create(first)
	h.create(second)
	h.waitReady(first, 30*time.Second)
	h.waitReady(second, 30*time.Second)
	p := h.accessPolicy(h.namespace, "mover", gatewayARN("moving-1234567890"))
	h.create(p)
	h.g.Eventually(func() []string { _, r := h.simPolicyOf(first.Status.EndpointID); return r }, 30*time.Second, 100*time.Millisecond).
		Should(ConsistOf("Allow " + gatewayARN("moving-1234567890")))

	h.update(p, func() { p.Spec.EndpointRef.Name = "second" })
	// The resync period is 10 minutes: only the move itself can trigger this.
	h.g.Eventually(func() []string { _, r := h.simPolicyOf(first.Status.EndpointID); return r }, 30*time.Second, 100*time.Millisecond).
		Should(ConsistOf("Deny *"))
	h.g.Eventually(func() []string { _, r := h.simPolicyOf(second.Status.EndpointID); return r }, 30*time.Second, 100*time.Millisecond).
		Should(ConsistOf("Allow " + gatewayARN("moving-1234567890")))
}

func TestSwitchingTheEndpointToASelectorAdmitsALabelledNamespace(t *testing.T) {
	h := newHarness(t, harnessOptions{propagationDelay: time.Second, extraNamespaces: map[string]map[string]string{"team": nil}})
	team := h.namespace + "-team"
	// access.allowedNamespaces defaults to Same: only the endpoint's namespace.
	ge := h.endpoint("shared")
	h.create(ge)
	p := h.accessPolicy(team, "team", gatewayARN("team-e5"))
	h.create(p)
	h.g.Eventually(h.conditionOf(p, v1alpha1.ConditionAccepted), 30*time.Second, 100*time.Millisecond).
		Should(HavePrefix("False/NamespaceNotAllowed"))
	h.waitReady(ge, 30*time.Second)
	_, resources := h.simPolicy()
	h.g.Expect(resources).To(ConsistOf("Deny *"), "nothing admitted yet")

	h.update(ge, func() {
		ge.Spec.Access.AllowedNamespaces = v1alpha1.AllowedNamespaces{
			From:     v1alpha1.NamespacesFromSelector,
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{accessLabel: "true"}},
		}
	})
	h.g.Eventually(h.conditionOf(p, v1alpha1.ConditionAccepted), 30*time.Second, 100*time.Millisecond).
		Should(And(HavePrefix("False/NamespaceNotAllowed"), ContainSubstring(accessLabel)), "the selector does not match yet")

	ns := &corev1.Namespace{}
	h.g.Expect(h.k8s.Get(context.Background(), client.ObjectKey{Name: team}, ns)).To(Succeed())
	ns.Labels = map[string]string{accessLabel: "true"}
	h.g.Expect(h.k8s.Update(context.Background(), ns)).To(Succeed())
	h.waitReady(p, 30*time.Second)
	h.g.Eventually(func() []string { _, r := h.simPolicy(); return r }, 10*time.Second).
		Should(ConsistOf("Allow " + gatewayARN("team-e5")))
}
