package controllers_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/agentcore-io/vpce-operator/api/v1alpha1"
	"github.com/agentcore-io/vpce-operator/internal/ec2sim"
	"github.com/agentcore-io/vpce-operator/internal/policy"
)

// The write guard, against EC2-compatible APIs that are not AWS: one that
// leaves a field out of its answers, and one that accepts a change it never
// applies (the simulator's Options.OmitFields and Options.IgnoreModify, fault
// injection that AWS itself never shows).

func TestAnIPAddressTypeEC2DoesNotReportIsUnknownNotDriftAndNeverWritten(t *testing.T) {
	d := newDirectSim(t, directOptions{sim: func(o *ec2sim.Options) {
		o.OmitFields = []string{ec2sim.FieldIPAddressType}
	}})
	ge := d.create("no-ip-type", func(ge *v1alpha1.GatewayEndpoint) { ge.Spec.IPAddressType = v1alpha1.IPAddressTypeIPv4 })
	d.run(ge, 30*time.Minute, d.ready(ge), d.neverStalled(ge))
	d.g.Expect(d.requests.operatorCalls("ModifyVpcEndpoint", "IpAddressType")).To(BeZero())
	d.requests.reset()

	d.resyncs(ge, 5, func(res ctrl.Result, err error) {
		d.g.Expect(err).NotTo(HaveOccurred())
		d.g.Expect(d.condition(ge, v1alpha1.ConditionReady)).To(HavePrefix("True/"))
		d.g.Expect(res.RequeueAfter).To(BeNumerically(">=", 10*time.Minute), "a resync, not a recheck")
	})
	d.g.Expect(d.requests.operatorCalls("ModifyVpcEndpoint")).To(BeZero(), "nothing is written for a field EC2 does not report")
	// Each resync (10 minutes and more apart) finds the inventory older than
	// the sync period and refreshes it, but the one right after Ready may
	// find it fresh.
	d.g.Expect(d.requests.operatorCalls("DescribeVpcEndpoints")).To(BeNumerically(">=", 4), "the resyncs read the endpoint")
}

func TestPrivateDNSThatEC2AcceptsButNeverAppliesIsWrittenThreeTimesThenStallsNotConverging(t *testing.T) {
	d := newDirectSim(t, directOptions{sim: func(o *ec2sim.Options) {
		o.IgnoreModify = []string{"PrivateDnsEnabled"}
	}})
	ge := d.create("ignored")
	stalled := func() bool { return strings.HasPrefix(d.condition(ge, v1alpha1.ConditionStalled), "True/") }
	d.run(ge, time.Hour, stalled, func(_ ctrl.Result, err error) { d.g.Expect(err).NotTo(HaveOccurred()) })

	d.g.Expect(d.condition(ge, v1alpha1.ConditionStalled)).To(And(
		HavePrefix("True/"+v1alpha1.ReasonNotConverging+": "), ContainSubstring("private DNS"), ContainSubstring("3 times")))
	d.g.Expect(d.condition(ge, v1alpha1.ConditionReady)).To(HavePrefix("False/" + v1alpha1.ReasonNotConverging))
	writes := d.requests.operatorCalls("ModifyVpcEndpoint", "PrivateDnsEnabled")
	d.g.Expect(writes).To(Equal(3), "written three times, then no more")
	d.g.Expect(d.privateDNS(ge.Status.EndpointID)).To(BeFalse())

	// Resyncs an hour long change nothing.
	d.resyncs(ge, 12, func(_ ctrl.Result, err error) {
		d.g.Expect(err).NotTo(HaveOccurred())
		d.g.Expect(d.condition(ge, v1alpha1.ConditionStalled)).To(HavePrefix("True/" + v1alpha1.ReasonNotConverging))
	})
	d.g.Expect(d.requests.operatorCalls("ModifyVpcEndpoint", "PrivateDnsEnabled")).To(Equal(writes), "no further write of the stuck change")

	// The policy is never held back by it: a team's new policy lands.
	gap := &v1alpha1.GatewayAccessPolicy{}
	gap.Namespace, gap.Name = d.namespace, "team"
	gap.Spec = v1alpha1.GatewayAccessPolicySpec{EndpointRef: v1alpha1.EndpointReference{Name: ge.Name}, GatewayARNs: []string{gatewayARN("gw-team")}}
	d.g.Expect(env.Client.Create(context.Background(), gap)).To(Succeed())
	d.g.Eventually(func() error { return d.reader.Get(context.Background(), client.ObjectKeyFromObject(gap), gap) }, 10*time.Second, 10*time.Millisecond).Should(Succeed())
	_, _, err := d.pass(ge)
	d.g.Expect(err).NotTo(HaveOccurred())
	d.g.Expect(policy.AllowedResources(d.policyDocument(ge.Status.EndpointID))).To(HaveKey(policy.StatementID(gap.Namespace, gap.Name)))
	d.g.Expect(d.requests.operatorCalls("ModifyVpcEndpoint", "PrivateDnsEnabled")).To(Equal(writes), "the policy went alone")
	d.g.Expect(d.condition(ge, v1alpha1.ConditionStalled)).To(HavePrefix("True/" + v1alpha1.ReasonNotConverging))
}

func TestTenNewEndpointsBecomeReadyUnderAWSsBucketsWhileAnotherIsStuckOnAChangeEC2NeverApplies(t *testing.T) {
	h := newHarness(t, harnessOptions{throttle: true, simOptions: func(o *ec2sim.Options) {
		o.IgnoreModify = []string{"PrivateDnsEnabled"}
	}})
	stuck := h.endpoint("stuck")
	h.create(stuck)
	// The ten come while the operator is still trying the change.
	h.g.Eventually(func() int { return h.calls("ModifyVpcEndpoint") }, 30*time.Second, 50*time.Millisecond).Should(BeNumerically(">=", 1))
	var objs []*v1alpha1.GatewayEndpoint
	for i := range 10 {
		ge := h.endpoint(fmt.Sprintf("new-%d", i), func(ge *v1alpha1.GatewayEndpoint) {
			// EC2 allows one private-DNS endpoint per service and VPC;
			// and these must not depend on the change EC2 ignores.
			ge.Spec.PrivateDNS.Enabled = ptr.To(false)
		})
		h.create(ge)
		objs = append(objs, ge)
	}
	notReady := func() []string {
		var names []string
		for _, ge := range objs {
			if c := h.conditionOf(ge, v1alpha1.ConditionReady)(); !strings.HasPrefix(c, "True/") {
				names = append(names, ge.Name+": "+c)
			}
		}
		return names
	}
	h.g.Eventually(notReady, 3*time.Minute, 200*time.Millisecond).Should(BeEmpty())
	h.g.Eventually(h.conditionOf(stuck, v1alpha1.ConditionStalled), time.Minute, 100*time.Millisecond).
		Should(And(HavePrefix("True/"+v1alpha1.ReasonNotConverging), ContainSubstring("private DNS")))

	calls := h.sim.Calls()
	h.g.Expect(calls["ModifyVpcEndpoint"]).To(Equal(map[string]int{"OK": 3}), "only the stuck object's three writes: %v", calls)
	h.g.Expect(calls["CreateVpcEndpoint"]).To(Equal(map[string]int{"OK": 11}), "%v", calls)
	h.g.Expect(h.totalOf(calls, "RequestLimitExceeded")).To(BeZero(), "%v", calls)
	h.g.Expect(h.endpoints()).To(HaveLen(11))
}

// resyncs runs n passes of ge, each when the operator asked for it.
func (d *directSim) resyncs(ge *v1alpha1.GatewayEndpoint, n int, check func(ctrl.Result, error)) {
	d.t.Helper()
	for range n {
		res, gone, err := d.pass(ge)
		d.g.Expect(gone).To(BeFalse())
		check(res, err)
		d.g.Expect(res.RequeueAfter).To(BeNumerically(">", 0))
		d.clock.Step(res.RequeueAfter)
	}
}

// policyDocument is the policy document EC2 reports for endpoint id.
func (d *directSim) policyDocument(id string) string {
	d.t.Helper()
	return ptr.Deref(d.endpointOf(id).PolicyDocument, "")
}
