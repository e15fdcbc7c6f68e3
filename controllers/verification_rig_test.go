package controllers_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/go-logr/logr"
	"github.com/go-logr/logr/funcr"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/events"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/agentcore-io/vpce-operator/api/v1alpha1"
	"github.com/agentcore-io/vpce-operator/controllers"
	"github.com/agentcore-io/vpce-operator/internal/gatewaysim"
	"github.com/agentcore-io/vpce-operator/internal/verify"
)

// The verification tier: the direct tier (direct_test.go) with a simulated
// AgentCore Gateway in front of the simulated endpoint, both on the test's
// fake clock, and a Verifier called by the test as its pool would call it.
// The gateway reads the endpoint's policy from the EC2 simulator and caches
// it for 15 minutes, as AgentCore does.

// gatewayPolicies reads an endpoint's policy from the EC2 simulator, for the
// gateway simulator, with the test's (unrestricted) client.
type gatewayPolicies struct{ ec2 *ec2.Client }

func (p gatewayPolicies) EndpointPolicy(endpointID string) (string, error) {
	out, err := p.ec2.DescribeVpcEndpoints(context.Background(), &ec2.DescribeVpcEndpointsInput{VpcEndpointIds: []string{endpointID}})
	if err != nil {
		return "", err
	}
	if len(out.VpcEndpoints) != 1 {
		return "", errors.New("endpoint " + endpointID + " not found")
	}
	return aws.ToString(out.VpcEndpoints[0].PolicyDocument), nil
}

// probeDNS answers names as the VPC's resolver would: a gateway's name with
// the addresses the test set (the endpoint's interfaces, once private DNS is
// on), the endpoint's own names with its interfaces, unless the test says
// otherwise for a host. It records every lookup.
type probeDNS struct {
	mu        sync.Mutex
	gateways  []string
	endpoint  []string
	overrides map[string][]string
	lookups   []string
}

func (r *probeDNS) resolve(_ context.Context, host string) ([]string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.lookups = append(r.lookups, host)
	if a, ok := r.overrides[host]; ok {
		return a, nil
	}
	switch {
	case strings.HasSuffix(host, ".gateway.bedrock-agentcore."+region+".amazonaws.com"):
		return r.gateways, nil
	case strings.HasSuffix(host, ".vpce.amazonaws.com"):
		return r.endpoint, nil
	}
	return nil, fmt.Errorf("no such host %s", host)
}

func (r *probeDNS) override(host string, addrs ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.overrides == nil {
		r.overrides = map[string][]string{}
	}
	r.overrides[host] = addrs
}

// verifyRig is an endpoint made Ready by the GatewayEndpointReconciler of the
// direct tier, the simulated gateway listening on its interfaces, and a
// Verifier.
type verifyRig struct {
	*direct
	gw       *gatewaysim.Simulator
	dns      *probeDNS
	events   *events.FakeRecorder
	seen     []string // every event drained so far
	logs     *logBuffer
	v        *controllers.Verifier
	ge       *v1alpha1.GatewayEndpoint
	endpoint gatewaysim.Endpoint
}

func newVerifyRig(t *testing.T, tune ...func(*controllers.Verifier)) *verifyRig {
	t.Helper()
	return newVerifyRigWith(t, true, tune...)
}

// newVerifyRigWith is newVerifyRig with the endpoint's private DNS on or off.
func newVerifyRigWith(t *testing.T, privateDNS bool, tune ...func(*controllers.Verifier)) *verifyRig {
	t.Helper()
	d := newDirect(t, nil)
	r := &verifyRig{direct: d, dns: &probeDNS{}, events: events.NewFakeRecorder(100), logs: &logBuffer{}}
	gw, err := gatewaysim.New(gatewaysim.Options{Region: region, Policies: gatewayPolicies{ec2: d.ec2}, Clock: d.clock.Now})
	d.g.Expect(err).NotTo(HaveOccurred())
	t.Cleanup(func() { _ = gw.Close() })
	r.gw = gw

	r.ge = d.endpoint("shared")
	if !privateDNS {
		r.ge.Spec.PrivateDNS.Enabled = ptr.To(false)
		d.g.Expect(env.Client.Update(context.Background(), r.ge)).To(Succeed())
	}
	d.untilReady(r.ge)
	r.endpoint = r.interfacesOf(r.ge.Status.EndpointID)
	d.g.Expect(gw.AddEndpoint(r.endpoint)).To(Succeed())
	r.dns.gateways, r.dns.endpoint = r.endpoint.Addresses, r.endpoint.Addresses

	r.v = &controllers.Verifier{
		Client:           d.reader,
		APIReader:        env.Client,
		Recorder:         r.events,
		Clouds:           d.r.Clouds,
		Clock:            d.clock,
		DefaultRegion:    region,
		PropagationDelay: 15 * time.Minute,
		Probe:            verify.Options{Resolve: r.dns.resolve, Dial: gw.DialContext, RootCAs: gw.RootCAs(), Timeout: 3 * time.Second},
	}
	for _, f := range tune {
		f(r.v)
	}
	return r
}

// interfacesOf reads an endpoint's interface addresses from the EC2
// simulator, as the gateway simulator's poller does.
func (r *verifyRig) interfacesOf(endpointID string) gatewaysim.Endpoint {
	r.t.Helper()
	out, err := r.ec2.DescribeVpcEndpoints(context.Background(), &ec2.DescribeVpcEndpointsInput{VpcEndpointIds: []string{endpointID}})
	r.g.Expect(err).NotTo(HaveOccurred())
	r.g.Expect(out.VpcEndpoints).To(HaveLen(1))
	nis, err := r.ec2.DescribeNetworkInterfaces(context.Background(), &ec2.DescribeNetworkInterfacesInput{NetworkInterfaceIds: out.VpcEndpoints[0].NetworkInterfaceIds})
	r.g.Expect(err).NotTo(HaveOccurred())
	e := gatewaysim.Endpoint{ID: endpointID}
	for _, ni := range nis.NetworkInterfaces {
		e.Addresses = append(e.Addresses, aws.ToString(ni.PrivateIpAddress))
	}
	slices.Sort(e.Addresses)
	r.g.Expect(e.Addresses).To(HaveLen(len(r.subnets)))
	return e
}

// policy creates a GatewayAccessPolicy on the rig's endpoint admitting
// arns and verifying gateways, and lets the endpoint write it.
func (r *verifyRig) policy(name string, arns []string, gateways ...v1alpha1.VerifiedGateway) *v1alpha1.GatewayAccessPolicy {
	r.t.Helper()
	p := &v1alpha1.GatewayAccessPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: r.namespace, Name: name}}
	p.Spec = v1alpha1.GatewayAccessPolicySpec{EndpointRef: v1alpha1.EndpointReference{Name: r.ge.Name}, GatewayARNs: arns}
	if len(gateways) > 0 {
		p.Spec.Verify = &v1alpha1.VerifySpec{Gateways: gateways}
	}
	r.g.Expect(env.Client.Create(context.Background(), p)).To(Succeed())
	r.applyPolicies()
	return p
}

// applyPolicies lets the endpoint write its document, past the write pacing.
func (r *verifyRig) applyPolicies() {
	r.t.Helper()
	var list v1alpha1.GatewayAccessPolicyList
	r.g.Expect(env.Client.List(context.Background(), &list, client.InNamespace(r.namespace))).To(Succeed())
	for i := range list.Items {
		r.synced(&list.Items[i])
	}
	r.clock.Step(time.Minute)
	r.reconcile(r.ge)
}

// edit changes a policy's spec and lets the endpoint write it.
func (r *verifyRig) edit(p *v1alpha1.GatewayAccessPolicy, mutate func(*v1alpha1.GatewayAccessPolicySpec)) {
	r.t.Helper()
	r.g.Expect(env.Client.Get(context.Background(), client.ObjectKeyFromObject(p), p)).To(Succeed())
	mutate(&p.Spec)
	r.g.Expect(env.Client.Update(context.Background(), p)).To(Succeed())
	r.applyPolicies()
}

// token stores a bearer token in a Secret of the rig's namespace.
func (r *verifyRig) token(name, value string) {
	r.t.Helper()
	s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: r.namespace, Name: name}, Data: map[string][]byte{"token": []byte(value)}}
	r.g.Expect(env.Client.Create(context.Background(), s)).To(Succeed())
}

// verify runs one verification of p, as the pool would, and returns the
// results by gateway ID.
func (r *verifyRig) verify(p *v1alpha1.GatewayAccessPolicy) map[string]v1alpha1.GatewayVerification {
	r.t.Helper()
	r.synced(p)
	r.synced(r.ge)
	ctx := ctrl.LoggerInto(context.Background(), r.logs.logger())
	next, err := r.v.Verify(ctx, client.ObjectKeyFromObject(p))
	r.g.Expect(err).NotTo(HaveOccurred())
	r.g.Expect(env.Client.Get(context.Background(), client.ObjectKeyFromObject(p), p)).To(Succeed())
	r.g.Expect(p.Status.Verification).NotTo(BeNil())
	soon := false
	for _, g := range p.Status.Verification.Gateways {
		soon = soon || g.Result == v1alpha1.VerificationAwaitingPropagation || g.Result == v1alpha1.VerificationEndpointNotAvailable
	}
	if soon {
		r.g.Expect(next).To(BeNumerically("<=", time.Minute), "a result that changes on its own is probed again within a minute")
	} else {
		r.g.Expect(next).To(BeNumerically(">=", controllers.DefaultVerificationInterval), "the next probe at the interval, jittered upwards")
	}
	out := map[string]v1alpha1.GatewayVerification{}
	for _, g := range p.Status.Verification.Gateways {
		out[g.GatewayARN[strings.LastIndex(g.GatewayARN, "/")+1:]] = g
	}
	return out
}

// drainEvents returns the events recorded since the last call.
func (r *verifyRig) drainEvents() []string {
	var out []string
	for {
		select {
		case e := <-r.events.Events:
			out = append(out, e)
			r.seen = append(r.seen, e)
		default:
			return out
		}
	}
}

func bearer(id, secret string) v1alpha1.VerifiedGateway {
	return v1alpha1.VerifiedGateway{GatewayARN: gatewayARN(id), Auth: v1alpha1.GatewayAuthBearer,
		TokenSecretRef: &v1alpha1.SecretKeyReference{Name: secret, Key: "token"}}
}

// logBuffer collects everything logged through its logger, at every level.
type logBuffer struct {
	mu    sync.Mutex
	lines []string
}

func (b *logBuffer) logger() logr.Logger {
	return funcr.New(func(prefix, args string) {
		b.mu.Lock()
		defer b.mu.Unlock()
		b.lines = append(b.lines, prefix+" "+args)
	}, funcr.Options{Verbosity: 10})
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return strings.Join(b.lines, "\n")
}

func (r *verifyRig) secret(name string) *corev1.Secret {
	r.t.Helper()
	s := &corev1.Secret{}
	r.g.Expect(env.Client.Get(context.Background(), client.ObjectKey{Namespace: r.namespace, Name: name}, s)).To(Succeed())
	return s
}

// documentAdmits says whether the endpoint's policy in EC2 names the gateway.
func (r *verifyRig) documentAdmits(id string) bool {
	r.t.Helper()
	doc, err := gatewayPolicies{ec2: r.ec2}.EndpointPolicy(r.endpoint.ID)
	r.g.Expect(err).NotTo(HaveOccurred())
	return strings.Contains(doc, gatewayARN(id))
}

// createOtherEndpoint makes another endpoint of the gateway service in the
// VPC behind the operator's back (private DNS off: the VPC has one with it).
func (r *verifyRig) createOtherEndpoint() string {
	r.t.Helper()
	out, err := r.ec2.CreateVpcEndpoint(context.Background(), &ec2.CreateVpcEndpointInput{
		VpcEndpointType: ec2types.VpcEndpointTypeInterface, VpcId: ptr.To(r.vpcID),
		ServiceName: ptr.To("com.amazonaws." + region + ".bedrock-agentcore.gateway"),
		SubnetIds:   r.subnets, PrivateDnsEnabled: ptr.To(false),
	})
	r.g.Expect(err).NotTo(HaveOccurred())
	return aws.ToString(out.VpcEndpoint.VpcEndpointId)
}

func (r *verifyRig) interfaceIDsOf(endpointID string) []string {
	r.t.Helper()
	out, err := r.ec2.DescribeVpcEndpoints(context.Background(), &ec2.DescribeVpcEndpointsInput{VpcEndpointIds: []string{endpointID}})
	r.g.Expect(err).NotTo(HaveOccurred())
	r.g.Expect(out.VpcEndpoints).To(HaveLen(1))
	return out.VpcEndpoints[0].NetworkInterfaceIds
}

func selector(key, value string) *metav1.LabelSelector {
	return &metav1.LabelSelector{MatchLabels: map[string]string{key: value}}
}
