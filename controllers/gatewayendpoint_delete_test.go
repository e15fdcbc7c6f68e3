package controllers_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	. "github.com/onsi/gomega"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/agentcore-io/vpce-operator/api/v1alpha1"
	awsclient "github.com/agentcore-io/vpce-operator/internal/aws"
)

func TestDeletingAnEndpointRemovesTheEndpointThenItsGroupThenTheFinalizer(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	ge := h.endpoint("delete")
	h.create(ge)
	h.waitReady(ge, 30*time.Second)
	h.sim.ResetCalls()

	h.delete(ge)
	h.g.Eventually(h.exists(ge), 30*time.Second, 100*time.Millisecond).Should(BeFalse())

	h.g.Expect(h.endpoints()).To(BeEmpty())
	h.g.Expect(h.ownedGroups()).To(BeEmpty())
	h.g.Expect(h.succeeded("DeleteVpcEndpoints", "DeleteSecurityGroup")).To(Equal([]string{"DeleteVpcEndpoints", "DeleteSecurityGroup"}))
	// The group is deleted once the endpoint is gone (the order above);
	// the poller sees that at once, and EC2 may refuse the first tries while
	// the endpoint's network interfaces linger (the simulator's 1s).
	h.g.Expect(h.sim.Calls()["DeleteSecurityGroup"]).To(HaveKeyWithValue("OK", 1))
	for code := range h.sim.Calls()["DeleteSecurityGroup"] {
		h.g.Expect(code).To(BeElementOf("OK", "DependencyViolation"))
	}
	h.g.Expect(h.calls("DeleteVpcEndpoints")).To(Equal(1))
}

func TestAManagedGroupStillInUseIsDeletedOnceNothingUsesIt(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	ge := h.endpoint("shared-group")
	h.create(ge)
	h.waitReady(ge, 30*time.Second)
	groupID := ge.Status.SecurityGroupIDs[0]

	// Someone attaches the operator's group to an endpoint of their own.
	otherID := h.createEndpointBehindTheOperator(h.vpcID, h.subnets[:1], groupID)
	h.sim.ResetCalls()

	h.delete(ge)
	h.g.Eventually(func() int { return h.sim.Calls()["DeleteSecurityGroup"]["DependencyViolation"] }, 30*time.Second, 100*time.Millisecond).
		Should(BeNumerically(">=", 2), "EC2 refuses while the group is in use, and the operator tries again")
	h.g.Expect(h.exists(ge)()).To(BeTrue())
	h.g.Expect(h.get(ge).GetFinalizers()).To(ContainElement(v1alpha1.Finalizer))
	h.g.Eventually(h.conditionOf(ge, v1alpha1.ConditionReconciling), 10*time.Second, 100*time.Millisecond).
		Should(ContainSubstring("DependencyViolation"))
	h.g.Expect(h.endpointIDs()).To(Equal([]string{otherID}), "the operator's own endpoint is gone")
	h.g.Expect(h.ownedGroups()).To(HaveLen(1))

	h.deleteEndpointBehindTheOperator(otherID)
	h.g.Eventually(h.exists(ge), time.Minute, 100*time.Millisecond).Should(BeFalse())
	h.g.Expect(h.ownedGroups()).To(BeEmpty())
	h.g.Expect(h.sim.Calls()["DeleteSecurityGroup"]).To(HaveKeyWithValue("OK", 1))
}

func TestRetainingAnEndpointLeavesItAndItsGroupInAWS(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	ge := h.endpoint("retain", func(ge *v1alpha1.GatewayEndpoint) { ge.Spec.DeletionPolicy = v1alpha1.DeletionPolicyRetain })
	h.create(ge)
	h.waitReady(ge, 30*time.Second)
	id, groupID := ge.Status.EndpointID, ge.Status.SecurityGroupIDs[0]
	h.sim.ResetCalls()

	h.delete(ge)
	h.g.Eventually(h.exists(ge), 30*time.Second, 100*time.Millisecond).Should(BeFalse())

	h.g.Expect(h.endpointIDs()).To(Equal([]string{id}))
	h.g.Expect(h.endpoints()[0].State).To(Equal(types.State("available")), "EC2 reports states in lower case")
	groups := h.ownedGroups()
	h.g.Expect(groups).To(HaveLen(1))
	h.g.Expect(aws.ToString(groups[0].GroupId)).To(Equal(groupID))
	h.g.Expect(h.sim.MutatingCalls()).To(Equal(0), "%v", h.sim.Calls())
}

func TestDeletingAnEndpointThatAWSAlreadyLostCompletes(t *testing.T) {
	// EC2 no longer listing it might be eventual consistency: the deletion
	// waits the lost-endpoint grace before it lets the object go.
	h := newHarness(t, harnessOptions{lostEndpointGrace: 3 * time.Second})
	ge := h.endpoint("lost")
	h.create(ge)
	h.waitReady(ge, 30*time.Second)
	id := ge.Status.EndpointID

	h.deleteEndpointBehindTheOperator(id)
	// Gone, not merely deleted: EC2 no longer lists it at all.
	h.g.Eventually(func() error {
		_, err := h.ec2.DescribeVpcEndpoints(context.Background(), &ec2.DescribeVpcEndpointsInput{VpcEndpointIds: []string{id}})
		return err
	}, 10*time.Second, 100*time.Millisecond).Should(MatchError(ContainSubstring(awsclient.CodeVpcEndpointNotFound)))
	h.sim.ResetCalls()

	h.delete(ge)
	h.g.Eventually(h.exists(ge), 30*time.Second, 100*time.Millisecond).Should(BeFalse())
	h.g.Expect(h.ownedGroups()).To(BeEmpty())
	h.g.Expect(h.calls("CreateVpcEndpoint")).To(Equal(0), "not recreated on the way out")
	h.g.Expect(h.sim.Calls()["DeleteSecurityGroup"]).To(Equal(map[string]int{"OK": 1}))
}

func (h *harness) delete(obj client.Object) {
	h.t.Helper()
	h.g.Expect(h.k8s.Delete(context.Background(), obj)).To(Succeed())
}

// exists returns a getter that says whether obj is still in the API server.
func (h *harness) exists(obj client.Object) func() bool {
	return func() bool {
		err := h.k8s.Get(context.Background(), client.ObjectKeyFromObject(obj), obj.DeepCopyObject().(client.Object))
		if err != nil && !apierrors.IsNotFound(err) {
			h.t.Errorf("getting %s: %v", obj.GetName(), err)
		}
		return err == nil
	}
}

// endpointIDs lists the IDs of the simulator's endpoints that are not
// deleted.
func (h *harness) endpointIDs() []string {
	var ids []string
	for _, ep := range h.endpoints() {
		ids = append(ids, aws.ToString(ep.VpcEndpointId))
	}
	return ids
}
