package controllers_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	. "github.com/onsi/gomega"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/agentcore-io/vpce-operator/api/v1alpha1"
	"github.com/agentcore-io/vpce-operator/internal/ec2sim"
)

// gatewayPrivateDNSDomain is the name the gateway service's private DNS
// takes over in the VPC.
const gatewayPrivateDNSDomain = "gateway.bedrock-agentcore." + region + ".amazonaws.com"

// stallCase is one way private DNS (or the endpoint's placement) cannot be
// had: what the simulator and the spec look like, and the stall it must give.
type stallCase struct {
	name string
	sim  func(*ec2sim.Options)
	// setup changes the scene before the GatewayEndpoint is created.
	setup  func(d *directSim)
	mutate func(*v1alpha1.GatewayEndpoint)
	// midway changes the scene once the endpoint exists and is pending,
	// before private DNS is turned on.
	midway func(d *directSim)
	reason string
	// message lists what the stall's message must name; a func for what
	// the scene made (an ID).
	message func(d *directSim) []string
	// endpointMade: the stall comes at the private-DNS step, after the
	// endpoint was made with private DNS off; otherwise before it.
	endpointMade bool
}

func TestPrivateDNSThatCannotBeHadStallsNamingTheCause(t *testing.T) {
	var other string // an endpoint made behind the operator's back
	cases := []stallCase{{
		name: "the VPC does not resolve DNS",
		setup: func(d *directSim) {
			d.vpcAttribute(&ec2.ModifyVpcAttributeInput{EnableDnsSupport: &ec2types.AttributeBooleanValue{Value: ptr.To(false)}})
		},
		reason:  v1alpha1.ReasonVPCDNSDisabled,
		message: names("enableDnsSupport", "--enable-dns-support", "spec.privateDNS.enabled: false"),
	}, {
		name:   "another endpoint of the service has private DNS in the VPC",
		setup:  func(d *directSim) { other = d.createEndpointBehindTheOperator(true) },
		reason: v1alpha1.ReasonPrivateDNSConflict,
		message: func(d *directSim) []string {
			return []string{"endpoint " + other, "nobody the operator knows", d.vpcID}
		},
	}, {
		name:         "another endpoint of the service gets private DNS while this one is pending",
		midway:       func(d *directSim) { other = d.createEndpointBehindTheOperator(true) },
		reason:       v1alpha1.ReasonPrivateDNSConflict,
		message:      func(*directSim) []string { return []string{other} },
		endpointMade: true,
	}, {
		name: "a private hosted zone of the gateway's name is associated with the VPC (Route 53's ConflictingDomainExists)",
		setup: func(d *directSim) {
			d.g.Expect(d.sim.AddPrivateHostedZone(d.vpcID, gatewayPrivateDNSDomain)).To(Succeed())
		},
		reason:       v1alpha1.ReasonPrivateDNSConflict,
		message:      names("ConflictingDomainExists", "hosted zone"),
		endpointMade: true,
	}, {
		name: "a private hosted zone of the gateway's name is associated with the VPC (EC2's InvalidParameter)",
		sim:  func(o *ec2sim.Options) { o.HostedZoneConflict = ec2sim.HostedZoneConflictInvalidParameter },
		setup: func(d *directSim) {
			d.g.Expect(d.sim.AddPrivateHostedZone(d.vpcID, gatewayPrivateDNSDomain)).To(Succeed())
		},
		reason:       v1alpha1.ReasonPrivateDNSConflict,
		message:      names("conflicting DNS domain", "private hosted zone of the same name"),
		endpointMade: true,
	}, {
		name:   "a subnet is in a zone the service is not offered in",
		sim:    func(o *ec2sim.Options) { o.ServiceZones = []string{region + "a", region + "b"} },
		reason: v1alpha1.ReasonInvalidSpec,
		message: func(d *directSim) []string {
			return []string{"spec.subnetIDs", "subnet " + d.subnets[2] + " is in " + region + "c", "it serves " + region + "a, " + region + "b"}
		},
	}, {
		name:   "dualstack is asked for on subnets without IPv6",
		mutate: func(ge *v1alpha1.GatewayEndpoint) { ge.Spec.IPAddressType = v1alpha1.IPAddressTypeDualstack },
		reason: v1alpha1.ReasonInvalidSpec,
		message: func(d *directSim) []string {
			return []string{"subnet " + d.subnets[0] + " has no IPv6 CIDR block", "dualstack"}
		},
	}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := newDirectSim(t, directOptions{sim: c.sim})
			d.expectStall(c)
		})
	}
}

func TestAMissingRoute53PermissionStallsAccessDeniedAtThePrivateDNSStepNamingIt(t *testing.T) {
	const route53 = "route53:AssociateVPCWithHostedZone"
	withoutRoute53 := shippedPolicyWithout(t, route53)
	d := newDirectSim(t, directOptions{sim: func(o *ec2sim.Options) {
		o.IAM = &ec2sim.IAMConfig{Policy: withoutRoute53, AccessKeyID: operatorAccessKey}
	}})
	d.expectStall(stallCase{
		reason:       v1alpha1.ReasonAccessDenied,
		message:      names("ModifyVpcEndpoint", "UnauthorizedOperation", route53),
		endpointMade: true,
	})
	d.g.Expect(d.sim.Calls()["ModifyVpcEndpoint"]).To(Equal(map[string]int{"UnauthorizedOperation": 1}))
	d.g.Expect(d.sim.Calls()["CreateVpcEndpoint"]).To(Equal(map[string]int{"OK": 1}), "created with private DNS off, which needs no Route 53 permission")
}

// expectStall creates a GatewayEndpoint into the scene c sets, runs it until
// it stalls, and checks the stall and what was made in EC2.
func (d *directSim) expectStall(c stallCase) {
	d.t.Helper()
	if c.setup != nil {
		c.setup(d)
	}
	mutate := []func(*v1alpha1.GatewayEndpoint){}
	if c.mutate != nil {
		mutate = append(mutate, c.mutate)
	}
	ge := d.create("dns", mutate...)
	stalled := func() bool { return strings.HasPrefix(d.condition(ge, v1alpha1.ConditionStalled), "True/") }
	var last ctrl.Result
	keep := func(res ctrl.Result, err error) {
		d.g.Expect(err).NotTo(HaveOccurred())
		last = res
	}
	if c.midway != nil {
		d.run(ge, 30*time.Minute, func() bool { return ge.Status.EndpointID != "" }, keep)
		c.midway(d)
	}
	d.run(ge, 30*time.Minute, stalled, keep)

	d.g.Expect(d.condition(ge, v1alpha1.ConditionStalled)).To(HavePrefix("True/" + c.reason + ": "))
	for _, part := range c.message(d) {
		d.g.Expect(d.condition(ge, v1alpha1.ConditionStalled)).To(ContainSubstring(part))
	}
	d.g.Expect(d.condition(ge, v1alpha1.ConditionReady)).To(HavePrefix("False/" + c.reason + ": "))
	d.g.Expect(last.RequeueAfter).To(Equal(5*time.Minute), "a stall is looked at again in five minutes, not in a loop")

	var ours []ec2types.VpcEndpoint
	for _, ep := range d.liveEndpoints() {
		if tagMap(ep.Tags)[v1alpha1.TagUID] == string(ge.UID) {
			ours = append(ours, ep)
		}
	}
	if !c.endpointMade {
		d.g.Expect(ours).To(BeEmpty(), "the preflight stops it before anything is created")
		d.g.Expect(d.requests.operatorCalls("CreateVpcEndpoint")).To(BeZero())
		return
	}
	d.g.Expect(ours).To(HaveLen(1))
	d.g.Expect(aws.ToString(ours[0].VpcEndpointId)).To(Equal(ge.Status.EndpointID))
	d.g.Expect(aws.ToBool(ours[0].PrivateDnsEnabled)).To(BeFalse(), "the endpoint stands, with private DNS off")
	d.g.Expect(strings.ToLower(string(ours[0].State))).To(Equal("available"))
	d.g.Expect(d.condition(ge, v1alpha1.ConditionSecurityGroupReady)).To(HavePrefix("True/"))
}

// names is a message check that wants each of parts.
func names(parts ...string) func(*directSim) []string {
	return func(*directSim) []string { return parts }
}

// vpcAttribute changes one attribute of the test's VPC behind the
// operator's back.
func (d *directSim) vpcAttribute(in *ec2.ModifyVpcAttributeInput) {
	d.t.Helper()
	in.VpcId = aws.String(d.vpcID)
	_, err := d.ec2.ModifyVpcAttribute(context.Background(), in)
	d.g.Expect(err).NotTo(HaveOccurred())
}
