package scale

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	toolscache "k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"sigs.k8s.io/controller-runtime/pkg/cache"

	"github.com/agentcore-io/vpce-operator/api/v1alpha1"
	"github.com/agentcore-io/vpce-operator/internal/ec2sim"
	"github.com/agentcore-io/vpce-operator/internal/iampolicy"
	"github.com/agentcore-io/vpce-operator/internal/testenv"
)

const (
	region      = "us-east-1"
	clusterName = "scale-bench"
	namespace   = "scale"
	serviceName = "com.amazonaws." + region + ".bedrock-agentcore.gateway"
	// operatorAccessKey signs the manager's calls, which the simulator authorizes against
	// the shipped IAM policy; the other tool's calls (ec2sim.NewClient's key) are not
	// restricted.
	operatorAccessKey = "AKIDSCALEOPERATOR"
)

// AWS's timings, and the operator's defaults, in AWS time; a run divides them by K.
const (
	// awsPending is how long an endpoint stays pending after its create and after the
	// ModifyVpcEndpoint that turns private DNS on (AWS_FACTS.md: 2–5 minutes).
	awsPending  = 150 * time.Second
	awsDeleting = 30 * time.Second
	// awsInterfaceLinger is the simulator's default; AWS documents none.
	awsInterfaceLinger = 2 * time.Minute
	// awsConsistencyLag is how long the simulator's reads lag behind writes. AWS documents
	// eventual consistency but no bound.
	awsConsistencyLag = 2 * time.Second

	awsSyncPeriod          = 10 * time.Minute
	awsPolicyWriteInterval = 30 * time.Second
	awsPropagationDelay    = 15 * time.Minute
	awsPendingPollInterval = 2 * time.Second
	awsEC2ConsistencyLag   = 5 * time.Second
)

// fleet is one run's world: an API server, the EC2 simulator with the account's VPCs and
// other tools' endpoints, and the manager.
type fleet struct {
	b        *testing.B
	n        int
	k        float64
	binary   string
	flags    map[string]bool
	dir      string
	env      *testenv.Env
	kubecfg  string
	sim      *ec2sim.Simulator
	simURL   string
	dnsCheck *privateDNSChecks
	ready    *readyRecorder
	objects  []*v1alpha1.GatewayEndpoint
	// passed lists the manager flags given beyond the ones it always had; missing those
	// it lacks.
	passed, missing []string
	managers        int
}

// scaled is an AWS duration in the run's wall time.
func (f *fleet) scaled(d time.Duration) time.Duration { return time.Duration(float64(d) / f.k) }

// awsSeconds is a wall duration in AWS seconds.
func (f *fleet) awsSeconds(d time.Duration) float64 { return d.Seconds() * f.k }

func newFleet(b *testing.B, n int, k float64) *fleet {
	b.Helper()
	binary, flags := managerBinary(b)
	f := &fleet{b: b, n: n, k: k, binary: binary, flags: flags, dir: b.TempDir(), dnsCheck: &privateDNSChecks{}}

	env, err := testenv.Start()
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = env.Stop() })
	f.env = env
	f.kubecfg = filepath.Join(f.dir, "kubeconfig")
	if err := writeKubeconfig(env.Config, f.kubecfg); err != nil {
		b.Fatal(err)
	}
	if err := env.Client.Create(context.Background(), testenv.Namespace(namespace, nil)); err != nil {
		b.Fatal(err)
	}

	policy, err := shippedIAMPolicy()
	if err != nil {
		b.Fatal(err)
	}
	f.sim = ec2sim.New(ec2sim.Options{
		Region:          region,
		PendingDelay:    f.scaled(awsPending),
		DeletingDelay:   f.scaled(awsDeleting),
		InterfaceLinger: f.scaled(awsInterfaceLinger),
		// Seeding is the scene, not the measurement: no buckets until it is done.
		Throttle: ec2sim.ThrottleConfig{Disabled: true},
		IAM:      &ec2sim.IAMConfig{Policy: policy, AccessKeyID: operatorAccessKey},
	})
	srv := httptest.NewServer(f.dnsCheck.wrap(f.sim))
	b.Cleanup(srv.Close)
	f.simURL = srv.URL
	f.seed()
	f.sim.SetThrottle(ec2sim.ThrottleConfig{TimeScale: k})
	f.sim.SetEventualConsistency(f.scaled(awsConsistencyLag))

	ctx, cancel := context.WithCancel(context.Background())
	b.Cleanup(cancel)
	f.ready, err = watchReady(ctx, env.Config)
	if err != nil {
		b.Fatal(err)
	}
	return f
}

// shippedIAMPolicy is config/iam/policy.json rendered for the benchmark's cluster, as make
// iam-policy renders it for IRSA.
func shippedIAMPolicy() ([]byte, error) {
	template, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), iampolicy.TemplatePath))
	if err != nil {
		return nil, err
	}
	return iampolicy.Render(template, clusterName)
}

// vpcCIDR is the i-th seeded VPC's block: /24s, room for 65,536 of them.
func vpcCIDR(i int) string { return fmt.Sprintf("10.%d.%d.0/24", i/256, i%256) }

// seed creates one VPC of two subnets per GatewayEndpoint (EC2 allows one private-DNS
// endpoint per service and VPC) and the endpoints of another tool beside them: N/2
// interface endpoints of the gateway service with no vpce.agentcore.io tags, each with a
// group of its own, made through the API with another access key. Half of them are in the
// operator's VPCs with private DNS off (the operator's private-DNS check meets them), half
// in VPCs of their own with private DNS on.
func (f *fleet) seed() {
	b := f.b
	for i := range f.n {
		vpc, subnets, err := f.sim.SeedVPC(vpcCIDR(i), 2)
		if err != nil {
			b.Fatal(err)
		}
		f.objects = append(f.objects, &v1alpha1.GatewayEndpoint{
			ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("ep-%04d", i), Namespace: namespace},
			Spec: v1alpha1.GatewayEndpointSpec{
				VPCID:     vpc,
				SubnetIDs: subnets,
				SecurityGroup: v1alpha1.SecurityGroupSpec{Managed: &v1alpha1.ManagedSecurityGroup{
					AllowedSources: v1alpha1.AllowedSources{CIDRs: []string{"10.0.0.0/8"}},
				}},
				Tags: map[string]string{"team": "platform"},
			},
		})
	}
	ctx := context.Background()
	other, err := ec2sim.NewClient(ctx, f.simURL, region)
	if err != nil {
		b.Fatal(err)
	}
	for j := range f.n / 2 {
		vpc, subnets, privateDNS := f.objects[j].Spec.VPCID, f.objects[j].Spec.SubnetIDs, false
		if j%2 == 1 {
			vpc, subnets, err = f.sim.SeedVPC(vpcCIDR(f.n+j), 2)
			if err != nil {
				b.Fatal(err)
			}
			privateDNS = true
		}
		name := fmt.Sprintf("other-tool-%04d", j)
		group, err := other.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{
			GroupName: aws.String(name), Description: aws.String("managed by another tool"), VpcId: aws.String(vpc),
		})
		if err != nil {
			b.Fatalf("seeding another tool's group: %v", err)
		}
		tags := []types.Tag{{Key: aws.String("Name"), Value: aws.String(name)}, {Key: aws.String("ManagedBy"), Value: aws.String("terraform")}}
		if _, err := other.CreateVpcEndpoint(ctx, &ec2.CreateVpcEndpointInput{
			VpcEndpointType:   types.VpcEndpointTypeInterface,
			VpcId:             aws.String(vpc),
			ServiceName:       aws.String(serviceName),
			SubnetIds:         subnets,
			SecurityGroupIds:  []string{aws.ToString(group.GroupId)},
			PrivateDnsEnabled: aws.Bool(privateDNS),
			TagSpecifications: []types.TagSpecification{{ResourceType: types.ResourceTypeVpcEndpoint, Tags: tags}},
		}); err != nil {
			b.Fatalf("seeding another tool's endpoint: %v", err)
		}
	}
}

// startManager runs the manager built from the tree against the API server and the
// simulator, with the operator's time-based settings divided by K.
func (f *fleet) startManager() *managerProc {
	b := f.b
	b.Helper()
	metricsAddr, err := freeAddr()
	if err != nil {
		b.Fatal(err)
	}
	args := []string{
		"--cluster-name", clusterName,
		"--region", region,
		"--ec2-endpoint", f.simURL,
		"--metrics-bind-address", metricsAddr,
		"--metrics-secure=false",
		"--health-probe-bind-address", "0",
		"--sync-period", f.scaled(awsSyncPeriod).String(),
		"--policy-write-interval", f.scaled(awsPolicyWriteInterval).String(),
		"--policy-propagation-delay", f.scaled(awsPropagationDelay).String(),
	}
	f.passed, f.missing = nil, nil
	optional := []struct{ name, value string }{
		{"pending-poll-interval", f.scaled(awsPendingPollInterval).String()},
		{"ec2-consistency-lag", f.scaled(awsEC2ConsistencyLag).String()},
		{"aws-rate-limit-time-scale", strconv.FormatFloat(f.k, 'g', -1, 64)},
	}
	for _, o := range optional {
		if !f.flags[o.name] {
			f.missing = append(f.missing, "--"+o.name)
			continue
		}
		args = append(args, "--"+o.name, o.value)
		f.passed = append(f.passed, "--"+o.name+"="+o.value)
	}
	if !f.flags["aws-rate-limit-time-scale"] {
		// Without a time scale for its client-side buckets the manager would pace itself
		// at AWS's rates in wall time, K times slower than the simulator refills. Scaling
		// the whole buckets keeps the refill in step, with bursts K times EC2's: the
		// excess shows as RequestLimitExceeded.
		value := strconv.FormatFloat(f.k, 'g', -1, 64)
		args = append(args, "--aws-rate-limit-scale", value)
		f.passed = append(f.passed, "--aws-rate-limit-scale="+value+" (instead of the time scale)")
	}
	env := []string{
		"KUBECONFIG=" + f.kubecfg,
		// The simulator accepts any credentials; these keep the SDK's default chain from
		// looking for real ones.
		"AWS_ACCESS_KEY_ID=" + operatorAccessKey,
		"AWS_SECRET_ACCESS_KEY=secret",
		"AWS_EC2_METADATA_DISABLED=true",
		"AWS_REGION=" + region,
		// The simulator answers STS's GetCallerIdentity too.
		"AWS_ENDPOINT_URL_STS=" + f.simURL,
	}
	f.managers++
	logPath := filepath.Join(f.dir, fmt.Sprintf("manager-%d.log", f.managers))
	m, err := startManager(context.Background(), f.binary, args, env, metricsAddr, logPath)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		_ = m.stop()
		if b.Failed() {
			// The benchmark's own log keeps 10 lines; the manager's is kept whole.
			kept := filepath.Join(os.TempDir(), fmt.Sprintf("vpce-scale-N%d-%s", f.n, filepath.Base(logPath)))
			if data, err := os.ReadFile(logPath); err == nil && os.WriteFile(kept, data, 0o644) == nil {
				b.Logf("manager log: %s", kept)
			}
		}
	})
	return m
}

// apply creates every GatewayEndpoint at once, a few at a time in parallel, and returns
// when the first create was sent.
func (f *fleet) apply() time.Time {
	start := time.Now()
	var wg sync.WaitGroup
	var failed atomic.Value
	next := atomic.Int64{}
	for range 8 {
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < len(f.objects); i = int(next.Add(1)) - 1 {
				if err := f.env.Client.Create(context.Background(), f.objects[i].DeepCopy()); err != nil {
					failed.CompareAndSwap(nil, err)
					return
				}
			}
		})
	}
	wg.Wait()
	if err, _ := failed.Load().(error); err != nil {
		f.b.Fatalf("creating GatewayEndpoints: %v", err)
	}
	return start
}

// readyCount lists the GatewayEndpoints and counts those Ready, and the others by reason.
func (f *fleet) readyCount() (int, string) {
	var list v1alpha1.GatewayEndpointList
	if err := f.env.Client.List(context.Background(), &list); err != nil {
		return 0, err.Error()
	}
	ready := 0
	reasons := map[string]int{}
	for _, ge := range list.Items {
		c := meta.FindStatusCondition(ge.Status.Conditions, v1alpha1.ConditionReady)
		switch {
		case c != nil && c.Status == metav1.ConditionTrue:
			ready++
		case c == nil:
			reasons["(no Ready condition)"]++
		default:
			reasons[c.Reason]++
		}
	}
	var parts []string
	for reason, n := range reasons {
		parts = append(parts, fmt.Sprintf("%s=%d", reason, n))
	}
	return ready, fmt.Sprintf("%d/%d Ready, others: %s", ready, len(list.Items), strings.Join(parts, " "))
}

// eventually polls cond every interval until it holds or timeout passes, then fails the
// benchmark with cond's last description.
func (f *fleet) eventually(what string, timeout, interval time.Duration, cond func() (bool, string)) {
	f.b.Helper()
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		ok, state := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			f.b.Fatalf("%s: not within %s (%.0f AWS s): %s", what, timeout, f.awsSeconds(timeout), state)
		}
		<-tick.C
	}
}

// ourEndpoints are the simulator's endpoints of the benchmark's cluster, by object name.
func (f *fleet) ourEndpoints() map[string]ec2sim.EndpointState {
	out := map[string]ec2sim.EndpointState{}
	for _, e := range f.sim.EndpointStates() {
		if e.Tags[v1alpha1.TagCluster] == clusterName && e.Tags[v1alpha1.TagNamespace] == namespace {
			out[e.Tags[v1alpha1.TagName]] = e
		}
	}
	return out
}

// writeKubeconfig writes a kubeconfig for cfg, the envtest administrator, for the manager.
func writeKubeconfig(cfg *rest.Config, path string) error {
	kc := clientcmdapi.NewConfig()
	kc.Clusters["envtest"] = &clientcmdapi.Cluster{
		Server: cfg.Host, CertificateAuthorityData: cfg.CAData, CertificateAuthority: cfg.CAFile,
	}
	kc.AuthInfos["envtest"] = &clientcmdapi.AuthInfo{
		ClientCertificateData: cfg.CertData, ClientCertificate: cfg.CertFile,
		ClientKeyData: cfg.KeyData, ClientKey: cfg.KeyFile, Token: cfg.BearerToken,
	}
	kc.Contexts["envtest"] = &clientcmdapi.Context{Cluster: "envtest", AuthInfo: "envtest"}
	kc.CurrentContext = "envtest"
	return clientcmd.WriteToFile(*kc, path)
}

// privateDNSChecks counts the operator's private-DNS preflight reads: DescribeVpcEndpoints
// filtered by vpc-id (the other endpoints of the service in the VPC). The simulator counts
// calls by action only.
type privateDNSChecks struct{ n atomic.Int64 }

func (p *privateDNSChecks) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The simulator parses the form again; ParseForm keeps what it read.
		if err := r.ParseForm(); err == nil && r.Form.Get("Action") == "DescribeVpcEndpoints" && hasFilter(r.Form, "vpc-id") {
			p.n.Add(1)
		}
		next.ServeHTTP(w, r)
	})
}

func (p *privateDNSChecks) reset() { p.n.Store(0) }

func hasFilter(form url.Values, name string) bool {
	for key, values := range form {
		if strings.HasPrefix(key, "Filter.") && strings.HasSuffix(key, ".Name") && len(values) > 0 && values[0] == name {
			return true
		}
	}
	return false
}

// readyRecorder remembers when each GatewayEndpoint last became Ready, as a watch of the
// API server delivers it (lastTransitionTime has whole seconds only: K seconds of AWS time).
type readyRecorder struct {
	mu    sync.Mutex
	since map[string]time.Time
}

func watchReady(ctx context.Context, cfg *rest.Config) (*readyRecorder, error) {
	r := &readyRecorder{since: map[string]time.Time{}}
	c, err := cache.New(cfg, cache.Options{Scheme: testenv.Scheme(), DefaultNamespaces: map[string]cache.Config{namespace: {}}})
	if err != nil {
		return nil, err
	}
	informer, err := c.GetInformer(ctx, &v1alpha1.GatewayEndpoint{})
	if err != nil {
		return nil, err
	}
	if _, err := informer.AddEventHandler(toolscache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { r.observe(obj) },
		UpdateFunc: func(_, obj any) { r.observe(obj) },
	}); err != nil {
		return nil, err
	}
	go func() { _ = c.Start(ctx) }()
	if !c.WaitForCacheSync(ctx) {
		return nil, fmt.Errorf("watching GatewayEndpoints: the cache did not sync")
	}
	return r, nil
}

func (r *readyRecorder) observe(obj any) {
	ge, ok := obj.(*v1alpha1.GatewayEndpoint)
	if !ok {
		return
	}
	now := time.Now()
	ready := meta.IsStatusConditionTrue(ge.Status.Conditions, v1alpha1.ConditionReady)
	r.mu.Lock()
	defer r.mu.Unlock()
	_, was := r.since[ge.Name]
	switch {
	case ready && !was:
		r.since[ge.Name] = now
	case !ready && was:
		delete(r.since, ge.Name)
	}
}

func (r *readyRecorder) snapshot() map[string]time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	return maps.Clone(r.since)
}
