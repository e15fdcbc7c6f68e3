package controllers_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/agentcore-io/vpce-operator/api/v1alpha1"
	awsclient "github.com/agentcore-io/vpce-operator/internal/aws"
	"github.com/agentcore-io/vpce-operator/internal/ec2sim"
)

// TestKstatusAndArgoCDAgreeOnEveryGatewayEndpointState drives
// GatewayEndpoints, in the direct tier, into each condition state the
// reconciler produces, and holds kstatus and the Argo CD health check to
// agree on each object it wrote (healthfixtures_test.go); the objects are
// the GatewayEndpoint health check's test cases.
func TestKstatusAndArgoCDAgreeOnEveryGatewayEndpointState(t *testing.T) {
	d := newDirectSim(t, directOptions{client: func(o *awsclient.ClientOptions) {
		// A 5xx fails the pass at once instead of being retried by the SDK.
		o.MaxAttempts = 1
	}})
	fx := newHealthFixtures(t, "GatewayEndpoint", d.clock.Now(), map[string]string{d.namespace: "platform"})
	privateDNSOff := func(ge *v1alpha1.GatewayEndpoint) { ge.Spec.PrivateDNS.Enabled = ptr.To(false) }

	// Stalled before anything is created, one reason each.
	d.vpcAttribute(&ec2.ModifyVpcAttributeInput{EnableDnsHostnames: &ec2types.AttributeBooleanValue{Value: ptr.To(false)}})
	noDNS := d.create("no-dns")
	d.untilStalled(noDNS, v1alpha1.ReasonVPCDNSDisabled)
	fx.record("stalled-vpc-dns-disabled", noDNS, status.FailedStatus)
	d.vpcAttribute(&ec2.ModifyVpcAttributeInput{EnableDnsHostnames: &ec2types.AttributeBooleanValue{Value: ptr.To(true)}})

	badSubnet := d.create("bad-subnet", privateDNSOff, func(ge *v1alpha1.GatewayEndpoint) { ge.Spec.SubnetIDs = []string{"subnet-0123456789abcdef0"} })
	d.untilStalled(badSubnet, v1alpha1.ReasonInvalidSpec)
	fx.record("stalled-invalid-spec", badSubnet, status.FailedStatus)

	adopter := d.create("adopter", privateDNSOff, func(ge *v1alpha1.GatewayEndpoint) { ge.Spec.AdoptEndpointID = "vpce-0123456789abcdef0" })
	d.untilStalled(adopter, v1alpha1.ReasonAdoptionRefused)
	fx.record("stalled-adoption-refused", adopter, status.FailedStatus)

	// Creating, then Ready.
	ge := d.create("gw")
	res, _, err := d.pass(ge)
	d.g.Expect(err).NotTo(HaveOccurred())
	// The group's rules, then the endpoint, wait for EC2 to list the group.
	d.g.Expect(d.condition(ge, v1alpha1.ConditionSecurityGroupReady)).To(HavePrefix("False/Creating"))
	d.clock.Step(res.RequeueAfter)
	_, _, err = d.pass(ge)
	d.g.Expect(err).NotTo(HaveOccurred())
	d.g.Expect(d.condition(ge, v1alpha1.ConditionEndpointAvailable)).To(HavePrefix("False/Pending"))
	fx.record("creating", ge, status.InProgressStatus)
	d.run(ge, 15*time.Minute, d.ready(ge), d.neverStalled(ge))
	fx.record("ready", ge, status.CurrentStatus)

	// Ready with work under way: a third policy change within the write
	// pacing's burst of two waits its turn.
	for _, name := range []string{"first", "second", "third"} {
		d.attachPolicy(name, "gw")
		_, _, err := d.pass(ge)
		d.g.Expect(err).NotTo(HaveOccurred())
	}
	d.g.Expect(d.condition(ge, v1alpha1.ConditionPolicyApplied)).To(HavePrefix("True/PolicyWriteQueued"))
	d.g.Expect(d.condition(ge, v1alpha1.ConditionReady)).To(HavePrefix("True/"))
	fx.record("policy-write-queued", ge, status.InProgressStatus)

	// Status names another object's endpoint, and this one has none.
	forged := d.create("forged", privateDNSOff)
	d.forgeEndpointID(forged, ge.Status.EndpointID)
	d.untilStalled(forged, v1alpha1.ReasonNotOwned)
	fx.record("stalled-not-owned", forged, status.FailedStatus)

	// A transient EC2 failure is retried: work under way, not stalled.
	d.sim.SetFault("CreateVpcEndpoint", ec2sim.Fault{ErrorRate: 1, ErrorCode: "InternalError"})
	flaky := d.create("flaky", privateDNSOff)
	res, _, err = d.pass(flaky) // the group, whose rules wait for EC2 to list it
	d.g.Expect(err).NotTo(HaveOccurred())
	d.clock.Step(res.RequeueAfter)
	_, _, err = d.pass(flaky)
	d.g.Expect(err).To(HaveOccurred())
	d.g.Expect(d.condition(flaky, v1alpha1.ConditionReconciling)).To(HavePrefix("True/" + v1alpha1.ReasonAWSError))
	fx.record("transient-error", flaky, status.InProgressStatus)
	d.sim.ClearFaults()

	// Deleting: the endpoint first, which AWS keeps deleting for a while.
	d.g.Expect(env.Client.Delete(context.Background(), ge)).To(Succeed())
	_, gone, err := d.pass(ge)
	d.g.Expect(err).NotTo(HaveOccurred())
	d.g.Expect(gone).To(BeFalse())
	d.g.Expect(d.condition(ge, v1alpha1.ConditionReconciling)).To(HavePrefix("True/" + v1alpha1.ReasonDeleting))
	fx.record("deleting", ge, status.TerminatingStatus)
}

// untilStalled reconciles ge until it is Stalled, and wants reason.
func (d *directSim) untilStalled(ge *v1alpha1.GatewayEndpoint, reason string) {
	d.t.Helper()
	d.run(ge, time.Minute, func() bool {
		return strings.HasPrefix(d.condition(ge, v1alpha1.ConditionStalled), "True/")
	}, nil)
	d.g.Expect(d.condition(ge, v1alpha1.ConditionStalled)).To(HavePrefix("True/"+reason), "%s", ge.Name)
}

// attachPolicy creates a GatewayAccessPolicy for endpoint in the test's
// namespace and waits until the reconciler's cache has it.
func (d *directSim) attachPolicy(name, endpoint string) {
	d.t.Helper()
	p := &v1alpha1.GatewayAccessPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: d.namespace},
		Spec: v1alpha1.GatewayAccessPolicySpec{
			EndpointRef: v1alpha1.EndpointReference{Name: endpoint},
			GatewayARNs: []string{gatewayARN(name + "-tools")},
		},
	}
	d.g.Expect(env.Client.Create(context.Background(), p)).To(Succeed())
	d.g.Eventually(func() error {
		return d.reader.Get(context.Background(), client.ObjectKeyFromObject(p), &v1alpha1.GatewayAccessPolicy{})
	}, 10*time.Second, 10*time.Millisecond).Should(Succeed())
}

// forgeEndpointID writes id into ge's status.endpointID, as someone with
// rights on the status subresource could.
func (d *directSim) forgeEndpointID(ge *v1alpha1.GatewayEndpoint, id string) {
	d.t.Helper()
	patch := client.MergeFrom(ge.DeepCopy())
	ge.Status.EndpointID = id
	d.g.Expect(env.Client.Status().Patch(context.Background(), ge, patch)).To(Succeed())
}
