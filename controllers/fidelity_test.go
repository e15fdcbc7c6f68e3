package controllers_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	. "github.com/onsi/gomega"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/agentcore-io/vpce-operator/api/v1alpha1"
	"github.com/agentcore-io/vpce-operator/controllers"
	"github.com/agentcore-io/vpce-operator/internal/ec2sim"
	"github.com/agentcore-io/vpce-operator/internal/policy"
)

// Each test here has EC2 behave as AWS documents it, in the ways that are
// easy to forget: a response lost after the change was made, reads that lag
// behind writes, a modification that sends the endpoint back to pending.

// lostResponseCodes are the answers a call that took effect gets instead of
// its own: InternalError (HTTP 500), which the SDK retries, so the retry
// meets EC2's answer to a repeated call (a duplicate, the same endpoint for
// the same ClientToken, NotFound for what is gone); and RequestExpired
// (HTTP 400), which the SDK does not retry and the operator takes for
// transient, so its next pass must find what the call did.
var lostResponseCodes = []string{"InternalError", "RequestExpired"}

func TestEveryMutatingCallThatTookEffectButLostItsAnswerConvergesWithoutDuplicatesOrStalls(t *testing.T) {
	cases := []struct {
		action string
		// scenario: create (to Ready), adopt (to Ready), drop-subnet (from
		// Ready to Ready in two subnets) or delete (until the object is
		// gone).
		scenario       string
		repeatedModify string
	}{
		{"CreateSecurityGroup", "create", ""},
		{"AuthorizeSecurityGroupIngress", "create", ""},
		{"CreateVpcEndpoint", "create", ""},
		{"ModifyVpcEndpoint", "create", ""}, // turning private DNS on once available
		// A retried removal of a subnet already removed: answered as a set
		// operation would, or refused as EC2 may.
		{"ModifyVpcEndpoint", "drop-subnet", ec2sim.RepeatedModifySucceed},
		{"ModifyVpcEndpoint", "drop-subnet", ec2sim.RepeatedModifyInvalidParameter},
		{"CreateTags", "adopt", ""},
		{"DeleteVpcEndpoints", "delete", ""},
		{"DeleteSecurityGroup", "delete", ""},
	}
	for _, code := range lostResponseCodes {
		for _, c := range cases {
			name := code + "/" + c.action
			if c.scenario == "drop-subnet" {
				name += "/" + c.scenario + "/" + c.repeatedModify
			}
			t.Run(name, func(t *testing.T) {
				// AWS's minutes are not what this is about: shorter ones
				// take fewer passes.
				d := newDirectSim(t, directOptions{sim: func(o *ec2sim.Options) {
					o.PendingDelay, o.DeletingDelay, o.InterfaceLinger = 15*time.Second, 15*time.Second, 10*time.Second
					o.RepeatedModify = c.repeatedModify
					if c.action == "DeleteSecurityGroup" {
						// The first attempt then finds the group free, and
						// the fault meets a call that takes effect.
						o.InterfaceLinger = -1
					}
				}})
				fault := ec2sim.Fault{ErrorRate: 1, ErrorCode: code, AfterApply: true, Times: 1}
				var ge *v1alpha1.GatewayEndpoint
				var adopted string
				operatorSawIt := false
				check := func(res ctrl.Result, err error) {
					d.neverStalled(ge)(res, err)
					operatorSawIt = operatorSawIt || err != nil
				}

				switch c.scenario {
				case "create":
					d.sim.SetFault(c.action, fault)
					ge = d.create("lost")
					d.run(ge, 30*time.Minute, d.ready(ge), check)
				case "adopt":
					adopted = d.createEndpointBehindTheOperator(false)
					d.tag(adopted, v1alpha1.TagCluster, clusterName)
					d.sim.SetFault(c.action, fault)
					ge = d.create("lost", func(ge *v1alpha1.GatewayEndpoint) { ge.Spec.AdoptEndpointID = adopted })
					d.run(ge, 30*time.Minute, d.ready(ge), check)
				case "drop-subnet":
					ge = d.create("lost")
					d.run(ge, 30*time.Minute, d.ready(ge), check)
					d.sim.SetFault(c.action, fault)
					patch := client.MergeFrom(ge.DeepCopy())
					ge.Spec.SubnetIDs = d.subnets[:2]
					d.g.Expect(env.Client.Patch(context.Background(), ge, patch)).To(Succeed())
					d.run(ge, 30*time.Minute, func() bool {
						return d.ready(ge)() && ge.Status.ObservedGeneration == ge.Generation && len(ge.Status.SubnetIDs) == 2
					}, check)
				case "delete":
					ge = d.create("lost")
					d.run(ge, 30*time.Minute, d.ready(ge), check)
					d.sim.SetFault(c.action, fault)
					d.g.Expect(env.Client.Delete(context.Background(), ge)).To(Succeed())
					d.run(ge, 30*time.Minute, func() bool { return false }, check)
				}

				calls := d.sim.Calls()
				d.g.Expect(calls[c.action]).To(HaveKeyWithValue(code, 1), "the fault was met: %v", calls)
				d.g.Expect(calls[c.action]).NotTo(HaveKey("DependencyViolation"), "the faulty call took effect")
				switch {
				case code == "RequestExpired" && c.action == "CreateTags":
					// The adoption reads the tags back whatever CreateTags
					// answered: the tags are there, so it goes on.
				case code == "RequestExpired":
					d.g.Expect(operatorSawIt).To(BeTrue(), "a code the SDK does not retry reaches the operator")
				default:
					d.g.Expect(operatorSawIt).To(BeFalse(), "the SDK's retry met EC2's answer to a repeated call, which the operator takes for done")
				}
				live, groups := d.liveEndpoints(), d.ownedGroups()
				if c.scenario == "delete" {
					d.g.Expect(live).To(BeEmpty(), "the endpoint is deleted")
					d.g.Expect(groups).To(BeEmpty(), "the group is deleted")
					return
				}
				d.g.Expect(live).To(HaveLen(1), "one endpoint, not two")
				d.g.Expect(aws.ToString(live[0].VpcEndpointId)).To(Equal(ge.Status.EndpointID))
				d.g.Expect(tagMap(live[0].Tags)).To(HaveKeyWithValue(v1alpha1.TagUID, string(ge.UID)))
				d.g.Expect(aws.ToBool(live[0].PrivateDnsEnabled)).To(BeTrue())
				d.g.Expect(groups).To(HaveLen(1), "one group, not two")
				d.g.Expect(ge.Status.SecurityGroupIDs).To(Equal([]string{aws.ToString(groups[0].GroupId)}))
				d.g.Expect(groups[0].IpPermissions).To(HaveLen(1))
				d.g.Expect(groups[0].IpPermissions[0].UserIdGroupPairs).To(HaveLen(1), "one rule, from the agents' group")
				if c.scenario == "drop-subnet" {
					d.g.Expect(live[0].SubnetIds).To(ConsistOf(d.subnets[:2]))
				}
				if c.scenario == "adopt" {
					d.g.Expect(ge.Status.EndpointID).To(Equal(adopted))
					d.g.Expect(d.requests.operatorCalls("CreateVpcEndpoint")).To(BeZero())
				}
			})
		}
	}
}

// tag tags resource id directly in the simulator, as a person would.
func (d *directSim) tag(id, key, value string) {
	d.t.Helper()
	_, err := d.ec2.CreateTags(context.Background(), &ec2.CreateTagsInput{
		Resources: []string{id}, Tags: []ec2types.Tag{{Key: aws.String(key), Value: aws.String(value)}},
	})
	d.g.Expect(err).NotTo(HaveOccurred())
}

func TestAnEndpointDeletedInsideEC2sConsistencyLagIsDeletedNotOrphaned(t *testing.T) {
	d := newDirectSim(t, directOptions{})
	// Existing groups: a group of the operator's own would be as late as
	// the endpoint, and hold the create pass up before it.
	ge := d.create("late", func(ge *v1alpha1.GatewayEndpoint) {
		ge.Spec.SecurityGroup = v1alpha1.SecurityGroupSpec{IDs: []string{d.agentsSG}}
	})
	d.sim.SetEventualConsistency(5 * time.Second)
	_, _, err := d.pass(ge)
	d.g.Expect(err).NotTo(HaveOccurred())
	d.g.Expect(ge.Status.EndpointID).NotTo(BeEmpty())
	created := ge.Status.EndpointID

	// Deleted at once: EC2 does not list the endpoint yet.
	d.g.Expect(env.Client.Delete(context.Background(), ge)).To(Succeed())
	start := d.clock.Now()
	passes := d.run(ge, 10*time.Minute, func() bool { return false }, nil)
	t.Logf("deleted after %d passes, %s of fake time", passes, d.clock.Since(start))

	d.sim.SetEventualConsistency(0)
	d.g.Expect(d.liveEndpoints()).To(BeEmpty(), "the endpoint created a moment before the deletion is not left behind")
	d.g.Expect(d.sim.Calls()["DeleteVpcEndpoints"]).To(HaveKeyWithValue("OK", 1))
	d.g.Expect(d.requests.operatorCalls("DeleteVpcEndpoints", "VpcEndpointId.1")).To(Equal(1))
	d.g.Expect(d.requests.deleted()).To(ConsistOf(created))
}

func TestAnEndpointDeletedWhileItsCreatePassIsInFlightIsDeletedNotOrphaned(t *testing.T) {
	// The cache the deletion pass reads may not hold the create pass's
	// status write yet: the object was deleted before that write, and the
	// informer delivers events in order. The deletion must not take an
	// empty status.endpointID, and EC2 not listing the endpoint yet, for
	// "nothing was created".
	var stale *staleOnce
	d := newDirectSim(t, directOptions{tune: func(r *controllers.GatewayEndpointReconciler) {
		stale = &staleOnce{Client: r.Client}
		r.Client = stale
	}})
	ge := d.create("in-flight", func(ge *v1alpha1.GatewayEndpoint) {
		ge.Spec.SecurityGroup = v1alpha1.SecurityGroupSpec{IDs: []string{d.agentsSG}}
	})
	d.sim.SetEventualConsistency(5 * time.Second)
	// The create call takes a second, long enough to delete the object
	// meanwhile.
	d.sim.SetFault("CreateVpcEndpoint", ec2sim.Fault{Latency: time.Second, Times: 1})
	done := make(chan error, 1)
	d.synced(ge)
	go func() {
		_, err := d.r.Reconcile(context.Background(), ctrl.Request{NamespacedName: client.ObjectKeyFromObject(ge)})
		done <- err
	}()
	d.g.Eventually(func() []string {
		latest := &v1alpha1.GatewayEndpoint{}
		_ = env.Client.Get(context.Background(), client.ObjectKeyFromObject(ge), latest)
		return latest.Finalizers
	}, 10*time.Second, 10*time.Millisecond).Should(ContainElement(v1alpha1.Finalizer))
	d.g.Expect(env.Client.Delete(context.Background(), ge)).To(Succeed())
	deleted := &v1alpha1.GatewayEndpoint{}
	d.g.Expect(env.Client.Get(context.Background(), client.ObjectKeyFromObject(ge), deleted)).To(Succeed())
	d.g.Expect(deleted.Status.EndpointID).To(BeEmpty(), "deleted before the create pass wrote status")
	d.g.Eventually(done, 10*time.Second).Should(Receive(BeNil()))
	d.g.Expect(env.Client.Get(context.Background(), client.ObjectKeyFromObject(ge), ge)).To(Succeed())
	d.g.Expect(ge.Status.EndpointID).NotTo(BeEmpty(), "the create pass made the endpoint")
	created := ge.Status.EndpointID

	stale.serve(deleted)
	d.run(ge, 10*time.Minute, func() bool { return false }, nil)

	d.sim.SetEventualConsistency(0)
	d.g.Expect(d.liveEndpoints()).To(BeEmpty(), "endpoint %s is not left behind", created)
	d.g.Expect(d.requests.deleted()).To(ConsistOf(created))
}

// staleOnce is the reconciler's reader, serving once an older copy of one
// GatewayEndpoint, as an informer cache that has not caught up does.
type staleOnce struct {
	client.Client
	mu   sync.Mutex
	next *v1alpha1.GatewayEndpoint
}

func (c *staleOnce) serve(old *v1alpha1.GatewayEndpoint) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.next = old.DeepCopy()
}

func (c *staleOnce) Get(ctx context.Context, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
	c.mu.Lock()
	old := c.next
	ge, ok := obj.(*v1alpha1.GatewayEndpoint)
	if old != nil && ok && key == client.ObjectKeyFromObject(old) {
		c.next = nil
		c.mu.Unlock()
		old.DeepCopyInto(ge)
		return nil
	}
	c.mu.Unlock()
	return c.Client.Get(ctx, key, obj, opts...)
}

func TestAGatewayEndpointDeletedRightAfterItsCreationLeavesNoEndpointInEC2(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	h.sim.SetEventualConsistency(5 * time.Second)
	// A slow create keeps the deletion inside the create pass.
	h.sim.SetFault("CreateVpcEndpoint", ec2sim.Fault{Latency: time.Second, Times: 1})
	ge := h.endpoint("short-lived", func(ge *v1alpha1.GatewayEndpoint) {
		ge.Spec.SecurityGroup = v1alpha1.SecurityGroupSpec{IDs: []string{h.agentsSG}}
	})
	h.create(ge)
	h.g.Eventually(func() []string { return h.get(ge).GetFinalizers() }, 10*time.Second, 10*time.Millisecond).
		Should(ContainElement(v1alpha1.Finalizer))
	h.delete(ge)
	h.g.Eventually(h.exists(ge), 30*time.Second, 100*time.Millisecond).Should(BeFalse())

	h.g.Expect(h.sim.Calls()["CreateVpcEndpoint"]).To(HaveKeyWithValue("OK", 1), "the endpoint was created")
	h.sim.SetEventualConsistency(0)
	h.g.Expect(h.endpoints()).To(BeEmpty(), "and deleted, not orphaned")
}

func TestAModificationThatSendsTheEndpointBackToPendingNeverClaimsAPolicyAWSHasNotTaken(t *testing.T) {
	d := newDirectSim(t, directOptions{})
	ge := d.create("reprovisioned")
	d.run(ge, 30*time.Minute, d.ready(ge), func(res ctrl.Result, err error) {
		d.claimsOnlyWhatAWSHas(ge)(res, err)
		d.readyOnlyWhenAvailable(ge)
	})
	id := ge.Status.EndpointID
	d.requests.reset()

	patch := client.MergeFrom(ge.DeepCopy())
	ge.Spec.SubnetIDs = d.subnets[:2]
	d.g.Expect(env.Client.Patch(context.Background(), ge, patch)).To(Succeed())
	_, _, err := d.pass(ge)
	d.g.Expect(err).NotTo(HaveOccurred())
	d.g.Expect(d.requests.operatorCalls("ModifyVpcEndpoint", "RemoveSubnetId.1")).To(Equal(1), "the subnet is dropped in place")
	d.claimsOnlyWhatAWSHas(ge)(ctrl.Result{}, nil)
	d.g.Expect(d.condition(ge, v1alpha1.ConditionEndpointAvailable)).To(HavePrefix("False/Pending"))
	d.g.Expect(d.condition(ge, v1alpha1.ConditionReady)).To(HavePrefix("False/Pending"))
	d.g.Expect(strings.ToLower(string(d.endpointOf(id).State))).To(Equal("pending"), "EC2 re-provisions it")

	// A team attaches a policy while the endpoint is pending.
	gap := &v1alpha1.GatewayAccessPolicy{}
	gap.Namespace, gap.Name = d.namespace, "team"
	gap.Spec = v1alpha1.GatewayAccessPolicySpec{EndpointRef: v1alpha1.EndpointReference{Name: ge.Name}, GatewayARNs: []string{gatewayARN("gw-team")}}
	d.g.Expect(env.Client.Create(context.Background(), gap)).To(Succeed())
	d.g.Eventually(func() error { return d.reader.Get(context.Background(), client.ObjectKeyFromObject(gap), gap) }, 10*time.Second, 10*time.Millisecond).Should(Succeed())
	d.clock.Step(2 * time.Second)
	_, _, err = d.pass(ge)
	d.g.Expect(err).NotTo(HaveOccurred())
	d.claimsOnlyWhatAWSHas(ge)(ctrl.Result{}, nil)
	d.g.Expect(d.condition(ge, v1alpha1.ConditionReady)).To(HavePrefix("False/Pending"))
	d.g.Expect(d.condition(ge, v1alpha1.ConditionPolicyApplied)).To(HavePrefix("False/Pending"))
	d.g.Expect(policy.AllowedResources(aws.ToString(d.endpointOf(id).PolicyDocument))).To(BeEmpty())

	sawPending := 0
	d.run(ge, 30*time.Minute, d.ready(ge), func(res ctrl.Result, err error) {
		d.claimsOnlyWhatAWSHas(ge)(res, err)
		d.readyOnlyWhenAvailable(ge)
		if strings.HasPrefix(d.condition(ge, v1alpha1.ConditionPolicyApplied), "True/") {
			d.g.Expect(policy.AllowedResources(aws.ToString(d.endpointOf(id).PolicyDocument))).
				To(HaveKey(policy.StatementID(gap.Namespace, gap.Name)), "PolicyApplied is True before EC2 has the team's statement")
		}
		if strings.HasPrefix(d.condition(ge, v1alpha1.ConditionReady), "False/Pending") {
			sawPending++
		}
	})
	d.g.Expect(sawPending).To(BeNumerically(">", 0), "Ready says Pending while EC2 re-provisions")
	d.g.Expect(d.condition(ge, v1alpha1.ConditionPolicyApplied)).To(HavePrefix("True/"))
	d.g.Expect(policy.AllowedResources(aws.ToString(d.endpointOf(id).PolicyDocument))).
		To(HaveKeyWithValue(policy.StatementID(gap.Namespace, gap.Name), []string{gatewayARN("gw-team")}))
	d.g.Expect(ge.Status.EndpointID).To(Equal(id), "modified in place")
	d.g.Expect(ge.Status.SubnetIDs).To(ConsistOf(d.subnets[:2]))
	d.g.Expect(d.requests.operatorCalls("ModifyVpcEndpoint", "PolicyDocument")).To(Equal(1), "the policy is written once, when the endpoint is available")
}

// claimsOnlyWhatAWSHas checks, after a pass, that every statement status
// says is applied is in the document EC2 reports, and that PolicyApplied is
// True only when that document is exactly what status says.
func (d *directSim) claimsOnlyWhatAWSHas(ge *v1alpha1.GatewayEndpoint) func(ctrl.Result, error) {
	return func(ctrl.Result, error) {
		d.t.Helper()
		if ge.Status.EndpointID == "" {
			return
		}
		inAWS := policy.AllowedResources(aws.ToString(d.endpointOf(ge.Status.EndpointID).PolicyDocument))
		var claimed []string
		if p := ge.Status.Policy; p != nil {
			for _, st := range p.Statements {
				claimed = append(claimed, policy.StatementID(st.Namespace, st.Name))
			}
		}
		for _, sid := range claimed {
			d.g.Expect(inAWS).To(HaveKey(sid), "status.policy claims a statement EC2 does not have")
		}
		if strings.HasPrefix(d.condition(ge, v1alpha1.ConditionPolicyApplied), "True/") {
			d.g.Expect(inAWS).To(HaveLen(len(claimed)), "PolicyApplied is True with another document in EC2: %s", d.condition(ge, v1alpha1.ConditionPolicyApplied))
		}
	}
}

// readyOnlyWhenAvailable checks, after a pass, that Ready is True only while
// EC2 reports the endpoint available.
func (d *directSim) readyOnlyWhenAvailable(ge *v1alpha1.GatewayEndpoint) {
	d.t.Helper()
	if ge.Status.EndpointID == "" || !d.ready(ge)() {
		return
	}
	d.g.Expect(strings.ToLower(string(d.endpointOf(ge.Status.EndpointID).State))).To(Equal("available"),
		"Ready is True while EC2 re-provisions the endpoint: %s", d.condition(ge, v1alpha1.ConditionReady))
}
