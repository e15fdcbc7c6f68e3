package controllers_test

import (
	"testing"
	"time"

	. "github.com/onsi/gomega"

	"github.com/agentcore-io/vpce-operator/api/v1alpha1"
)

// missingSubnet and missingGroup are well-formed IDs that name nothing.
const (
	missingSubnet = "subnet-0123456789abcdef0"
	missingGroup  = "sg-0123456789abcdef0"
)

func TestBadInputTheCRDCannotCatchStallsTheEndpointWithoutRetryingInALoop(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	_, foreignSubnets, err := h.sim.SeedVPC("10.1.0.0/16", 1)
	h.g.Expect(err).NotTo(HaveOccurred())

	cases := []struct {
		name    string
		mutate  func(*v1alpha1.GatewayEndpoint)
		reason  string
		message string
	}{{
		name:    "missing-subnet",
		mutate:  func(ge *v1alpha1.GatewayEndpoint) { ge.Spec.SubnetIDs = []string{missingSubnet} },
		reason:  v1alpha1.ReasonInvalidSpec,
		message: "Fix spec.subnetIDs: subnet " + missingSubnet + " does not exist in " + region,
	}, {
		name:    "foreign-subnet",
		mutate:  func(ge *v1alpha1.GatewayEndpoint) { ge.Spec.SubnetIDs = foreignSubnets },
		reason:  v1alpha1.ReasonInvalidSpec,
		message: "Fix spec.subnetIDs: subnet " + foreignSubnets[0] + " is in ",
	}, {
		name: "missing-group",
		mutate: func(ge *v1alpha1.GatewayEndpoint) {
			ge.Spec.SecurityGroup = v1alpha1.SecurityGroupSpec{IDs: []string{missingGroup}}
		},
		reason:  v1alpha1.ReasonSecurityGroupError,
		message: "Security group " + missingGroup + " (spec.securityGroup.ids) does not exist",
	}}
	objs := map[string]*v1alpha1.GatewayEndpoint{}
	for _, c := range cases {
		objs[c.name] = h.endpoint(c.name, c.mutate)
		h.create(objs[c.name])
	}
	for _, c := range cases {
		ge := objs[c.name]
		h.g.Eventually(h.conditionOf(ge, v1alpha1.ConditionStalled), 30*time.Second, 100*time.Millisecond).
			Should(And(HavePrefix("True/"+c.reason+": "), ContainSubstring(c.message)), c.name)
		h.g.Expect(h.conditionOf(ge, v1alpha1.ConditionReady)()).To(HavePrefix("False/"+c.reason+": "), c.name)
		h.g.Expect(h.conditionOf(ge, v1alpha1.ConditionReconciling)()).To(HavePrefix("False/"), c.name)
		h.g.Expect(ge.Status.ObservedGeneration).To(Equal(ge.Generation), c.name)
	}

	// Retrying cannot help until someone edits the spec: a minute passes
	// with next to no calls for the three of them.
	h.sim.ResetCalls()
	h.g.Consistently(h.totalCalls, time.Minute, time.Second).Should(BeNumerically("<=", 3), "%v", h.sim.Calls())
	for _, c := range cases {
		h.g.Expect(h.conditionOf(objs[c.name], v1alpha1.ConditionStalled)()).To(HavePrefix("True/"), c.name)
	}
	h.g.Expect(h.endpoints()).To(BeEmpty())
}

func TestAStalledEndpointBecomesReadyOnceItsSpecIsFixed(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	ge := h.endpoint("fixed", func(ge *v1alpha1.GatewayEndpoint) { ge.Spec.SubnetIDs = []string{missingSubnet} })
	h.create(ge)
	h.g.Eventually(h.conditionOf(ge, v1alpha1.ConditionStalled), 30*time.Second, 100*time.Millisecond).
		Should(ContainSubstring("subnet " + missingSubnet + " does not exist"))

	h.update(ge, func() { ge.Spec.SubnetIDs = h.subnets })
	h.waitReady(ge, 30*time.Second)
	h.g.Expect(h.conditionOf(ge, v1alpha1.ConditionStalled)()).To(Equal("absent"))
	h.g.Expect(h.conditionOf(ge, v1alpha1.ConditionReconciling)()).To(HavePrefix("False/Ready"))
	h.g.Expect(ge.Status.ObservedGeneration).To(Equal(ge.Generation))
	h.g.Expect(ge.Status.SubnetIDs).To(ConsistOf(h.subnets))
	h.g.Expect(h.endpoints()).To(HaveLen(1))
	h.g.Expect(h.ownedGroups()).To(HaveLen(1), "the group made before the stall is reused")
	h.g.Expect(h.calls("CreateSecurityGroup")).To(Equal(1))
}
