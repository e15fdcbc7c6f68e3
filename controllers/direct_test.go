package controllers_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	. "github.com/onsi/gomega"
	"k8s.io/client-go/tools/events"
	clocktesting "k8s.io/utils/clock/testing"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/agentcore-io/vpce-operator/api/v1alpha1"
	"github.com/agentcore-io/vpce-operator/controllers"
	awsclient "github.com/agentcore-io/vpce-operator/internal/aws"
	"github.com/agentcore-io/vpce-operator/internal/ec2sim"
	"github.com/agentcore-io/vpce-operator/internal/testenv"
)

// The direct tier: a GatewayEndpointReconciler built by hand, its Reconcile
// called by the test, and one fake clock for it and the simulator, so that
// AWS's minutes (pending, consistency, pacing) pass in no time and every
// decision and requeue can be checked exactly. No controller workers run.

// awsPending is how long AWS keeps a new or re-provisioned endpoint pending.
const awsPending = 3 * time.Minute

type direct struct {
	t         *testing.T
	g         Gomega
	clock     *clocktesting.FakeClock
	sim       *ec2sim.Simulator
	ec2       *ec2.Client
	reader    client.Client // reads through the indexed cache, as in production
	r         *controllers.GatewayEndpointReconciler
	namespace string
	vpcID     string
	subnets   []string
	agentsSG  string
}

func newDirect(t *testing.T, tune func(*controllers.GatewayEndpointReconciler)) *direct {
	t.Helper()
	clock := clocktesting.NewFakeClock(time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC))
	sim := ec2sim.New(ec2sim.Options{
		Region: region, PendingDelay: awsPending, DeletingDelay: time.Minute, Clock: clock.Now,
		Throttle: ec2sim.ThrottleConfig{Disabled: true},
		IAM:      &ec2sim.IAMConfig{Policy: shippedIAMPolicy(t), AccessKeyID: operatorAccessKey},
	})
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	net := seedNetwork(t, sim, srv.URL)
	d := &direct{t: t, g: NewWithT(t), clock: clock, sim: sim, ec2: net.api, vpcID: net.vpcID, subnets: net.subnets,
		agentsSG: net.agentsSG, namespace: testNamespace(t)}
	d.g.Expect(env.Client.Create(context.Background(), testenv.Namespace(d.namespace, nil))).To(Succeed())

	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	c, err := cache.New(env.Config, cache.Options{Scheme: env.Scheme, DefaultNamespaces: map[string]cache.Config{d.namespace: {}}})
	d.g.Expect(err).NotTo(HaveOccurred())
	d.g.Expect(controllers.SetupIndexes(ctx, c)).To(Succeed())
	go func() { _ = c.Start(ctx) }()
	d.g.Expect(c.WaitForCacheSync(ctx)).To(BeTrue())
	d.reader, err = client.New(env.Config, client.Options{Scheme: env.Scheme, Cache: &client.CacheOptions{Reader: c}})
	d.g.Expect(err).NotTo(HaveOccurred())

	d.r = &controllers.GatewayEndpointReconciler{
		Client:              d.reader,
		Recorder:            &events.FakeRecorder{},
		Clouds:              controllers.NewClouds(awsclient.ClientOptions{Endpoint: srv.URL, STSEndpoint: srv.URL, RateLimitScale: -1}),
		Clock:               clock,
		DefaultRegion:       region,
		ClusterName:         clusterName,
		PropagationDelay:    15 * time.Minute,
		SyncPeriod:          10 * time.Minute,
		LostEndpointGrace:   time.Minute,
		PolicyWriteInterval: 30 * time.Second,
		PolicyWriteBurst:    2,
		ConsistencyLag:      5 * time.Second,
	}
	if tune != nil {
		tune(d.r)
	}
	return d
}

// reconcile calls Reconcile once, after the cache has caught up with ge.
func (d *direct) reconcile(ge *v1alpha1.GatewayEndpoint) ctrl.Result {
	d.t.Helper()
	d.synced(ge)
	res, err := d.r.Reconcile(context.Background(), ctrl.Request{NamespacedName: client.ObjectKeyFromObject(ge)})
	d.g.Expect(err).NotTo(HaveOccurred())
	d.g.Expect(env.Client.Get(context.Background(), client.ObjectKeyFromObject(ge), ge)).To(Succeed())
	return res
}

// synced waits until the cache holds obj as the API server has it.
func (d *direct) synced(obj client.Object) {
	d.t.Helper()
	latest := obj.DeepCopyObject().(client.Object)
	d.g.Expect(env.Client.Get(context.Background(), client.ObjectKeyFromObject(obj), latest)).To(Succeed())
	d.g.Eventually(func() string {
		cached := obj.DeepCopyObject().(client.Object)
		if err := d.reader.Get(context.Background(), client.ObjectKeyFromObject(obj), cached); err != nil {
			return err.Error()
		}
		return cached.GetResourceVersion()
	}, 10*time.Second, 10*time.Millisecond).Should(Equal(latest.GetResourceVersion()))
}

// untilReady reconciles ge, moving the clock on by each requeue, until it
// is Ready: group, rules, endpoint, private DNS once available, available
// again.
func (d *direct) untilReady(ge *v1alpha1.GatewayEndpoint) {
	d.t.Helper()
	for range 200 {
		res := d.reconcile(ge)
		if strings.HasPrefix(d.condition(ge, v1alpha1.ConditionReady), "True/") {
			return
		}
		d.clock.Step(max(res.RequeueAfter, time.Second))
	}
	d.t.Fatalf("%s is not Ready after 200 passes: %s", ge.Name, d.condition(ge, v1alpha1.ConditionReady))
}

func (d *direct) endpoint(name string) *v1alpha1.GatewayEndpoint {
	ge := &v1alpha1.GatewayEndpoint{}
	ge.Namespace, ge.Name = d.namespace, name
	ge.Spec = v1alpha1.GatewayEndpointSpec{
		VPCID: d.vpcID, SubnetIDs: d.subnets,
		SecurityGroup: v1alpha1.SecurityGroupSpec{Managed: &v1alpha1.ManagedSecurityGroup{
			AllowedSources: v1alpha1.AllowedSources{SecurityGroupIDs: []string{d.agentsSG}},
		}},
	}
	d.g.Expect(env.Client.Create(context.Background(), ge)).To(Succeed())
	return ge
}

func (d *direct) condition(ge *v1alpha1.GatewayEndpoint, condType string) string {
	for _, c := range ge.Status.Conditions {
		if c.Type == condType {
			return string(c.Status) + "/" + c.Reason + ": " + c.Message
		}
	}
	return "absent"
}

func TestTheCreatePathMakesFourMutatingCallsAndTurnsPrivateDNSOnOnlyOnceAvailable(t *testing.T) {
	d := newDirect(t, nil)
	ge := d.endpoint("gw")

	res := d.reconcile(ge) // finalizer, group
	d.g.Expect(d.condition(ge, v1alpha1.ConditionSecurityGroupReady)).To(HavePrefix("False/Creating"),
		"the rules wait for EC2 to list the new group, so that they are not refused with InvalidGroup.NotFound")
	d.g.Expect(ge.Status.EndpointID).To(BeEmpty(), "no endpoint before its group's rules")
	d.clock.Step(res.RequeueAfter)
	res = d.reconcile(ge) // rules, endpoint
	d.g.Expect(ge.Status.EndpointID).NotTo(BeEmpty())
	d.g.Expect(d.privateDNS(ge.Status.EndpointID)).To(BeFalse(), "created with private DNS off")
	d.g.Expect(d.condition(ge, v1alpha1.ConditionEndpointAvailable)).To(HavePrefix("False/Pending"))
	d.g.Expect(res.RequeueAfter).To(BeNumerically("<=", 5*time.Second), "a pending endpoint is rechecked within seconds")

	d.clock.Step(awsPending)
	d.reconcile(ge) // available: private DNS goes on, back to pending
	d.g.Expect(d.privateDNS(ge.Status.EndpointID)).To(BeTrue())
	d.g.Expect(d.condition(ge, v1alpha1.ConditionReady)).To(HavePrefix("False/"))

	d.clock.Step(awsPending)
	d.reconcile(ge)
	d.g.Expect(d.condition(ge, v1alpha1.ConditionReady)).To(HavePrefix("True/Ready"))
	mutating := d.sim.MutatingCalls()
	t.Logf("mutating calls from apply to Ready: %d (%v)", mutating, d.sim.Calls())
	d.g.Expect(mutating).To(Equal(4))
	for _, action := range []string{"CreateSecurityGroup", "AuthorizeSecurityGroupIngress", "CreateVpcEndpoint", "ModifyVpcEndpoint"} {
		d.g.Expect(d.sim.Calls()[action]).To(Equal(map[string]int{"OK": 1}), action)
	}

	// Steady state: a resync writes nothing and asks for the next at the
	// sync period, jittered by at most 10%.
	d.sim.ResetCalls()
	res = d.reconcile(ge)
	d.g.Expect(d.sim.MutatingCalls()).To(Equal(0))
	d.g.Expect(res.RequeueAfter).To(And(BeNumerically(">=", 10*time.Minute), BeNumerically("<=", 11*time.Minute)))
}

func TestAStalledEndpointWaitsFiveMinutesAndResumesOnceTheVPCIsFixed(t *testing.T) {
	d := newDirect(t, nil)
	_, err := d.ec2.ModifyVpcAttribute(context.Background(), &ec2.ModifyVpcAttributeInput{
		VpcId: ptr.To(d.vpcID), EnableDnsHostnames: &ec2types.AttributeBooleanValue{Value: ptr.To(false)},
	})
	d.g.Expect(err).NotTo(HaveOccurred())
	ge := d.endpoint("gw")
	res := d.reconcile(ge) // the group; its rules and the endpoint wait for EC2 to list it
	d.clock.Step(res.RequeueAfter)
	res = d.reconcile(ge)
	d.g.Expect(d.condition(ge, v1alpha1.ConditionStalled)).To(And(HavePrefix("True/VPCDNSDisabled"), ContainSubstring("enableDnsHostnames")))
	d.g.Expect(res.RequeueAfter).To(Equal(5 * time.Minute))
	d.g.Expect(d.sim.Calls()).NotTo(HaveKey("CreateVpcEndpoint"))

	_, err = d.ec2.ModifyVpcAttribute(context.Background(), &ec2.ModifyVpcAttributeInput{
		VpcId: ptr.To(d.vpcID), EnableDnsHostnames: &ec2types.AttributeBooleanValue{Value: ptr.To(true)},
	})
	d.g.Expect(err).NotTo(HaveOccurred())
	d.clock.Step(5 * time.Minute)
	d.reconcile(ge)
	d.g.Expect(d.condition(ge, v1alpha1.ConditionStalled)).To(Equal("absent"))
	d.g.Expect(ge.Status.EndpointID).NotTo(BeEmpty())
}

func (d *direct) privateDNS(id string) bool {
	d.t.Helper()
	out, err := d.ec2.DescribeVpcEndpoints(context.Background(), &ec2.DescribeVpcEndpointsInput{VpcEndpointIds: []string{id}})
	d.g.Expect(err).NotTo(HaveOccurred())
	d.g.Expect(out.VpcEndpoints).To(HaveLen(1))
	return aws.ToBool(out.VpcEndpoints[0].PrivateDnsEnabled)
}

func TestAClientTokenSpentOnAnEndpointThatIsGoneIsReplacedAfterTheGrace(t *testing.T) {
	d := newDirect(t, nil)
	ge := d.endpoint("gw")
	// Someone (an earlier attempt with other parameters, deleted before the
	// operator saw it) spent the object's client token.
	out, err := d.ec2.CreateVpcEndpoint(context.Background(), &ec2.CreateVpcEndpointInput{
		VpcId: ptr.To(d.vpcID), ServiceName: ptr.To(awsclient.DefaultServiceName(region)),
		VpcEndpointType: ec2types.VpcEndpointTypeInterface, SubnetIds: d.subnets[:1],
		PrivateDnsEnabled: ptr.To(false), ClientToken: ptr.To("gwe-" + string(ge.UID)),
	})
	d.g.Expect(err).NotTo(HaveOccurred())
	_, err = d.ec2.DeleteVpcEndpoints(context.Background(), &ec2.DeleteVpcEndpointsInput{VpcEndpointIds: []string{aws.ToString(out.VpcEndpoint.VpcEndpointId)}})
	d.g.Expect(err).NotTo(HaveOccurred())

	res := d.reconcile(ge) // the group; its rules and the endpoint wait for EC2 to list it
	d.clock.Step(res.RequeueAfter)
	res = d.reconcile(ge)
	d.g.Expect(d.condition(ge, v1alpha1.ConditionEndpointAvailable)).To(HavePrefix("False/Creating"))
	d.g.Expect(d.sim.Calls()["CreateVpcEndpoint"]["IdempotentParameterMismatch"]).To(BeNumerically(">=", 1))
	d.g.Expect(res.RequeueAfter).To(BeNumerically(">", 0))

	d.clock.Step(time.Minute) // the lost-endpoint grace
	d.reconcile(ge)
	d.reconcile(ge)
	d.g.Expect(ge.Status.EndpointID).NotTo(BeEmpty())
	d.g.Expect(d.sim.Calls()["CreateVpcEndpoint"]).To(HaveKeyWithValue("OK", 2), "the person's create and the operator's, with a new token")
}
