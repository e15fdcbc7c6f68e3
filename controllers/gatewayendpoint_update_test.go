package controllers_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	. "github.com/onsi/gomega"
	"k8s.io/utils/ptr"

	"github.com/agentcore-io/vpce-operator/api/v1alpha1"
	"github.com/agentcore-io/vpce-operator/internal/policy"
)

func TestDroppingASubnetFromTheSpecModifiesTheEndpointInPlace(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	ge := h.endpoint("subnets")
	h.create(ge)
	h.waitReady(ge, 30*time.Second)
	id := ge.Status.EndpointID
	h.sim.ResetCalls()

	h.update(ge, func() { ge.Spec.SubnetIDs = h.subnets[:2] })
	h.g.Eventually(func() []string { return h.get(ge).(*v1alpha1.GatewayEndpoint).Status.SubnetIDs }, 30*time.Second, 100*time.Millisecond).
		Should(ConsistOf(h.subnets[:2]), "status shows the subnets read back from AWS")
	h.waitReady(ge, 10*time.Second)

	h.g.Expect(h.endpointShape(id)).To(HavePrefix(fmt.Sprintf("subnets=%v ", sortedCopy(h.subnets[:2]))))
	h.g.Expect(ge.Status.EndpointID).To(Equal(id), "the same endpoint, not a new one")
	h.g.Expect(ge.Status.NetworkInterfaceIDs).To(HaveLen(2), "the dropped subnet's interface is released")
	h.g.Expect(h.conditionOf(ge, v1alpha1.ConditionReady)()).To(HavePrefix("True/"))
	h.g.Expect(ge.Status.ObservedGeneration).To(Equal(ge.Generation))
	h.g.Expect(h.calls("ModifyVpcEndpoint")).To(Equal(1))
	h.g.Expect(h.calls("CreateVpcEndpoint")).To(Equal(0))
	h.g.Expect(h.calls("DeleteVpcEndpoints")).To(Equal(0))
	h.g.Expect(h.sim.MutatingCalls()).To(Equal(1), "reading the change back writes nothing")
}

func TestReplacingTheAllowedSourcesAuthorizesTheNewRulesBeforeRevokingTheOld(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	ge := h.endpoint("sources")
	h.create(ge)
	h.waitReady(ge, 30*time.Second)
	groupID := ge.Status.SecurityGroupIDs[0]
	h.g.Expect(h.ingress(groupID)).To(ConsistOf("tcp/443-443 from " + h.agentsSG))
	h.sim.ResetCalls()

	prefixList := h.sim.AddPrefixList("agents")
	h.update(ge, func() {
		ge.Spec.SecurityGroup.Managed.AllowedSources = v1alpha1.AllowedSources{
			CIDRs: []string{"10.0.0.0/16"}, PrefixListIDs: []string{prefixList},
		}
	})
	h.g.Eventually(h.conditionOf(ge, v1alpha1.ConditionSecurityGroupReady), 30*time.Second, 100*time.Millisecond).
		Should(ContainSubstring("from 2 sources"))
	h.waitReady(ge, 10*time.Second)

	h.g.Expect(h.ingress(groupID)).To(ConsistOf("tcp/443-443 from 10.0.0.0/16", "tcp/443-443 from "+prefixList))
	h.g.Expect(h.succeeded("AuthorizeSecurityGroupIngress", "RevokeSecurityGroupIngress")).To(Equal([]string{
		"AuthorizeSecurityGroupIngress", // at creation
		"AuthorizeSecurityGroupIngress",
		"RevokeSecurityGroupIngress",
	}), "the new sources are admitted before the old one is cut off")
	h.g.Expect(h.calls("AuthorizeSecurityGroupIngress")).To(Equal(1), "both new rules in one call")
	h.g.Expect(h.calls("RevokeSecurityGroupIngress")).To(Equal(1))
	h.g.Expect(h.calls("CreateSecurityGroup")).To(Equal(0))
	h.g.Expect(h.calls("ModifyVpcEndpoint")).To(Equal(0))
	h.g.Expect(h.calls("CreateVpcEndpoint")).To(Equal(0))
	h.g.Expect(h.get(ge).(*v1alpha1.GatewayEndpoint).Status.SecurityGroupIDs).To(Equal([]string{groupID}))
}

func TestEndpointDriftMadeBehindTheOperatorsBackIsPutBackWithOneModification(t *testing.T) {
	h := newHarness(t, harnessOptions{syncPeriod: 2 * time.Second})
	ge := h.endpoint("drift")
	h.create(ge)
	h.waitReady(ge, 30*time.Second)
	id := ge.Status.EndpointID
	want := h.endpointShape(id)
	h.g.Expect(want).To(Equal(fmt.Sprintf("subnets=%v groups=%v privateDNS=true denyAll=true",
		sortedCopy(h.subnets), ge.Status.SecurityGroupIDs)))
	intruder := h.createGroup("intruder")
	h.sim.ResetCalls()

	_, err := h.ec2.ModifyVpcEndpoint(context.Background(), &ec2.ModifyVpcEndpointInput{
		VpcEndpointId:       aws.String(id),
		RemoveSubnetIds:     h.subnets[2:],
		AddSecurityGroupIds: []string{intruder},
		PrivateDnsEnabled:   aws.Bool(false),
		PolicyDocument:      aws.String(policy.FullAccess().JSON()),
	})
	h.g.Expect(err).NotTo(HaveOccurred())
	h.g.Expect(h.endpointShape(id)).NotTo(Equal(want))

	h.g.Eventually(func() string { return h.endpointShape(id) }, 20*time.Second, 100*time.Millisecond).Should(Equal(want))
	// A few more resyncs, to see that the repair is not repeated.
	resyncs := h.calls("DescribeVpcEndpoints")
	h.g.Eventually(func() int { return h.calls("DescribeVpcEndpoints") }, 20*time.Second, 100*time.Millisecond).
		Should(BeNumerically(">=", resyncs+2))
	h.g.Expect(h.calls("ModifyVpcEndpoint")).To(Equal(2), "the drift, then one modification that undoes all of it")
	h.g.Expect(h.calls("CreateVpcEndpoint")).To(Equal(0))
	h.g.Expect(h.calls("DeleteVpcEndpoints")).To(Equal(0))
	h.g.Expect(h.get(ge).(*v1alpha1.GatewayEndpoint).Status.EndpointID).To(Equal(id))
	h.g.Expect(h.conditionOf(ge, v1alpha1.ConditionReady)()).To(HavePrefix("True/"))

	h.expectQuietResyncs(3)
}

func TestSecurityGroupRuleDriftIsPutBackAtTheNextResync(t *testing.T) {
	h := newHarness(t, harnessOptions{syncPeriod: 2 * time.Second})
	ge := h.endpoint("rules")
	h.create(ge)
	h.waitReady(ge, 30*time.Second)
	groupID := ge.Status.SecurityGroupIDs[0]
	want := h.ingress(groupID)
	h.g.Expect(want).To(ConsistOf("tcp/443-443 from " + h.agentsSG))
	h.sim.ResetCalls()

	ctx := context.Background()
	_, err := h.ec2.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{
		GroupId: aws.String(groupID),
		IpPermissions: []types.IpPermission{{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(22), ToPort: aws.Int32(22),
			IpRanges: []types.IpRange{{CidrIp: aws.String("0.0.0.0/0")}}}},
	})
	h.g.Expect(err).NotTo(HaveOccurred())
	_, err = h.ec2.RevokeSecurityGroupIngress(ctx, &ec2.RevokeSecurityGroupIngressInput{
		GroupId: aws.String(groupID),
		IpPermissions: []types.IpPermission{{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(443), ToPort: aws.Int32(443),
			UserIdGroupPairs: []types.UserIdGroupPair{{GroupId: aws.String(h.agentsSG)}}}},
	})
	h.g.Expect(err).NotTo(HaveOccurred())

	h.g.Eventually(func() []string { return h.ingress(groupID) }, 20*time.Second, 100*time.Millisecond).Should(ConsistOf(want))
	resyncs := h.calls("DescribeSecurityGroups")
	h.g.Eventually(func() int { return h.calls("DescribeSecurityGroups") }, 20*time.Second, 100*time.Millisecond).
		Should(BeNumerically(">=", resyncs+2))
	h.g.Expect(h.calls("AuthorizeSecurityGroupIngress")).To(Equal(2), "the drift, then the operator's")
	h.g.Expect(h.calls("RevokeSecurityGroupIngress")).To(Equal(2), "the drift, then the operator's")
	h.g.Expect(h.calls("CreateSecurityGroup")).To(Equal(0))
	h.g.Expect(h.calls("ModifyVpcEndpoint")).To(Equal(0), "the endpoint keeps its group")
	h.g.Expect(h.conditionOf(ge, v1alpha1.ConditionReady)()).To(HavePrefix("True/"))

	h.expectQuietResyncs(3)
}

// expectQuietResyncs waits for n resyncs of the harness's only endpoint and
// expects them to change nothing in AWS.
func (h *harness) expectQuietResyncs(n int) {
	h.t.Helper()
	h.sim.ResetCalls()
	h.g.Eventually(func() int { return h.calls("DescribeVpcEndpoints") }, time.Duration(n+2)*h.opts.syncPeriod+10*time.Second, 100*time.Millisecond).
		Should(BeNumerically(">=", n), "resyncs read AWS")
	h.g.Expect(h.sim.MutatingCalls()).To(Equal(0), "%v", h.sim.Calls())
}

// endpointShape summarises what drift can change on an endpoint: subnets,
// security groups, private DNS and whether the policy denies every gateway.
func (h *harness) endpointShape(id string) string {
	out, err := h.ec2.DescribeVpcEndpoints(context.Background(), &ec2.DescribeVpcEndpointsInput{VpcEndpointIds: []string{id}})
	if err != nil {
		return "error: " + err.Error()
	}
	if len(out.VpcEndpoints) != 1 {
		return fmt.Sprintf("%d endpoints", len(out.VpcEndpoints))
	}
	ep := out.VpcEndpoints[0]
	var groups []string
	for _, g := range ep.Groups {
		groups = append(groups, aws.ToString(g.GroupId))
	}
	denyAll, err := policy.Equivalent(aws.ToString(ep.PolicyDocument), policy.DenyAll().JSON())
	if err != nil {
		return "error: " + err.Error()
	}
	return fmt.Sprintf("subnets=%v groups=%v privateDNS=%t denyAll=%t",
		sortedCopy(ep.SubnetIds), sortedCopy(groups), aws.ToBool(ep.PrivateDnsEnabled), denyAll)
}

// ingress lists a group's inbound rules, one source each, as
// "protocol/from-to from source".
func (h *harness) ingress(groupID string) []string {
	h.t.Helper()
	out, err := h.ec2.DescribeSecurityGroups(context.Background(), &ec2.DescribeSecurityGroupsInput{GroupIds: []string{groupID}})
	h.g.Expect(err).NotTo(HaveOccurred())
	h.g.Expect(out.SecurityGroups).To(HaveLen(1))
	var rules []string
	for _, p := range out.SecurityGroups[0].IpPermissions {
		rule := fmt.Sprintf("%s/%d-%d from ", aws.ToString(p.IpProtocol), aws.ToInt32(p.FromPort), aws.ToInt32(p.ToPort))
		for _, g := range p.UserIdGroupPairs {
			rules = append(rules, rule+aws.ToString(g.GroupId))
		}
		for _, r := range p.IpRanges {
			rules = append(rules, rule+aws.ToString(r.CidrIp))
		}
		for _, r := range p.Ipv6Ranges {
			rules = append(rules, rule+aws.ToString(r.CidrIpv6))
		}
		for _, r := range p.PrefixListIds {
			rules = append(rules, rule+aws.ToString(r.PrefixListId))
		}
	}
	return rules
}

// createGroup creates a security group in the harness VPC behind the
// operator's back.
func (h *harness) createGroup(name string) string {
	h.t.Helper()
	out, err := h.ec2.CreateSecurityGroup(context.Background(), &ec2.CreateSecurityGroupInput{
		VpcId: ptr.To(h.vpcID), GroupName: ptr.To(name), Description: ptr.To(name),
	})
	h.g.Expect(err).NotTo(HaveOccurred())
	return aws.ToString(out.GroupId)
}

func sortedCopy(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}

func TestSwitchingToExistingGroupsReplacesTheManagedGroupAndDeletesIt(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	ge := h.endpoint("switch")
	h.create(ge)
	h.waitReady(ge, 30*time.Second)
	h.g.Expect(h.ownedGroups()).To(HaveLen(1))

	h.update(ge, func() { ge.Spec.SecurityGroup = v1alpha1.SecurityGroupSpec{IDs: []string{h.agentsSG}} })
	h.g.Eventually(h.ownedGroups, 30*time.Second, 100*time.Millisecond).Should(BeEmpty())
	h.g.Eventually(func() []string {
		return h.get(ge).(*v1alpha1.GatewayEndpoint).Status.SecurityGroupIDs
	}, 30*time.Second, 100*time.Millisecond).Should(Equal([]string{h.agentsSG}))
	h.waitReady(ge, 30*time.Second)
	// The group is gone from EC2 one status write before the condition says so.
	h.g.Eventually(h.conditionOf(ge, v1alpha1.ConditionSecurityGroupReady), 30*time.Second, 100*time.Millisecond).
		Should(HavePrefix("True/ExistingGroups"))
	h.g.Expect(h.calls("DeleteVpcEndpoints")).To(Equal(0), "the endpoint is modified, not replaced")
	h.g.Expect(h.endpoints()).To(HaveLen(1))
}
