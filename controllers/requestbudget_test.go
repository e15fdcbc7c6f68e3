package controllers_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/agentcore-io/vpce-operator/api/v1alpha1"
	awsclient "github.com/agentcore-io/vpce-operator/internal/aws"
	"github.com/agentcore-io/vpce-operator/internal/ec2sim"
)

// EC2's request budget is the account's, shared with every other tool: an
// object that cannot progress must not spend it, and waiting for it must not
// hold a worker that other objects need.

func TestAPrefixListThatDoesNotExistStallsTheGroupStepAndIsTriedAgainOnlyEveryFiveMinutes(t *testing.T) {
	d := newDirectSim(t, directOptions{})
	const missing = "pl-0123456789abcdef0"
	ge := d.create("prefix-list", func(ge *v1alpha1.GatewayEndpoint) {
		ge.Spec.SecurityGroup.Managed.AllowedSources.PrefixListIDs = []string{missing}
	})
	d.run(ge, 30*time.Minute, func() bool { return strings.HasPrefix(d.condition(ge, v1alpha1.ConditionStalled), "True/") }, nil)
	d.g.Expect(d.condition(ge, v1alpha1.ConditionStalled)).To(And(
		HavePrefix("True/"+v1alpha1.ReasonSecurityGroupError+": "), ContainSubstring("prefix list"), ContainSubstring(missing)))
	d.g.Expect(d.condition(ge, v1alpha1.ConditionSecurityGroupReady)).To(HavePrefix("False/" + v1alpha1.ReasonSecurityGroupError))
	d.g.Expect(d.requests.operatorCalls("CreateVpcEndpoint")).To(BeZero(), "no endpoint without its group's rules")

	// An hour of fake time, each pass when the operator asks for it: a
	// returned error (the workqueue's quick backoff) or a short requeue
	// would be a retry loop.
	d.sim.ResetCalls()
	const window = time.Hour
	passes := 0
	for end := d.clock.Now().Add(window); d.clock.Now().Before(end); passes++ {
		res, _, err := d.pass(ge)
		d.g.Expect(err).NotTo(HaveOccurred())
		d.g.Expect(res.RequeueAfter).To(Equal(5 * time.Minute))
		d.g.Expect(d.condition(ge, v1alpha1.ConditionStalled)).To(HavePrefix("True/" + v1alpha1.ReasonSecurityGroupError))
		d.clock.Step(res.RequeueAfter)
	}
	calls := d.sim.Calls()
	d.g.Expect(passes).To(Equal(12))
	d.g.Expect(calls["AuthorizeSecurityGroupIngress"]).To(Equal(map[string]int{"InvalidPrefixListID.NotFound": passes}),
		"one attempt per five minutes: %v", calls)
	d.g.Expect(calls).NotTo(HaveKey("CreateSecurityGroup"), "the group made before the stall is reused")
}

// endpointBucketWait is how long the client-side copy of EC2's
// CreateVpcEndpoint bucket (4 at once, then 0.3 a second, of which the
// client allows itself 90%) makes a call wait for its next token at most.
const endpointBucketWait = time.Second * 1000 / 270

func TestAReconcileOverTheClientSideBudgetRequeuesForTheBucketsWaitInsteadOfWaitingInIt(t *testing.T) {
	d := newDirectSim(t, directOptions{
		// AWS's buckets, on the fake clock, which stands still unless the
		// test moves it: a call the client should have held back is refused.
		sim: func(o *ec2sim.Options) { o.Throttle = ec2sim.ThrottleConfig{} },
		// The operator's own copy of them, as in production.
		client: func(o *awsclient.ClientOptions) { o.RateLimitScale = 0 },
	})
	var objs []*v1alpha1.GatewayEndpoint
	for i := range 6 {
		objs = append(objs, d.create(fmt.Sprintf("burst-%d", i), func(ge *v1alpha1.GatewayEndpoint) {
			ge.Spec.PrivateDNS.Enabled = ptr.To(false)
		}))
	}
	// Their groups first, whose rules (and then the endpoints) wait for
	// EC2 to list them; the client's buckets run on the wall clock.
	var settle time.Duration
	for _, ge := range objs {
		res, _, err := d.pass(ge)
		d.g.Expect(err).NotTo(HaveOccurred(), ge.Name)
		settle = max(settle, res.RequeueAfter)
	}
	d.clock.Step(settle)
	results := map[string]ctrl.Result{}
	for _, ge := range objs {
		res, _, err := d.pass(ge)
		d.g.Expect(err).NotTo(HaveOccurred(), ge.Name)
		results[ge.Name] = res
	}

	var created, held []*v1alpha1.GatewayEndpoint
	for _, ge := range objs {
		if ge.Status.EndpointID != "" {
			created = append(created, ge)
		} else {
			held = append(held, ge)
		}
	}
	d.g.Expect(created).To(HaveLen(4), "the bucket holds four")
	d.g.Expect(held).To(HaveLen(2))
	for _, ge := range held {
		res := results[ge.Name]
		d.g.Expect(res.RequeueAfter).To(And(BeNumerically(">", time.Second), BeNumerically("<=", endpointBucketWait)),
			"%s comes back when the bucket has a token for it, beyond the 1s the client waits in place", ge.Name)
		d.g.Expect(d.condition(ge, v1alpha1.ConditionReconciling)).To(HavePrefix("True/" + v1alpha1.ReasonThrottled))
		d.g.Expect(d.condition(ge, v1alpha1.ConditionStalled)).To(Equal("absent"))
	}
	calls := d.sim.Calls()
	d.g.Expect(calls["CreateVpcEndpoint"]).To(Equal(map[string]int{"OK": 4}), "EC2 never saw the calls over budget")
	d.g.Expect(d.totalOf(calls, awsclient.CodeRequestLimitExceeded)).To(BeZero(), "%v", calls)

	// Once the wait is over (on both clocks), the held objects go on.
	ge := held[0]
	d.clock.Step(results[ge.Name].RequeueAfter)
	d.g.Eventually(func() string {
		_, _, err := d.pass(ge)
		d.g.Expect(err).NotTo(HaveOccurred())
		return ge.Status.EndpointID
	}, 2*endpointBucketWait, 200*time.Millisecond).ShouldNot(BeEmpty())
	calls = d.sim.Calls()
	d.g.Expect(calls["CreateVpcEndpoint"]).To(Equal(map[string]int{"OK": 5}))
	d.g.Expect(d.totalOf(calls, awsclient.CodeRequestLimitExceeded)).To(BeZero(), "%v", calls)
}

func TestWithOneWorkerAnObjectNeedingOnlyReadsIsServedWhileABurstOfCreatesWaitsForEC2sBucket(t *testing.T) {
	h := newHarness(t, harnessOptions{throttle: true, maxConcurrentReconciles: 1})
	for i := range 6 {
		h.create(h.endpoint(fmt.Sprintf("burst-%d", i), func(ge *v1alpha1.GatewayEndpoint) {
			ge.Spec.PrivateDNS.Enabled = ptr.To(false)
		}))
	}
	// Existing groups and a subnet that does not exist: the preflight's
	// reads stall it, without a single mutating call.
	reader := h.endpoint("reads-only", func(ge *v1alpha1.GatewayEndpoint) {
		ge.Spec.SecurityGroup = v1alpha1.SecurityGroupSpec{IDs: []string{h.agentsSG}}
		ge.Spec.SubnetIDs = []string{missingSubnet}
	})
	h.create(reader)

	// The four creates the bucket holds go at once, the other two 3.7s
	// apart; a worker waiting in the bucket would serve the reader only
	// after all six.
	createsWhenServed := -1
	h.g.Eventually(func() bool {
		if !strings.HasPrefix(h.conditionOf(reader, v1alpha1.ConditionStalled)(), "True/") {
			return false
		}
		createsWhenServed = h.sim.Calls()["CreateVpcEndpoint"]["OK"]
		return true
	}, 30*time.Second, 20*time.Millisecond).Should(BeTrue())
	h.g.Expect(createsWhenServed).To(BeNumerically("<", 6), "the reader was served while creates waited for the bucket")

	h.g.Eventually(func() int { return h.sim.Calls()["CreateVpcEndpoint"]["OK"] }, time.Minute, 100*time.Millisecond).Should(Equal(6))
	h.g.Expect(h.totalOf(h.sim.Calls(), awsclient.CodeRequestLimitExceeded)).To(BeZero(), "%v", h.sim.Calls())
}

// totalOf is how many calls of any action were answered with code.
func (d *directSim) totalOf(calls map[string]map[string]int, code string) int {
	n := 0
	for _, byCode := range calls {
		n += byCode[code]
	}
	return n
}
