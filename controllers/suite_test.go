package controllers_test

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/go-logr/logr"
	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"k8s.io/utils/clock"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/config"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/agentcore-io/vpce-operator/api/v1alpha1"
	"github.com/agentcore-io/vpce-operator/controllers"
	awsclient "github.com/agentcore-io/vpce-operator/internal/aws"
	"github.com/agentcore-io/vpce-operator/internal/ec2sim"
	"github.com/agentcore-io/vpce-operator/internal/iampolicy"
	"github.com/agentcore-io/vpce-operator/internal/testenv"
)

const (
	region      = "us-east-1"
	clusterName = "test-cluster"
	// operatorAccessKey signs the operator's calls, which the simulator
	// authorizes against the shipped IAM policy; the tests' own calls (a
	// person, another tool) use another key and are not restricted.
	operatorAccessKey = "AKIDOPERATOR"
)

var env *testenv.Env

func TestMain(m *testing.M) {
	// The SDK's default chain needs credentials; the simulator accepts any.
	os.Setenv("AWS_ACCESS_KEY_ID", operatorAccessKey)
	os.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	os.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	if os.Getenv("TEST_LOG") != "" {
		ctrl.SetLogger(zap.New(zap.WriteTo(os.Stderr), zap.UseDevMode(true)))
	} else {
		ctrl.SetLogger(logr.Discard())
	}
	var err error
	env, err = testenv.Start()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	_ = env.Stop()
	os.Exit(code)
}

// harnessOptions tune one test's simulator and manager.
type harnessOptions struct {
	pendingDelay     time.Duration // default 1s
	throttle         bool          // AWS's request buckets
	syncPeriod       time.Duration // default 10m
	propagationDelay time.Duration // default 15m
	clock            clock.WithDelayedExecution
	// lostEndpointGrace: how long an endpoint EC2 no longer lists is waited
	// for before it is replaced (default: the operator's, 1m)
	lostEndpointGrace time.Duration
	// extraNamespaces are created besides the main one (suffixes), each
	// with these labels.
	extraNamespaces map[string]map[string]string
	// policyWriteInterval paces policy writes per endpoint (default 100ms,
	// so that tests editing policies do not wait on it).
	policyWriteInterval time.Duration
	// regionURLs sends the EC2 calls of other regions than the harness's to
	// other simulators.
	regionURLs map[string]string
	// iamPolicy is the operator's IAM policy the simulator enforces
	// (default: config/iam/policy.json rendered for the test cluster).
	iamPolicy []byte
	// maxConcurrentReconciles bounds the GatewayEndpoint workers (default:
	// the operator's, 4).
	maxConcurrentReconciles int
	// simOptions tunes the simulator's options before it is made (default:
	// none).
	simOptions func(*ec2sim.Options)
	// ackDiscoveryInterval is how often the manager looks for ACK's
	// Gateway kind (default: the operator's, 1m).
	ackDiscoveryInterval time.Duration
	// restConfig is the manager's identity (default: env.Config, the
	// envtest admin); a test impersonates the operator's service account
	// with it.
	restConfig *rest.Config
	// verification configures the verification probes (default: the
	// operator's, which no test's policy asks for).
	verification controllers.VerificationOptions
}

// shippedIAMPolicy is config/iam/policy.json rendered for the test cluster,
// as make iam-policy renders it for IRSA.
func shippedIAMPolicy(t testing.TB) []byte {
	t.Helper()
	template, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), iampolicy.TemplatePath))
	if err != nil {
		t.Fatal(err)
	}
	rendered, err := iampolicy.Render(template, clusterName)
	if err != nil {
		t.Fatal(err)
	}
	return rendered
}

// harness is an EC2 simulator over HTTP, a running manager wired to it as in
// production, and a namespace of the test's own.
type harness struct {
	t         testing.TB
	g         Gomega
	sim       *ec2sim.Simulator
	url       string
	ec2       *ec2.Client // for changes behind the operator's back
	k8s       client.Client
	vpcID     string
	subnets   []string
	namespace string
	// namespaces are every namespace the test's manager sees: a manager
	// must not touch objects of other tests.
	namespaces []string
	agentsSG   string // the agents' security group, allowed by default
	stop       func()
	opts       harnessOptions
	log        *requestLog
}

var namespaceSeq atomic.Int64

// testNamespace is a namespace name of the test's own, unique in the run.
func testNamespace(t testing.TB) string {
	name := fmt.Sprintf("t%d-%s", namespaceSeq.Add(1), strings.ToLower(strings.ReplaceAll(t.Name(), "/", "-")))
	if len(name) > 50 {
		name = name[:50]
	}
	return strings.TrimRight(strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' {
			return r
		}
		return '-'
	}, name), "-")
}

func newHarness(t testing.TB, opts harnessOptions) *harness {
	t.Helper()
	if opts.pendingDelay == 0 {
		opts.pendingDelay = time.Second
	}
	if opts.iamPolicy == nil {
		opts.iamPolicy = shippedIAMPolicy(t)
	}
	simOpts := ec2sim.Options{
		Region: region, PendingDelay: opts.pendingDelay, DeletingDelay: time.Second, InterfaceLinger: time.Second,
		Throttle: ec2sim.ThrottleConfig{Disabled: !opts.throttle},
		// Every call is authorized against the shipped IAM policy, rendered
		// for the test cluster as for IRSA: a permission the operator lacks
		// fails the tests as it would fail on AWS.
		IAM: &ec2sim.IAMConfig{Policy: opts.iamPolicy, AccessKeyID: operatorAccessKey},
	}
	if opts.simOptions != nil {
		opts.simOptions(&simOpts)
	}
	sim := ec2sim.New(simOpts)
	log := &requestLog{}
	srv := httptest.NewServer(log.wrap(sim))
	t.Cleanup(srv.Close)
	net := seedNetwork(t, sim, srv.URL)
	h := &harness{t: t, g: NewWithT(t), sim: sim, url: srv.URL, ec2: net.api, k8s: env.Client,
		vpcID: net.vpcID, subnets: net.subnets, opts: opts, agentsSG: net.agentsSG, log: log}
	h.namespace = testNamespace(t)
	h.g.Expect(env.Client.Create(context.Background(), testenv.Namespace(h.namespace, nil))).To(Succeed())
	h.namespaces = []string{h.namespace}
	for suffix, labels := range opts.extraNamespaces {
		name := h.namespace + "-" + suffix
		h.g.Expect(env.Client.Create(context.Background(), testenv.Namespace(name, labels))).To(Succeed())
		h.namespaces = append(h.namespaces, name)
	}
	h.startManager()
	return h
}

// startManager runs a manager as cmd/manager does, against the simulator.
func (h *harness) startManager() {
	h.t.Helper()
	namespaces := map[string]cache.Config{}
	for _, ns := range h.namespaces {
		namespaces[ns] = cache.Config{}
	}
	cfg := env.Config
	if h.opts.restConfig != nil {
		cfg = h.opts.restConfig
	}
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme:                 env.Scheme,
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
		Controller:             config.Controller{SkipNameValidation: ptr.To(true)},
		// As cmd/manager: only the operator's own ConfigMaps are cached.
		Cache: cache.Options{DefaultNamespaces: namespaces, ByObject: controllers.CacheByObject()},
	})
	h.g.Expect(err).NotTo(HaveOccurred())
	ctx, cancel := context.WithCancel(context.Background())
	clouds := controllers.NewClouds(awsclient.ClientOptions{Endpoint: h.url, STSEndpoint: h.url})
	if len(h.opts.regionURLs) > 0 {
		clouds.NewAPI = func(ctx context.Context, r string) (awsclient.EC2API, error) {
			return awsclient.NewEC2Client(ctx, r, awsclient.ClientOptions{Endpoint: cmp.Or(h.opts.regionURLs[r], h.url)})
		}
	}
	h.g.Expect(controllers.Setup(ctx, mgr, controllers.Options{
		DefaultRegion:    region,
		ClusterName:      clusterName,
		PropagationDelay: h.opts.propagationDelay,
		SyncPeriod:       h.opts.syncPeriod,
		Clouds:           clouds,
		Clock:            h.opts.clock,
		// The simulator runs on real time, whatever the operator's clock.
		EC2Clock:                clock.RealClock{},
		LostEndpointGrace:       h.opts.lostEndpointGrace,
		PolicyWriteInterval:     cmp.Or(h.opts.policyWriteInterval, 100*time.Millisecond),
		MaxConcurrentReconciles: h.opts.maxConcurrentReconciles,

		ACKGatewayDiscoveryInterval: h.opts.ackDiscoveryInterval,
		Verification:                h.opts.verification,
	})).To(Succeed())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := mgr.Start(ctx); err != nil {
			h.t.Errorf("manager: %v", err)
		}
	}()
	stopped := false
	h.stop = func() {
		if !stopped {
			stopped = true
			cancel()
			<-done
		}
	}
	h.t.Cleanup(h.stop)
}

// endpoint is a GatewayEndpoint in the harness namespace with a managed
// group admitting one agents' group.
func (h *harness) endpoint(name string, mutate ...func(*v1alpha1.GatewayEndpoint)) *v1alpha1.GatewayEndpoint {
	ge := &v1alpha1.GatewayEndpoint{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: h.namespace},
		Spec: v1alpha1.GatewayEndpointSpec{
			VPCID:     h.vpcID,
			SubnetIDs: h.subnets,
			SecurityGroup: v1alpha1.SecurityGroupSpec{Managed: &v1alpha1.ManagedSecurityGroup{
				AllowedSources: v1alpha1.AllowedSources{SecurityGroupIDs: []string{h.agentsSG}},
			}},
			Tags: map[string]string{"team": "platform"},
		},
	}
	for _, m := range mutate {
		m(ge)
	}
	return ge
}

func (h *harness) create(obj client.Object) {
	h.t.Helper()
	h.g.Expect(h.k8s.Create(context.Background(), obj)).To(Succeed())
}

// update changes obj's spec with a merge patch, which cannot conflict with
// the operator's status writes.
func (h *harness) update(obj client.Object, mutate func()) {
	h.t.Helper()
	h.get(obj)
	patch := client.MergeFrom(obj.DeepCopyObject().(client.Object))
	mutate()
	h.g.Expect(h.k8s.Patch(context.Background(), obj, patch)).To(Succeed())
}

func (h *harness) get(obj client.Object) client.Object {
	h.t.Helper()
	h.g.Expect(h.k8s.Get(context.Background(), client.ObjectKeyFromObject(obj), obj)).To(Succeed())
	return obj
}

// condition returns a getter of a condition's status, for Eventually.
func (h *harness) conditionOf(obj client.Object, condType string) func() string {
	return func() string {
		if err := h.k8s.Get(context.Background(), client.ObjectKeyFromObject(obj), obj); err != nil {
			return "error: " + err.Error()
		}
		var conds []metav1.Condition
		switch o := obj.(type) {
		case *v1alpha1.GatewayEndpoint:
			conds = o.Status.Conditions
		case *v1alpha1.GatewayAccessPolicy:
			conds = o.Status.Conditions
		}
		c := meta.FindStatusCondition(conds, condType)
		if c == nil {
			return "absent"
		}
		return string(c.Status) + "/" + c.Reason + ": " + c.Message
	}
}

// waitReady waits until obj's Ready condition is True.
func (h *harness) waitReady(obj client.Object, timeout time.Duration) {
	h.t.Helper()
	h.g.Eventually(h.conditionOf(obj, v1alpha1.ConditionReady), timeout, 100*time.Millisecond).Should(HavePrefix("True/"))
}

// endpoints lists the simulator's endpoints that are not deleted.
func (h *harness) endpoints() []types.VpcEndpoint {
	h.t.Helper()
	out, err := h.ec2.DescribeVpcEndpoints(context.Background(), &ec2.DescribeVpcEndpointsInput{})
	h.g.Expect(err).NotTo(HaveOccurred())
	var live []types.VpcEndpoint
	for _, e := range out.VpcEndpoints {
		// EC2 sends states in lower case; the SDK's constants are capitalised.
		if !strings.EqualFold(string(e.State), string(types.StateDeleted)) {
			live = append(live, e)
		}
	}
	return live
}

// ownedGroups lists the simulator's security groups carrying the operator's
// UID tag.
func (h *harness) ownedGroups() []types.SecurityGroup {
	h.t.Helper()
	out, err := h.ec2.DescribeSecurityGroups(context.Background(), &ec2.DescribeSecurityGroupsInput{
		Filters: []types.Filter{{Name: ptr.To("tag-key"), Values: []string{v1alpha1.TagUID}}},
	})
	h.g.Expect(err).NotTo(HaveOccurred())
	return out.SecurityGroups
}

// calls is how many times the simulator answered action, whatever the code.
func (h *harness) calls(action string) int {
	n := 0
	for _, c := range h.sim.Calls()[action] {
		n += c
	}
	return n
}

// totalCalls is how many calls the simulator answered, of every action.
func (h *harness) totalCalls() int {
	n := 0
	for action := range h.sim.Calls() {
		n += h.calls(action)
	}
	return n
}

// succeeded lists, in the order they were answered, the successful calls of
// the given actions since the harness started.
func (h *harness) succeeded(actions ...string) []string {
	return h.log.succeeded(actions...)
}

// requestLog records the order of the calls the simulator answered, which
// its counts do not keep.
type requestLog struct {
	mu sync.Mutex
	ok []string
}

func (l *requestLog) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The simulator parses the form again; ParseForm keeps the result.
		_ = r.ParseForm()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		if rec.status < 300 {
			l.mu.Lock()
			l.ok = append(l.ok, r.Form.Get("Action"))
			l.mu.Unlock()
		}
	})
}

func (l *requestLog) succeeded(actions ...string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, a := range l.ok {
		if slices.Contains(actions, a) {
			out = append(out, a)
		}
	}
	return out
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(status int) {
	r.status = status
	r.ResponseWriter.WriteHeader(status)
}

// network is what every test starts from: a VPC with a subnet in each of
// three zones and the agents' security group, made through the simulator's
// API as a person would (not under the operator's IAM policy), with the
// call counts reset afterwards.
type network struct {
	api      *ec2.Client
	vpcID    string
	subnets  []string
	agentsSG string
}

func seedNetwork(t testing.TB, sim *ec2sim.Simulator, url string) network {
	t.Helper()
	vpcID, subnets, err := sim.SeedVPC("10.0.0.0/16", 3)
	if err != nil {
		t.Fatal(err)
	}
	api, err := ec2sim.NewClient(context.Background(), url, region)
	if err != nil {
		t.Fatal(err)
	}
	agents, err := api.CreateSecurityGroup(context.Background(), &ec2.CreateSecurityGroupInput{
		VpcId: ptr.To(vpcID), GroupName: ptr.To("ec2-agent-sg"), Description: ptr.To("agents"),
	})
	if err != nil {
		t.Fatal(err)
	}
	sim.ResetCalls()
	return network{api: api, vpcID: vpcID, subnets: subnets, agentsSG: aws.ToString(agents.GroupId)}
}
