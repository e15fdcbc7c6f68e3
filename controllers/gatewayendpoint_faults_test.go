package controllers_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/agentcore-io/vpce-operator/api/v1alpha1"
	"github.com/agentcore-io/vpce-operator/internal/ec2sim"
)

func TestTenEndpointsBecomeReadyThroughThrottlingServerErrorsAndEventualConsistency(t *testing.T) {
	h := newHarness(t, harnessOptions{throttle: true})
	// The operator keeps within EC2's buckets on its own; another tool of
	// the account spending half of them is what gets it throttled.
	h.sim.SetThrottle(ec2sim.ThrottleConfig{Scale: 0.5})
	h.sim.SetFault(ec2sim.AllActions, ec2sim.Fault{ErrorRate: 0.2, ErrorCode: "InternalError"})
	h.sim.SetEventualConsistency(time.Second)

	var objs []*v1alpha1.GatewayEndpoint
	for i := range 10 {
		ge := h.endpoint(fmt.Sprintf("agents-%d", i), func(ge *v1alpha1.GatewayEndpoint) {
			// EC2 allows one endpoint per VPC and service with private DNS.
			if i > 0 {
				ge.Spec.PrivateDNS.Enabled = ptr.To(false)
			}
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
	h.g.Eventually(notReady, 4*time.Minute, time.Second).Should(BeEmpty())

	// Count with a well-behaved EC2, which sees even what was created a
	// moment ago.
	h.sim.ClearFaults()
	h.sim.SetThrottle(ec2sim.ThrottleConfig{Disabled: true})
	h.sim.SetEventualConsistency(0)
	calls := h.sim.Calls()
	h.g.Expect(calls["CreateVpcEndpoint"]).To(HaveKey("RequestLimitExceeded"), "%v", calls)
	h.g.Expect(h.totalOf(calls, "InternalError")).To(BeNumerically(">", 10), "%v", calls)

	endpoints := h.endpoints()
	h.g.Expect(endpoints).To(HaveLen(10))
	h.g.Expect(h.ownedGroups()).To(HaveLen(10))
	byUID := map[string]string{}
	for _, ep := range endpoints {
		if uid, ok := tagMap(ep.Tags)[v1alpha1.TagUID]; ok {
			byUID[uid] = aws.ToString(ep.VpcEndpointId)
		}
	}
	for _, ge := range objs {
		h.get(ge)
		h.g.Expect(byUID).To(HaveKeyWithValue(string(ge.UID), ge.Status.EndpointID), ge.Name)
		h.g.Expect(ge.Status.State).To(Equal("available"), ge.Name)
		h.g.Expect(ge.Status.SecurityGroupIDs).To(HaveLen(1), ge.Name)
		h.g.Expect(ge.Status.Conditions).To(ContainElement(And(
			HaveField("Type", v1alpha1.ConditionReconciling), HaveField("Status", metav1.ConditionFalse))), ge.Name)
	}
}

// totalOf is how many calls of any action were answered with code.
func (h *harness) totalOf(calls map[string]map[string]int, code string) int {
	n := 0
	for _, byCode := range calls {
		n += byCode[code]
	}
	return n
}
