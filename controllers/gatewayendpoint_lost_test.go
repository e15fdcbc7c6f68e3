package controllers_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	. "github.com/onsi/gomega"

	"github.com/agentcore-io/vpce-operator/api/v1alpha1"
	awsclient "github.com/agentcore-io/vpce-operator/internal/aws"
)

func TestAnEndpointEC2ListsOnlyLateIsNotCreatedTwice(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	// Longer than the operator's consistency lag (5s): once that has passed,
	// the pending poller reads the new endpoint at least once while EC2 does
	// not list it yet.
	h.sim.SetEventualConsistency(8 * time.Second)
	// Existing groups: a group of the operator's own would be hidden as
	// long as the endpoint, and hold the reconcile up before it.
	ge := h.endpoint("late", func(ge *v1alpha1.GatewayEndpoint) {
		ge.Spec.SecurityGroup = v1alpha1.SecurityGroupSpec{IDs: []string{h.agentsSG}}
	})
	h.create(ge)
	h.g.Eventually(h.conditionOf(ge, v1alpha1.ConditionEndpointAvailable), 20*time.Second, 100*time.Millisecond).
		Should(HavePrefix("False/EndpointNotFound: EC2 does not list endpoint"))
	h.waitReady(ge, time.Minute)

	h.sim.SetEventualConsistency(0)
	h.g.Expect(h.endpoints()).To(HaveLen(1))
	h.g.Expect(h.sim.Calls()["CreateVpcEndpoint"]).To(Equal(map[string]int{"OK": 1}))
}

func TestAnEndpointDeletedOutsideTheOperatorIsReplaced(t *testing.T) {
	h := newHarness(t, harnessOptions{lostEndpointGrace: 2 * time.Second, syncPeriod: 2 * time.Second})
	ge := h.endpoint("replaced")
	h.create(ge)
	h.waitReady(ge, 30*time.Second)
	first := ge.Status.EndpointID

	h.deleteEndpointBehindTheOperator(first)
	h.g.Eventually(func() string {
		h.get(ge)
		return ge.Status.EndpointID
	}, time.Minute, 100*time.Millisecond).ShouldNot(Or(Equal(first), BeEmpty()))
	h.waitReady(ge, time.Minute)

	live := h.endpoints()
	h.g.Expect(live).To(HaveLen(1))
	h.g.Expect(aws.ToString(live[0].VpcEndpointId)).To(Equal(ge.Status.EndpointID))
	h.g.Expect(h.sim.Calls()["CreateVpcEndpoint"]).To(HaveKeyWithValue("OK", 2))
}

func TestAnUntaggedEndpointIsAdoptedOnlyOnceAPersonTagsItForThisCluster(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	existing := h.createEndpointBehindTheOperator(h.vpcID, h.subnets)
	h.sim.ResetCalls()

	ge := h.endpoint("adopter", func(ge *v1alpha1.GatewayEndpoint) { ge.Spec.AdoptEndpointID = existing })
	h.create(ge)
	h.g.Eventually(h.conditionOf(ge, v1alpha1.ConditionStalled), 30*time.Second, 100*time.Millisecond).
		Should(And(HavePrefix("True/AdoptionRefused"), ContainSubstring("has no "+v1alpha1.TagCluster+" tag"),
			ContainSubstring("aws ec2 create-tags --resources "+existing)))
	h.g.Expect(h.tagsOf(existing)).To(BeEmpty(), "a refused adoption changes no tag")

	h.tagBehindTheOperator(existing, map[string]string{v1alpha1.TagCluster: clusterName})
	h.update(ge, func() { ge.Annotations = map[string]string{"retry": "now"} })
	h.waitReady(ge, 30*time.Second)

	h.g.Expect(ge.Status.EndpointID).To(Equal(existing))
	h.g.Expect(h.calls("CreateVpcEndpoint")).To(Equal(0))
	h.g.Expect(h.tagsOf(existing)).To(HaveKeyWithValue(v1alpha1.TagUID, string(ge.UID)))
	h.g.Expect(h.endpoints()).To(HaveLen(1))
}

func TestAFailedAdoptionNeitherTagsNorDeletesTheOtherEndpoint(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	otherVPC, otherSubnets, err := h.sim.SeedVPC("10.9.0.0/16", 1)
	h.g.Expect(err).NotTo(HaveOccurred())
	foreign := h.createEndpointBehindTheOperator(otherVPC, otherSubnets)

	ge := h.endpoint("wrong-vpc", func(ge *v1alpha1.GatewayEndpoint) { ge.Spec.AdoptEndpointID = foreign })
	h.create(ge)
	h.g.Eventually(h.conditionOf(ge, v1alpha1.ConditionStalled), 30*time.Second, 100*time.Millisecond).
		Should(And(HavePrefix("True/AdoptionRefused"), ContainSubstring(otherVPC)))
	h.g.Expect(h.tagsOf(foreign)).NotTo(HaveKey(v1alpha1.TagUID))

	h.delete(ge)
	h.g.Eventually(h.exists(ge), 30*time.Second, 100*time.Millisecond).Should(BeFalse())
	h.g.Expect(h.sim.Calls()).NotTo(HaveKey("DeleteVpcEndpoints"))
	h.g.Expect(h.endpointIDs()).To(ContainElement(foreign))
}

// createEndpointBehindTheOperator creates an endpoint of the gateway service
// without private DNS directly in the simulator, as another tool would, with
// the given security groups (none: the VPC's default).
func (h *harness) createEndpointBehindTheOperator(vpcID string, subnets []string, groups ...string) string {
	h.t.Helper()
	out, err := h.ec2.CreateVpcEndpoint(context.Background(), &ec2.CreateVpcEndpointInput{
		VpcId: aws.String(vpcID), ServiceName: aws.String(awsclient.DefaultServiceName(region)),
		VpcEndpointType: types.VpcEndpointTypeInterface, SubnetIds: subnets, SecurityGroupIds: groups,
		PrivateDnsEnabled: aws.Bool(false),
	})
	h.g.Expect(err).NotTo(HaveOccurred())
	return aws.ToString(out.VpcEndpoint.VpcEndpointId)
}

// deleteEndpointBehindTheOperator deletes endpoint id directly in the
// simulator, as another tool would.
func (h *harness) deleteEndpointBehindTheOperator(id string) {
	h.t.Helper()
	_, err := h.ec2.DeleteVpcEndpoints(context.Background(), &ec2.DeleteVpcEndpointsInput{VpcEndpointIds: []string{id}})
	h.g.Expect(err).NotTo(HaveOccurred())
}

// tagsOf returns the tags of endpoint id in the simulator.
func (h *harness) tagsOf(id string) map[string]string {
	h.t.Helper()
	out, err := h.ec2.DescribeVpcEndpoints(context.Background(), &ec2.DescribeVpcEndpointsInput{VpcEndpointIds: []string{id}})
	h.g.Expect(err).NotTo(HaveOccurred())
	h.g.Expect(out.VpcEndpoints).To(HaveLen(1))
	return tagMap(out.VpcEndpoints[0].Tags)
}

// tagMap turns EC2's tag list into a map of key to value.
func tagMap(tags []types.Tag) map[string]string {
	m := map[string]string{}
	for _, t := range tags {
		m[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return m
}

// tagBehindTheOperator tags resource id directly in the simulator, as a
// person would.
func (h *harness) tagBehindTheOperator(id string, tags map[string]string) {
	h.t.Helper()
	var ec2Tags []types.Tag
	for k, v := range tags {
		ec2Tags = append(ec2Tags, types.Tag{Key: aws.String(k), Value: aws.String(v)})
	}
	_, err := h.ec2.CreateTags(context.Background(), &ec2.CreateTagsInput{Resources: []string{id}, Tags: ec2Tags})
	h.g.Expect(err).NotTo(HaveOccurred())
}
