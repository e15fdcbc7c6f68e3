package controllers_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ec2"
	. "github.com/onsi/gomega"
	"github.com/prometheus/client_golang/prometheus/testutil"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	clocktesting "k8s.io/utils/clock/testing"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"github.com/agentcore-io/vpce-operator/api/v1alpha1"
	"github.com/agentcore-io/vpce-operator/controllers"
	"github.com/agentcore-io/vpce-operator/internal/gatewaysim"
	"github.com/agentcore-io/vpce-operator/internal/testenv"
	"github.com/agentcore-io/vpce-operator/internal/verify"
)

// The manager tier of verification: the Verifier in its own pool inside a
// running manager, the Verified condition the reconciler derives, the
// VERIFIED column, Events and the metric.

// gatewayFront is a simulated gateway in front of a harness's endpoint once
// it is Ready, and a resolver that answers as private DNS would. It is made
// before the harness, whose manager needs its CA, dialer and resolver, and
// reads policies from the harness's EC2 simulator once there is one.
type gatewayFront struct {
	gw  *gatewaysim.Simulator
	dns *probeDNS

	mu  sync.Mutex
	ec2 *ec2.Client
}

// newGatewayFront makes the simulated gateway, on clk (the operator's).
func newGatewayFront(t *testing.T, clk func() time.Time) *gatewayFront {
	t.Helper()
	f := &gatewayFront{dns: &probeDNS{}}
	gw, err := gatewaysim.New(gatewaysim.Options{Region: region, Clock: clk,
		Policies: gatewaysim.PolicySourceFunc(func(id string) (string, error) {
			f.mu.Lock()
			c := f.ec2
			f.mu.Unlock()
			return gatewayPolicies{ec2: c}.EndpointPolicy(id)
		})})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = gw.Close() })
	f.gw = gw
	return f
}

// probeOptions point the operator's probe at the front.
func (f *gatewayFront) probeOptions() verify.Options {
	return verify.Options{Resolve: f.dns.resolve, Dial: f.gw.DialContext, RootCAs: f.gw.RootCAs(), Timeout: 5 * time.Second}
}

// listenOn registers the endpoint's interfaces, read from EC2, with the
// gateway and the resolver, and reads policies from the harness's EC2.
func (f *gatewayFront) listenOn(h *harness, ge *v1alpha1.GatewayEndpoint) {
	h.t.Helper()
	f.mu.Lock()
	f.ec2 = h.ec2
	f.mu.Unlock()
	h.get(ge)
	rig := &verifyRig{direct: &direct{t: h.t.(*testing.T), g: h.g, ec2: h.ec2, subnets: h.subnets}}
	e := rig.interfacesOf(ge.Status.EndpointID)
	h.g.Expect(f.gw.AddEndpoint(e)).To(Succeed())
	f.dns.mu.Lock()
	f.dns.gateways, f.dns.endpoint = e.Addresses, e.Addresses
	f.dns.mu.Unlock()
}

func (h *harness) tokenSecret(name, value string) {
	h.t.Helper()
	h.create(&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: h.namespace, Name: name}, Data: map[string][]byte{"token": []byte(value)}})
}

// verifyingPolicy is a policy of the harness namespace on endpoint "gw"
// admitting arns and verifying gateways every 5 minutes.
func (h *harness) verifyingPolicy(name string, arns []string, gateways ...v1alpha1.VerifiedGateway) *v1alpha1.GatewayAccessPolicy {
	return &v1alpha1.GatewayAccessPolicy{
		ObjectMeta: metav1.ObjectMeta{Namespace: h.namespace, Name: name},
		Spec: v1alpha1.GatewayAccessPolicySpec{
			EndpointRef: v1alpha1.EndpointReference{Name: "gw"},
			GatewayARNs: arns,
			Verify:      &v1alpha1.VerifySpec{Gateways: gateways, Interval: &metav1.Duration{Duration: 5 * time.Minute}},
		},
	}
}

// printedColumn is what kubectl get shows in a column for one object.
func printedColumn(t *testing.T, obj *v1alpha1.GatewayAccessPolicy, column string) func() string {
	return func() string {
		clientset, err := kubernetes.NewForConfig(env.Config)
		if err != nil {
			return err.Error()
		}
		body, err := clientset.CoreV1().RESTClient().Get().
			AbsPath("/apis/vpce.agentcore.io/v1alpha1/namespaces", obj.Namespace, "gatewayaccesspolicies", obj.Name).
			SetHeader("Accept", "application/json;as=Table;v=v1;g=meta.k8s.io").DoRaw(context.Background())
		if err != nil {
			return err.Error()
		}
		table := &metav1.Table{}
		if err := json.Unmarshal(body, table); err != nil || len(table.Rows) != 1 {
			return fmt.Sprintf("no table: %v", err)
		}
		for i, def := range table.ColumnDefinitions {
			if def.Name == column {
				return fmt.Sprint(table.Rows[0].Cells[i])
			}
		}
		return "no column " + column
	}
}

func TestTheManagerVerifiesOnItsOwnAndShowsVerifiedTheColumnEventsAndTheMetric(t *testing.T) {
	clk := clocktesting.NewFakeClock(time.Now())
	front := newGatewayFront(t, clk.Now)
	h := newHarness(t, harnessOptions{clock: clk, propagationDelay: 15 * time.Minute,
		verification: controllers.VerificationOptions{Probe: front.probeOptions()}})
	ge := h.endpoint("gw")
	h.create(ge)
	h.waitReady(ge, 30*time.Second)
	front.listenOn(h, ge)
	h.g.Expect(front.gw.AddGateway("gw-a", "token-a", "docs___search")).To(Succeed())
	h.g.Expect(front.gw.AddGateway("gw-b", "token-b")).To(Succeed())
	h.tokenSecret("a", "token-a")
	h.tokenSecret("b", "token-b")

	// The policy is applied first, then asks for verification: gw-b is
	// listed for verification only.
	p := h.verifyingPolicy("team", []string{gatewayARN("gw-a")}, bearer("gw-a", "a"), bearer("gw-b", "b"))
	verifySpec := p.Spec.Verify
	p.Spec.Verify = nil
	h.create(p)
	h.g.Eventually(h.conditionOf(p, v1alpha1.ConditionApplied), 30*time.Second, 100*time.Millisecond).Should(HavePrefix("True/"))
	h.g.Expect(h.conditionOf(p, v1alpha1.ConditionVerified)()).To(Equal("absent"))
	h.update(p, func() { p.Spec.Verify = verifySpec })
	h.g.Eventually(h.conditionOf(p, v1alpha1.ConditionVerified), 30*time.Second, 100*time.Millisecond).
		Should(And(HavePrefix("False/DeniedByEndpointPolicy"), ContainSubstring("gw-a: Reachable (1 tool)"), ContainSubstring("gw-b: DeniedByEndpointPolicy")))
	h.g.Eventually(printedColumn(t, p, "Verified"), 10*time.Second).Should(Equal("False"))
	h.g.Eventually(h.eventReasons(p), 10*time.Second).Should(ContainElements("Reachable", "DeniedByEndpointPolicy"))
	h.g.Expect(testutil.ToFloat64(controllers.VerificationResults.WithLabelValues(p.Namespace, p.Name, "Reachable"))).To(Equal(1.0))
	h.g.Expect(testutil.ToFloat64(controllers.VerificationResults.WithLabelValues(p.Namespace, p.Name, "DeniedByEndpointPolicy"))).To(Equal(1.0))

	// The grant is probed at once (a spec change), while the gateway still
	// serves the document it cached.
	h.update(p, func() { p.Spec.GatewayARNs = append(p.Spec.GatewayARNs, gatewayARN("gw-b")) })
	h.g.Eventually(h.conditionOf(p, v1alpha1.ConditionVerified), 30*time.Second, 100*time.Millisecond).
		Should(HavePrefix("False/AwaitingPropagation"))

	// Past the propagation delay the interval's probe finds it Reachable.
	clk.Step(16 * time.Minute)
	h.g.Eventually(h.conditionOf(p, v1alpha1.ConditionVerified), 30*time.Second, 100*time.Millisecond).
		Should(And(HavePrefix("True/Reachable"), ContainSubstring("gw-b: Reachable")))
	h.g.Eventually(printedColumn(t, p, "Verified"), 10*time.Second).Should(Equal("True"))
	h.g.Expect(h.conditionOf(p, v1alpha1.ConditionReady)()).To(HavePrefix("True/"), "the reconciler's own conditions are intact")

	// Without spec.verify, the condition, the results and the series go.
	h.update(p, func() { p.Spec.Verify = nil })
	h.g.Eventually(h.conditionOf(p, v1alpha1.ConditionVerified), 30*time.Second, 100*time.Millisecond).Should(Equal("absent"))
	h.g.Eventually(func() *v1alpha1.VerificationStatus { h.get(p); return p.Status.Verification }, 10*time.Second).Should(BeNil())
	h.g.Expect(seriesOf(p)).To(BeEmpty())
}

// seriesOf lists the results a policy has series for (and drops them:
// DeleteLabelValues is how a GaugeVec says whether a series exists).
func seriesOf(p *v1alpha1.GatewayAccessPolicy) []string {
	var out []string
	for _, r := range []v1alpha1.VerificationResult{
		v1alpha1.VerificationReachable, v1alpha1.VerificationAwaitingPropagation, v1alpha1.VerificationDeniedByEndpointPolicy,
		v1alpha1.VerificationDeniedByGateway, v1alpha1.VerificationUnauthorized, v1alpha1.VerificationUnreachable,
		v1alpha1.VerificationPrivateDNSNotInEffect, v1alpha1.VerificationNotVerifiable, v1alpha1.VerificationEndpointNotAvailable,
		v1alpha1.VerificationTokenSecretForbidden, v1alpha1.VerificationTokenSecretNotFound, v1alpha1.VerificationProbeFailed,
	} {
		if controllers.VerificationResults.DeleteLabelValues(p.Namespace, p.Name, string(r)) {
			out = append(out, string(r))
		}
	}
	return out
}

func TestProbesRunInABoundedPoolApartFromTheReconcilers(t *testing.T) {
	var mu sync.Mutex
	inFlight, maxInFlight, dials := 0, 0, 0
	release := make(chan struct{})
	opts := harnessOptions{propagationDelay: time.Millisecond}
	dns := &probeDNS{}
	opts.verification = controllers.VerificationOptions{MaxConcurrent: 1, Probe: verify.Options{
		Resolve: dns.resolve,
		// Every connection hangs until the test lets it fail, as one to an
		// interface whose security group drops the operator's packets.
		Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
			mu.Lock()
			inFlight++
			dials++
			maxInFlight = max(maxInFlight, inFlight)
			mu.Unlock()
			defer func() { mu.Lock(); inFlight--; mu.Unlock() }()
			select {
			case <-release:
				return nil, fmt.Errorf("connect: connection timed out")
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		},
		Timeout: time.Minute,
	}}
	h := newHarness(t, opts)
	ge := h.endpoint("gw")
	h.create(ge)
	h.waitReady(ge, 30*time.Second)
	rig := &verifyRig{direct: &direct{t: t, g: h.g, ec2: h.ec2, subnets: h.subnets}}
	e := rig.interfacesOf(h.get(ge).(*v1alpha1.GatewayEndpoint).Status.EndpointID)
	dns.gateways, dns.endpoint = e.Addresses, e.Addresses
	h.tokenSecret("a", "token-a")

	one := h.verifyingPolicy("one", []string{gatewayARN("gw-1")}, bearer("gw-1", "a"))
	two := h.verifyingPolicy("two", []string{gatewayARN("gw-2")}, bearer("gw-2", "a"))
	h.create(one)
	h.create(two)
	h.g.Eventually(func() int { mu.Lock(); defer mu.Unlock(); return dials }, 30*time.Second, 50*time.Millisecond).Should(Equal(1))

	// While a probe hangs, the reconcilers carry on: both policies are
	// applied and Ready, and the second probe waits for the pool.
	h.waitReady(one, 30*time.Second)
	h.waitReady(two, 30*time.Second)
	h.g.Consistently(func() int { mu.Lock(); defer mu.Unlock(); return dials }, time.Second, 50*time.Millisecond).Should(Equal(1))

	release <- struct{}{}
	h.g.Eventually(func() int { mu.Lock(); defer mu.Unlock(); return dials }, 30*time.Second, 50*time.Millisecond).Should(Equal(2))
	release <- struct{}{}
	for _, p := range []*v1alpha1.GatewayAccessPolicy{one, two} {
		h.g.Eventually(h.conditionOf(p, v1alpha1.ConditionVerified), 30*time.Second, 100*time.Millisecond).
			Should(And(HavePrefix("False/Unreachable"), ContainSubstring("allowedSources")))
	}
	mu.Lock()
	defer mu.Unlock()
	h.g.Expect(maxInFlight).To(Equal(1), "--max-concurrent-verifications=1 allows one probe at a time")
}

func TestWithoutTheTeamsRoleBindingVerifiedNamesTheMissingGrant(t *testing.T) {
	// The manager acts as the operator's service account, with the
	// operator's generated ClusterRole (config/rbac/role.yaml) and nothing
	// else: the API server, not the test, decides what it may read.
	saNamespace, saName := testNamespace(t)+"-op", "operator"
	user := "system:serviceaccount:" + saNamespace + ":" + saName
	bindOperatorRole(t, saNamespace, saName)
	impersonated := rest.CopyConfig(env.Config)
	impersonated.Impersonate = rest.ImpersonationConfig{UserName: user}

	clk := clocktesting.NewFakeClock(time.Now())
	front := newGatewayFront(t, clk.Now)
	h := newHarness(t, harnessOptions{clock: clk, propagationDelay: 15 * time.Minute, restConfig: impersonated,
		verification: controllers.VerificationOptions{Probe: front.probeOptions()}})
	ge := h.endpoint("gw")
	h.create(ge)
	h.waitReady(ge, 30*time.Second)
	front.listenOn(h, ge)
	h.g.Expect(front.gw.AddGateway("gw-a", "token-a")).To(Succeed())
	h.tokenSecret("gw-token", "token-a")

	p := h.verifyingPolicy("team", []string{gatewayARN("gw-a")}, bearer("gw-a", "gw-token"))
	h.create(p)
	h.g.Eventually(h.conditionOf(p, v1alpha1.ConditionVerified), 30*time.Second, 100*time.Millisecond).Should(And(
		HavePrefix("False/TokenSecretForbidden"),
		ContainSubstring("grant get on secret gw-token to service account "+saNamespace+"/"+saName),
		ContainSubstring("a RoleBinding of it to subject {kind: ServiceAccount, name: "+saName+", namespace: "+saNamespace+"}"),
		ContainSubstring(controllers.TokenReaderExample),
	))
	h.g.Expect(front.gw.Requests()).To(BeEmpty(), "no token, no request")

	// The team applies the shipped example, edited for its namespace,
	// Secret and the operator's service account; the next probe reads it.
	role, binding := tokenReaderExample(t)
	h.g.Expect(role.Rules).To(HaveLen(1))
	h.g.Expect(role.Rules[0].Verbs).To(Equal([]string{"get"}), "the example grants get and nothing else")
	h.g.Expect(role.Rules[0].Resources).To(Equal([]string{"secrets"}))
	h.g.Expect(role.Rules[0].ResourceNames).To(HaveLen(1), "the example names one Secret")
	role.Namespace, binding.Namespace = h.namespace, h.namespace
	role.Rules[0].ResourceNames = []string{"gw-token"}
	binding.Subjects[0].Name, binding.Subjects[0].Namespace = saName, saNamespace
	h.create(role)
	h.create(binding)
	clk.Step(6 * time.Minute)
	h.g.Eventually(h.conditionOf(p, v1alpha1.ConditionVerified), 30*time.Second, 100*time.Millisecond).Should(HavePrefix("True/Reachable"))
}

// bindOperatorRole installs the operator's generated ClusterRole under a
// name of the test's own and binds it to a service account.
func bindOperatorRole(t *testing.T, saNamespace, saName string) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), "config", "rbac", "role.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	role := &rbacv1.ClusterRole{}
	if err := yaml.Unmarshal(raw, role); err != nil {
		t.Fatal(err)
	}
	for _, rule := range role.Rules {
		for _, r := range rule.Resources {
			if r == "secrets" {
				t.Fatalf("the operator's ClusterRole grants %v on secrets", rule.Verbs)
			}
		}
	}
	role.ObjectMeta = metav1.ObjectMeta{Name: saNamespace + "-manager-role"}
	binding := &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: saNamespace + "-manager-rolebinding"},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: role.Name},
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: saName, Namespace: saNamespace}},
	}
	ctx := context.Background()
	for _, o := range []client.Object{role, binding} {
		if err := env.Client.Create(ctx, o); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		_ = env.Client.Delete(ctx, binding)
		_ = env.Client.Delete(ctx, role)
	})
}

// tokenReaderExample is the shipped example Role and RoleBinding.
func tokenReaderExample(t *testing.T) (*rbacv1.Role, *rbacv1.RoleBinding) {
	t.Helper()
	f, err := os.Open(filepath.Join(testenv.RepoRoot(), controllers.TokenReaderExample))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	decoder := utilyaml.NewYAMLOrJSONDecoder(f, 4096)
	role, binding := &rbacv1.Role{}, &rbacv1.RoleBinding{}
	if err := decoder.Decode(role); err != nil {
		t.Fatal(err)
	}
	if err := decoder.Decode(binding); err != nil {
		t.Fatal(err)
	}
	if role.Kind != "Role" || binding.Kind != "RoleBinding" || binding.RoleRef.Name != role.Name || len(binding.Subjects) != 1 {
		t.Fatalf("%s: want a Role and a RoleBinding of it to one subject, got %s %s -> %s", controllers.TokenReaderExample, role.Kind, binding.Kind, binding.RoleRef.Name)
	}
	if binding.Subjects[0].Kind != rbacv1.ServiceAccountKind {
		t.Fatalf("%s binds a %s, not the operator's service account", controllers.TokenReaderExample, binding.Subjects[0].Kind)
	}
	return role, binding
}
