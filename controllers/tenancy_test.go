package controllers_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/agentcore-io/vpce-operator/api/v1alpha1"
	awsclient "github.com/agentcore-io/vpce-operator/internal/aws"
	"github.com/agentcore-io/vpce-operator/internal/ec2sim"
)

// Each test here performs an attack one tenant could try on another through
// the operator, and checks that it fails and touches nothing.

func TestAnotherObjectsEndpointCannotBeAdoptedFightedOverOrDeleted(t *testing.T) {
	h := newHarness(t, harnessOptions{extraNamespaces: map[string]map[string]string{"attacker": nil}})
	victim := h.endpoint("victim")
	h.create(victim)
	h.waitReady(victim, 30*time.Second)
	target := victim.Status.EndpointID
	before, shape := h.tagsOf(target), h.endpointShape(target)
	h.sim.ResetCalls()

	attacker := h.endpoint("attacker", func(ge *v1alpha1.GatewayEndpoint) {
		ge.Namespace = h.namespace + "-attacker"
		ge.Spec.AdoptEndpointID = target
		ge.Spec.SubnetIDs = h.subnets[:1]
		ge.Spec.Access.WhenNoPolicies = v1alpha1.WhenNoPoliciesAllow
	})
	h.create(attacker)
	h.g.Eventually(h.conditionOf(attacker, v1alpha1.ConditionStalled), 30*time.Second, 100*time.Millisecond).
		Should(And(HavePrefix("True/AdoptionRefused"), ContainSubstring(fmt.Sprintf("GatewayEndpoint %s/victim", h.namespace))))
	h.g.Expect(h.tagsOf(target)).To(Equal(before), "a refused adoption never changes the endpoint's tags")

	h.delete(attacker)
	h.g.Eventually(h.exists(attacker), 30*time.Second, 100*time.Millisecond).Should(BeFalse())
	h.g.Expect(h.endpointIDs()).To(ContainElement(target))
	h.g.Expect(h.endpointShape(target)).To(Equal(shape), "its subnets, groups and policy were not touched")
	h.g.Expect(h.calls("ModifyVpcEndpoint")).To(Equal(0))
	h.g.Expect(h.calls("DeleteVpcEndpoints")).To(Equal(0))
}

func TestAnEndpointOfAnotherClusterCannotBeAdopted(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	theirs := h.createEndpointBehindTheOperator(h.vpcID, h.subnets)
	h.tagBehindTheOperator(theirs, map[string]string{v1alpha1.TagCluster: "other-cluster"})

	ge := h.endpoint("adopter", func(ge *v1alpha1.GatewayEndpoint) { ge.Spec.AdoptEndpointID = theirs })
	h.create(ge)
	h.g.Eventually(h.conditionOf(ge, v1alpha1.ConditionStalled), 30*time.Second, 100*time.Millisecond).
		Should(And(HavePrefix("True/AdoptionRefused"), ContainSubstring("belongs to cluster other-cluster")))
	h.g.Expect(h.tagsOf(theirs)).To(Equal(map[string]string{v1alpha1.TagCluster: "other-cluster"}))

	h.delete(ge)
	h.g.Eventually(h.exists(ge), 30*time.Second, 100*time.Millisecond).Should(BeFalse())
	h.g.Expect(h.endpointIDs()).To(ContainElement(theirs))
	h.g.Expect(h.calls("DeleteVpcEndpoints")).To(Equal(0))
}

func TestOnlyTheOldestOfTwoObjectsNamingAnEndpointAdoptsIt(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	existing := h.createEndpointBehindTheOperator(h.vpcID, h.subnets)
	h.tagBehindTheOperator(existing, map[string]string{v1alpha1.TagCluster: clusterName})

	first := h.endpoint("first", func(ge *v1alpha1.GatewayEndpoint) { ge.Spec.AdoptEndpointID = existing })
	h.create(first)
	// Creation times have a resolution of one second.
	h.g.Eventually(func() bool { return time.Since(h.get(first).GetCreationTimestamp().Time) > time.Second }, 5*time.Second).Should(BeTrue())
	second := h.endpoint("second", func(ge *v1alpha1.GatewayEndpoint) { ge.Spec.AdoptEndpointID = existing })
	h.create(second)

	h.waitReady(first, 30*time.Second)
	h.g.Eventually(h.conditionOf(second, v1alpha1.ConditionStalled), 30*time.Second, 100*time.Millisecond).
		Should(And(HavePrefix("True/AdoptionRefused"), ContainSubstring(h.namespace+"/first")))
	h.g.Expect(h.tagsOf(existing)).To(HaveKeyWithValue(v1alpha1.TagUID, string(first.UID)))
}

func TestAForgedStatusEndpointIDIsNeitherModifiedNorDeleted(t *testing.T) {
	// A deletion behind the operator's back is seen at the next resync.
	h := newHarness(t, harnessOptions{syncPeriod: 2 * time.Second})
	victim := h.endpoint("victim")
	attacker := h.endpoint("attacker", func(ge *v1alpha1.GatewayEndpoint) {
		ge.Spec.SubnetIDs = h.subnets[:1]
		ge.Spec.Access.WhenNoPolicies = v1alpha1.WhenNoPoliciesAllow
		// One private-DNS endpoint per service and VPC.
		ge.Spec.PrivateDNS.Enabled = ptr.To(false)
	})
	h.create(victim)
	h.create(attacker)
	h.waitReady(victim, 30*time.Second)
	h.waitReady(attacker, 30*time.Second)
	target, own := victim.Status.EndpointID, attacker.Status.EndpointID
	shape := h.endpointShape(target)
	h.sim.ResetCalls()

	// With its own endpoint still there, the forged ID is ignored and
	// status is put right.
	h.forgeEndpointID(attacker, target)
	h.g.Eventually(func() string { return h.get(attacker).(*v1alpha1.GatewayEndpoint).Status.EndpointID }, 30*time.Second, 100*time.Millisecond).
		Should(Equal(own))
	h.g.Eventually(h.eventReasons(attacker), 10*time.Second, 100*time.Millisecond).Should(ContainElement(v1alpha1.ReasonNotOwned))

	// Without one, nothing is created or changed: the object stalls.
	h.deleteEndpointBehindTheOperator(own)
	h.g.Eventually(h.endpointIDs, 30*time.Second, 100*time.Millisecond).ShouldNot(ContainElement(own))
	// The operator sees the deletion at its next resync.
	h.g.Eventually(h.conditionOf(attacker, v1alpha1.ConditionEndpointAvailable), 30*time.Second, 100*time.Millisecond).
		Should(HavePrefix("False/EndpointNotFound"))
	h.forgeEndpointID(attacker, target)
	h.g.Eventually(h.conditionOf(attacker, v1alpha1.ConditionStalled), 30*time.Second, 100*time.Millisecond).
		Should(And(HavePrefix("True/NotOwned"), ContainSubstring(target)))
	h.g.Expect(h.endpointShape(target)).To(Equal(shape))

	// Deleting it deletes nothing of the victim's, and does not hang.
	h.delete(attacker)
	h.g.Eventually(h.exists(attacker), 30*time.Second, 100*time.Millisecond).Should(BeFalse())
	h.g.Expect(h.endpointIDs()).To(ContainElement(target))
	h.g.Expect(h.endpointShape(target)).To(Equal(shape))
	h.g.Expect(h.calls("ModifyVpcEndpoint")).To(Equal(0))
	h.g.Expect(h.calls("CreateVpcEndpoint")).To(Equal(0))
	h.g.Expect(h.conditionOf(victim, v1alpha1.ConditionReady)()).To(HavePrefix("True/"))
}

func TestAGatewayServiceOfAnotherRegionStallsWithoutCreatingAnything(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	ge := h.endpoint("elsewhere", func(ge *v1alpha1.GatewayEndpoint) {
		ge.Spec.ServiceName = awsclient.DefaultServiceName("eu-west-1")
	})
	h.create(ge)
	h.g.Eventually(h.conditionOf(ge, v1alpha1.ConditionStalled), 30*time.Second, 100*time.Millisecond).
		Should(And(HavePrefix("True/RegionMismatch"), ContainSubstring(region)))
	h.g.Expect(h.calls("CreateVpcEndpoint") + h.calls("CreateSecurityGroup")).To(Equal(0))
}

func TestPoliciesNamingAnotherAccountOrAWildcardAreNotMergedUntilTheOwnerAllowsThem(t *testing.T) {
	h := newHarness(t, harnessOptions{propagationDelay: time.Millisecond, extraNamespaces: map[string]map[string]string{"team": {accessLabel: "true"}}})
	team := h.namespace + "-team"
	ge := h.sharedEndpoint()
	h.create(ge)
	const foreignARN = "arn:aws:bedrock-agentcore:us-east-1:210987654321:gateway/theirs-a1"
	wildcardARN := gatewayARN("*")
	foreign := h.accessPolicy(team, "foreign", foreignARN)
	wildcard := h.accessPolicy(team, "wildcard", wildcardARN)
	h.create(foreign)
	h.create(wildcard)
	h.waitReady(ge, 30*time.Second)

	h.g.Eventually(h.conditionOf(foreign, v1alpha1.ConditionAccepted), 10*time.Second, 100*time.Millisecond).
		Should(And(HavePrefix("False/GatewayNotAllowed"), ContainSubstring(foreignARN), ContainSubstring("account 210987654321")))
	h.g.Eventually(h.conditionOf(wildcard, v1alpha1.ConditionAccepted), 10*time.Second, 100*time.Millisecond).
		Should(And(HavePrefix("False/GatewayNotAllowed"), ContainSubstring("wildcard is false")))
	_, resources := h.simPolicy()
	h.g.Expect(resources).To(Equal([]string{"Deny *"}), "nothing outside the allow-list reaches the document")

	h.update(ge, func() {
		ge.Spec.Access.AllowedGateways = v1alpha1.AllowedGateways{Accounts: []string{"123456789012", "210987654321"}, Wildcard: true}
	})
	h.waitReady(foreign, 30*time.Second)
	h.waitReady(wildcard, 30*time.Second)
	_, resources = h.simPolicy()
	h.g.Expect(resources).To(ConsistOf("Allow "+foreignARN, "Allow "+wildcardARN))
}

func TestAnOversizePolicyNeverHoldsBackAnotherTeamsRevocation(t *testing.T) {
	h := newHarness(t, harnessOptions{propagationDelay: time.Millisecond, extraNamespaces: map[string]map[string]string{
		"a": {accessLabel: "true"}, "b": {accessLabel: "true"}, "c": {accessLabel: "true"},
	}})
	ge := h.sharedEndpoint()
	h.create(ge)
	big := h.accessPolicy(h.namespace+"-a", "big", manyGateways("a")...)
	narrow := h.accessPolicy(h.namespace+"-b", "narrow", gatewayARN("keep-b1"), gatewayARN("revoke-b2"))
	h.create(big)
	h.create(narrow)
	h.waitReady(big, 30*time.Second)
	h.waitReady(narrow, 30*time.Second)

	oversize := h.accessPolicy(h.namespace+"-c", "oversize", manyGateways("c")...)
	h.create(oversize)
	h.g.Eventually(h.conditionOf(oversize, v1alpha1.ConditionApplied), 30*time.Second, 100*time.Millisecond).
		Should(HavePrefix("False/PolicyTooLarge"))

	h.update(narrow, func() { narrow.Spec.GatewayARNs = []string{gatewayARN("keep-b1")} })
	h.g.Eventually(func() []string { _, r := h.simPolicy(); return r }, 30*time.Second, 100*time.Millisecond).
		ShouldNot(ContainElement("Allow " + gatewayARN("revoke-b2")))
	_, resources := h.simPolicy()
	h.g.Expect(resources).To(ContainElements("Allow "+gatewayARN("keep-b1"), "Allow "+big.Spec.GatewayARNs[0]))
	h.g.Expect(resources).NotTo(ContainElement("Allow " + oversize.Spec.GatewayARNs[0]))
	h.g.Expect(h.conditionOf(ge, v1alpha1.ConditionReady)()).To(HavePrefix("True/"))
}

func TestARevocationLandsWhileEC2RefusesASubnetChange(t *testing.T) {
	h := newHarness(t, harnessOptions{propagationDelay: time.Millisecond})
	ge := h.endpoint("shared")
	h.create(ge)
	p := h.accessPolicy(h.namespace, "p", gatewayARN("keep"), gatewayARN("revoke"))
	h.create(p)
	h.waitReady(p, 30*time.Second)

	h.update(ge, func() { ge.Spec.SubnetIDs = append(ge.Spec.SubnetIDs, "subnet-0000000000000000f") })
	h.g.Eventually(h.conditionOf(ge, v1alpha1.ConditionStalled), 30*time.Second, 100*time.Millisecond).
		Should(And(HavePrefix("True/InvalidSpec"), ContainSubstring("subnet-0000000000000000f")))

	h.update(p, func() { p.Spec.GatewayARNs = []string{gatewayARN("keep")} })
	h.g.Eventually(func() []string { _, r := h.simPolicy(); return r }, 30*time.Second, 100*time.Millisecond).
		Should(Equal([]string{"Allow " + gatewayARN("keep")}))
	h.g.Eventually(h.conditionOf(p, v1alpha1.ConditionApplied), 10*time.Second, 100*time.Millisecond).Should(HavePrefix("True/"))
	h.g.Expect(h.conditionOf(ge, v1alpha1.ConditionStalled)()).To(HavePrefix("True/InvalidSpec"), "the subnet change is still refused")
}

func TestTwentyPolicyEditsInOneSecondCostAtMostTwoWritesThenOneCarryingTheLast(t *testing.T) {
	const interval = 5 * time.Second
	h := newHarness(t, harnessOptions{policyWriteInterval: interval, propagationDelay: time.Millisecond})
	ge := h.endpoint("shared")
	h.create(ge)
	p := h.accessPolicy(h.namespace, "p", gatewayARN("edit-00"))
	h.create(p)
	h.waitReady(p, 30*time.Second)
	h.waitReady(ge, 30*time.Second)
	// Let the write budget refill after the first policy write.
	h.g.Eventually(func() bool {
		return time.Since(h.get(ge).(*v1alpha1.GatewayEndpoint).Status.Policy.AppliedAt.Time) > 2*interval
	},
		3*interval, 100*time.Millisecond).Should(BeTrue())
	h.sim.ResetCalls()

	start := time.Now()
	for i := 1; i <= 20; i++ {
		h.update(p, func() { p.Spec.GatewayARNs = []string{gatewayARN(fmt.Sprintf("edit-%02d", i))} })
	}
	elapsed := time.Since(start)
	duringBurst := h.calls("ModifyVpcEndpoint")
	h.g.Eventually(func() []string { _, r := h.simPolicy(); return r }, 3*interval, 100*time.Millisecond).
		Should(Equal([]string{"Allow " + gatewayARN("edit-20")}))
	h.t.Logf("ModifyVpcEndpoint: %d during the 20 edits (%s), %d in all", duringBurst, elapsed, h.calls("ModifyVpcEndpoint"))
	h.g.Expect(duringBurst).To(BeNumerically("<=", 2))
	h.g.Expect(h.calls("ModifyVpcEndpoint")).To(BeNumerically("<=", 3))
}

// forgeEndpointID writes id into obj's status.endpointID, as anyone with
// rights on the status subresource could, and makes the operator look.
func (h *harness) forgeEndpointID(ge *v1alpha1.GatewayEndpoint, id string) {
	h.t.Helper()
	h.g.Eventually(func() error {
		h.get(ge)
		patch := client.MergeFrom(ge.DeepCopy())
		ge.Status.EndpointID = id
		return h.k8s.Status().Patch(context.Background(), ge, patch)
	}, 10*time.Second, 100*time.Millisecond).Should(Succeed())
	h.update(ge, func() { ge.Annotations = map[string]string{"forged": id + "-" + time.Now().Format("150405.000")} })
}

func TestAForgedStatusRegionDoesNotMoveTheEndpointsReconcileElsewhere(t *testing.T) {
	other := ec2sim.New(ec2sim.Options{Region: "eu-west-1", Throttle: ec2sim.ThrottleConfig{Disabled: true}})
	srv := httptest.NewServer(other)
	t.Cleanup(srv.Close)
	h := newHarness(t, harnessOptions{propagationDelay: time.Millisecond, regionURLs: map[string]string{"eu-west-1": srv.URL}})
	ge := h.endpoint("shared")
	h.create(ge)
	p := h.accessPolicy(h.namespace, "p", gatewayARN("keep"), gatewayARN("revoke"))
	h.create(p)
	h.waitReady(p, 30*time.Second)

	h.g.Eventually(func() error {
		h.get(ge)
		patch := client.MergeFrom(ge.DeepCopy())
		ge.Status.Region = "eu-west-1"
		return h.k8s.Status().Patch(context.Background(), ge, patch)
	}, 10*time.Second, 100*time.Millisecond).Should(Succeed())
	// A revocation made now must still reach the endpoint in its real region.
	h.update(p, func() { p.Spec.GatewayARNs = []string{gatewayARN("keep")} })
	h.g.Eventually(func() []string { _, r := h.simPolicy(); return r }, 30*time.Second, 100*time.Millisecond).
		Should(Equal([]string{"Allow " + gatewayARN("keep")}))
	h.g.Eventually(func() string { return h.get(ge).(*v1alpha1.GatewayEndpoint).Status.Region }, 10*time.Second, 100*time.Millisecond).
		Should(Equal(region))
	h.waitReady(ge, 30*time.Second)
	h.g.Expect(other.Calls()).NotTo(HaveKey("CreateSecurityGroup"))
	h.g.Expect(other.Calls()).NotTo(HaveKey("CreateVpcEndpoint"))
}

func TestARevocationLandsWhileTheSecurityGroupStepFails(t *testing.T) {
	h := newHarness(t, harnessOptions{propagationDelay: time.Millisecond})
	ge := h.endpoint("shared")
	h.create(ge)
	p := h.accessPolicy(h.namespace, "p", gatewayARN("keep"), gatewayARN("revoke"))
	h.create(p)
	h.waitReady(p, 30*time.Second)
	h.waitReady(ge, 30*time.Second)

	const missingSource = "sg-0000000000000000f"
	h.update(ge, func() { ge.Spec.SecurityGroup.Managed.AllowedSources.SecurityGroupIDs = []string{missingSource} })
	h.g.Eventually(h.conditionOf(ge, v1alpha1.ConditionStalled), 30*time.Second, 100*time.Millisecond).
		Should(And(HavePrefix("True/SecurityGroupError"), ContainSubstring(missingSource)))

	h.update(p, func() { p.Spec.GatewayARNs = []string{gatewayARN("keep")} })
	h.g.Eventually(func() []string { _, r := h.simPolicy(); return r }, 30*time.Second, 100*time.Millisecond).
		Should(Equal([]string{"Allow " + gatewayARN("keep")}))
	h.g.Eventually(h.conditionOf(p, v1alpha1.ConditionApplied), 10*time.Second, 100*time.Millisecond).Should(HavePrefix("True/"))
	h.g.Expect(h.conditionOf(ge, v1alpha1.ConditionStalled)()).To(HavePrefix("True/SecurityGroupError"), "the group step still fails")
}
