package controllers_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	. "github.com/onsi/gomega"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/util/jsonpath"
	"sigs.k8s.io/yaml"

	"github.com/agentcore-io/vpce-operator/api/v1alpha1"
	"github.com/agentcore-io/vpce-operator/internal/policy"
	"github.com/agentcore-io/vpce-operator/internal/testenv"
)

func TestAGatewayEndpointWithAManagedGroupBecomesReadyAfterThePendingPeriod(t *testing.T) {
	h := newHarness(t, harnessOptions{pendingDelay: 2 * time.Second})
	ge := h.endpoint("agents")
	h.create(ge)

	h.g.Eventually(h.conditionOf(ge, v1alpha1.ConditionEndpointAvailable), 10*time.Second, 50*time.Millisecond).
		Should(HavePrefix("False/Pending"), "the endpoint is pending first")
	h.g.Expect(h.conditionOf(ge, v1alpha1.ConditionReconciling)()).To(HavePrefix("True/"))
	h.waitReady(ge, 30*time.Second)

	h.get(ge)
	st := ge.Status
	h.g.Expect(st.EndpointID).To(HavePrefix("vpce-"))
	h.g.Expect(st.Region).To(Equal(region), "the operator's region, kept for good")
	h.g.Expect(st.State).To(Equal("available"))
	h.g.Expect(st.ObservedGeneration).To(Equal(ge.Generation))
	h.g.Expect(st.SubnetIDs).To(ConsistOf(h.subnets))
	h.g.Expect(st.NetworkInterfaceIDs).To(HaveLen(3))
	h.g.Expect(st.DNSEntries).To(HaveLen(5), "one regional, one per zone, and the private DNS name")
	h.g.Expect(st.DNSEntries[4].DNSName).To(Equal("*.gateway.bedrock-agentcore.us-east-1.amazonaws.com"))
	h.g.Expect(st.DNSEntries[0].DNSName).To(ContainSubstring(".gateway.bedrock-agentcore.us-east-1.vpce.amazonaws.com"))
	h.g.Expect(st.SecurityGroupIDs).To(HaveLen(1))
	h.g.Expect(st.Policy).NotTo(BeNil())
	h.g.Expect(st.Policy.Hash).To(Equal(policy.DenyAll().Hash()), "no policy attached: deny all")
	h.g.Expect(h.conditionOf(ge, v1alpha1.ConditionReconciling)()).To(HavePrefix("False/Ready"))
	h.g.Expect(h.conditionOf(ge, v1alpha1.ConditionStalled)()).To(Equal("absent"))
	h.g.Expect(ge.Finalizers).To(ContainElement(v1alpha1.Finalizer))

	eps := h.endpoints()
	h.g.Expect(eps).To(HaveLen(1))
	ep := eps[0]
	h.g.Expect(aws.ToString(ep.VpcEndpointId)).To(Equal(st.EndpointID))
	h.g.Expect(aws.ToBool(ep.PrivateDnsEnabled)).To(BeTrue())
	h.g.Expect(ep.Groups).To(HaveLen(1))
	h.g.Expect(aws.ToString(ep.Groups[0].GroupId)).To(Equal(st.SecurityGroupIDs[0]))
	same, err := policy.Equivalent(aws.ToString(ep.PolicyDocument), policy.DenyAll().JSON())
	h.g.Expect(err).NotTo(HaveOccurred())
	h.g.Expect(same).To(BeTrue())
	tags := tagMap(ep.Tags)
	h.g.Expect(tags).To(HaveKeyWithValue(v1alpha1.TagUID, string(ge.UID)))
	h.g.Expect(tags).To(HaveKeyWithValue(v1alpha1.TagNamespace, ge.Namespace))
	h.g.Expect(tags).To(HaveKeyWithValue(v1alpha1.TagName, ge.Name))
	h.g.Expect(tags).To(HaveKeyWithValue(v1alpha1.TagCluster, "test-cluster"))
	h.g.Expect(tags).To(HaveKeyWithValue("team", "platform"))
	h.g.Expect(tags).To(HaveKey("Name"))

	groups := h.ownedGroups()
	h.g.Expect(groups).To(HaveLen(1))
	h.g.Expect(aws.ToString(groups[0].GroupId)).To(Equal(st.SecurityGroupIDs[0]))
	perms := groups[0].IpPermissions
	h.g.Expect(perms).To(HaveLen(1), "exactly one inbound rule")
	h.g.Expect(aws.ToString(perms[0].IpProtocol)).To(Equal("tcp"))
	h.g.Expect(aws.ToInt32(perms[0].FromPort)).To(Equal(int32(443)))
	h.g.Expect(aws.ToInt32(perms[0].ToPort)).To(Equal(int32(443)))
	h.g.Expect(perms[0].UserIdGroupPairs).To(HaveLen(1))
	h.g.Expect(aws.ToString(perms[0].UserIdGroupPairs[0].GroupId)).To(Equal(h.agentsSG))

	h.g.Expect(h.calls("CreateSecurityGroup")).To(Equal(1))
	h.g.Expect(h.calls("AuthorizeSecurityGroupIngress")).To(Equal(1))
	h.g.Expect(h.calls("CreateVpcEndpoint")).To(Equal(1))
	// Private DNS is turned on once the endpoint is available, not at
	// creation: the gateway's name never points at interfaces that cannot
	// serve yet.
	h.g.Expect(h.sim.Calls()["ModifyVpcEndpoint"]).To(Equal(map[string]int{"OK": 1}))
	h.g.Expect(h.calls("CreateTags")).To(Equal(0), "tags are set at creation")
}

func TestThePrinterColumnsOfAReadyEndpointAllResolve(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	ge := h.endpoint("columns")
	h.create(ge)
	h.waitReady(ge, 30*time.Second)

	u, err := runtime.DefaultUnstructuredConverter.ToUnstructured(h.get(ge))
	h.g.Expect(err).NotTo(HaveOccurred())
	for _, col := range printerColumns(t, "vpce.agentcore.io_gatewayendpoints.yaml") {
		jp := jsonpath.New(col.Name)
		h.g.Expect(jp.Parse("{" + col.JSONPath + "}")).To(Succeed())
		var out bytes.Buffer
		h.g.Expect(jp.Execute(&out, u)).To(Succeed(), col.Name)
		h.g.Expect(strings.TrimSpace(out.String())).NotTo(BeEmpty(), "column %s (%s) is empty", col.Name, col.JSONPath)
	}
}

func printerColumns(t *testing.T, file string) []apiextensionsv1.CustomResourceColumnDefinition {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), "config", "crd", "bases", file))
	if err != nil {
		t.Fatal(err)
	}
	var crd apiextensionsv1.CustomResourceDefinition
	if err := yaml.Unmarshal(data, &crd); err != nil {
		t.Fatal(err)
	}
	return crd.Spec.Versions[0].AdditionalPrinterColumns
}

func TestAnEndpointWhoseStatusWriteWasLostIsFoundByTagNotCreatedTwice(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	ge := h.endpoint("crash")
	h.create(ge)
	h.waitReady(ge, 30*time.Second)
	firstID := ge.Status.EndpointID

	// The manager dies; the status it wrote is lost.
	h.stop()
	h.get(ge)
	ge.Status = v1alpha1.GatewayEndpointStatus{}
	h.g.Expect(h.k8s.Status().Update(context.Background(), ge)).To(Succeed())
	h.sim.ResetCalls()

	h.startManager()
	h.waitReady(ge, 30*time.Second)
	h.g.Expect(h.get(ge).(*v1alpha1.GatewayEndpoint).Status.EndpointID).To(Equal(firstID))
	h.g.Expect(h.endpoints()).To(HaveLen(1))
	h.g.Expect(h.ownedGroups()).To(HaveLen(1))
	h.g.Expect(h.calls("CreateVpcEndpoint")).To(Equal(0))
	h.g.Expect(h.calls("CreateSecurityGroup")).To(Equal(0))
}

func TestAReadyEndpointMakesNoMutatingCallsOnResync(t *testing.T) {
	h := newHarness(t, harnessOptions{syncPeriod: time.Second})
	ge := h.endpoint("steady")
	h.create(ge)
	h.waitReady(ge, 30*time.Second)
	// Let the read-back after creation settle, then count.
	h.g.Eventually(func() int { return h.calls("DescribeVpcEndpoints") }, 10*time.Second).Should(BeNumerically(">=", 2))
	h.sim.ResetCalls()

	h.g.Eventually(func() int { return h.calls("DescribeVpcEndpoints") }, 20*time.Second, 100*time.Millisecond).
		Should(BeNumerically(">=", 3), "three resyncs read AWS")
	h.g.Expect(h.sim.MutatingCalls()).To(Equal(0))
	h.g.Expect(h.calls("DescribeVpcEndpointServices")).To(Equal(0), "asked only when the inbound-resolver option is requested")
}

var _ = ec2.DescribeVpcEndpointsInput{}
