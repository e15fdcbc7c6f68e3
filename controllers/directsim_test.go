package controllers_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	. "github.com/onsi/gomega"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/agentcore-io/vpce-operator/api/v1alpha1"
	"github.com/agentcore-io/vpce-operator/controllers"
	awsclient "github.com/agentcore-io/vpce-operator/internal/aws"
	"github.com/agentcore-io/vpce-operator/internal/ec2sim"
)

// The direct tier (direct_test.go) with a simulator and an EC2 client shaped
// by the test, and a record of every request the simulator answered.

// directOptions shape a direct test beyond newDirect's defaults.
type directOptions struct {
	// sim tunes the simulator's options; the clock stays the test's.
	sim func(*ec2sim.Options)
	// client tunes the operator's EC2 client (default: no client-side
	// request buckets, as in newDirect).
	client func(*awsclient.ClientOptions)
	// tune tunes the reconciler.
	tune func(*controllers.GatewayEndpointReconciler)
}

// directSim is the direct tier over a simulator of the test's own.
type directSim struct {
	*direct
	requests *requestRecord
}

func newDirectSim(t *testing.T, o directOptions) *directSim {
	t.Helper()
	d := newDirect(t, o.tune)
	// The fake clock starts at the API server's time, so that the
	// timestamps the API server writes (creation, deletion) and the
	// operator's clock agree.
	d.clock.SetTime(time.Now().Truncate(time.Second))
	opts := ec2sim.Options{
		Region: region, PendingDelay: awsPending, DeletingDelay: time.Minute, Clock: d.clock.Now,
		Throttle: ec2sim.ThrottleConfig{Disabled: true},
		IAM:      &ec2sim.IAMConfig{Policy: shippedIAMPolicy(t), AccessKeyID: operatorAccessKey},
	}
	if o.sim != nil {
		o.sim(&opts)
	}
	d.g.Expect(opts.Validate()).To(Succeed())
	sim := ec2sim.New(opts)
	requests := &requestRecord{}
	srv := httptest.NewServer(requests.wrap(sim))
	t.Cleanup(srv.Close)
	net := seedNetwork(t, sim, srv.URL)
	requests.reset()
	d.sim, d.ec2, d.vpcID, d.subnets, d.agentsSG = sim, net.api, net.vpcID, net.subnets, net.agentsSG

	clientOpts := awsclient.ClientOptions{Endpoint: srv.URL, STSEndpoint: srv.URL, RateLimitScale: -1}
	if o.client != nil {
		o.client(&clientOpts)
	}
	d.r.Clouds = controllers.NewClouds(clientOpts)
	return &directSim{direct: d, requests: requests}
}

// create makes a GatewayEndpoint like d.endpoint's, shaped by mutate.
func (d *directSim) create(name string, mutate ...func(*v1alpha1.GatewayEndpoint)) *v1alpha1.GatewayEndpoint {
	d.t.Helper()
	ge := &v1alpha1.GatewayEndpoint{}
	ge.Namespace, ge.Name = d.namespace, name
	ge.Spec = v1alpha1.GatewayEndpointSpec{
		VPCID: d.vpcID, SubnetIDs: d.subnets,
		SecurityGroup: v1alpha1.SecurityGroupSpec{Managed: &v1alpha1.ManagedSecurityGroup{
			AllowedSources: v1alpha1.AllowedSources{SecurityGroupIDs: []string{d.agentsSG}},
		}},
	}
	for _, m := range mutate {
		m(ge)
	}
	d.g.Expect(env.Client.Create(context.Background(), ge)).To(Succeed())
	return ge
}

// pass is one Reconcile as the controller would run it: after the cache has
// caught up with the API server, errors returned rather than asserted.
// gone says the object no longer exists (it was deleted and let go).
func (d *directSim) pass(ge *v1alpha1.GatewayEndpoint) (res ctrl.Result, gone bool, err error) {
	d.t.Helper()
	key := client.ObjectKeyFromObject(ge)
	latest := &v1alpha1.GatewayEndpoint{}
	if err := env.Client.Get(context.Background(), key, latest); apierrors.IsNotFound(err) {
		return ctrl.Result{}, true, nil
	}
	d.synced(ge)
	res, err = d.r.Reconcile(context.Background(), ctrl.Request{NamespacedName: key})
	if getErr := env.Client.Get(context.Background(), key, ge); apierrors.IsNotFound(getErr) {
		return res, true, err
	}
	return res, false, err
}

// workqueueBackoff stands in for the workqueue's wait after a failed pass
// (its first steps are 0.5s, 1s, 2s, ...).
const workqueueBackoff = time.Second

// run reconciles ge as the controller would, moving the fake clock to each
// requeue the operator asks for (after an error, workqueueBackoff), until
// done says so, the object is gone, or limit has passed on the fake clock.
// check is called after every pass. It returns the number of passes.
func (d *directSim) run(ge *v1alpha1.GatewayEndpoint, limit time.Duration, done func() bool, check func(res ctrl.Result, err error)) int {
	d.t.Helper()
	until := d.clock.Now().Add(limit)
	for n := 1; ; n++ {
		res, gone, err := d.pass(ge)
		if gone {
			return n
		}
		if check != nil {
			check(res, err)
		}
		if done() {
			return n
		}
		step := res.RequeueAfter
		if err != nil || step == 0 {
			step = workqueueBackoff
		}
		if !d.clock.Now().Add(step).Before(until) {
			d.t.Fatalf("%s: not done within %s of fake time after %d passes; conditions: %v", ge.Name, limit, n, ge.Status.Conditions)
		}
		d.clock.Step(step)
	}
}

// ready says whether ge's Ready condition is True.
func (d *directSim) ready(ge *v1alpha1.GatewayEndpoint) func() bool {
	return func() bool { return strings.HasPrefix(d.condition(ge, v1alpha1.ConditionReady), "True/") }
}

// neverStalled fails the test on a pass that ends Stalled.
func (d *directSim) neverStalled(ge *v1alpha1.GatewayEndpoint) func(ctrl.Result, error) {
	return func(ctrl.Result, error) {
		d.t.Helper()
		d.g.Expect(d.condition(ge, v1alpha1.ConditionStalled)).To(Equal("absent"), "pass at %s", d.clock.Now().Format(time.TimeOnly))
	}
}

// liveEndpoints lists the simulator's endpoints that are neither deleting nor
// deleted, as EC2's reads show them now.
func (d *directSim) liveEndpoints() []ec2types.VpcEndpoint {
	d.t.Helper()
	out, err := d.ec2.DescribeVpcEndpoints(context.Background(), &ec2.DescribeVpcEndpointsInput{})
	d.g.Expect(err).NotTo(HaveOccurred())
	var live []ec2types.VpcEndpoint
	for _, e := range out.VpcEndpoints {
		if s := strings.ToLower(string(e.State)); s != "deleted" && s != "deleting" {
			live = append(live, e)
		}
	}
	return live
}

// endpointOf is the one endpoint the simulator has with id.
func (d *directSim) endpointOf(id string) ec2types.VpcEndpoint {
	d.t.Helper()
	out, err := d.ec2.DescribeVpcEndpoints(context.Background(), &ec2.DescribeVpcEndpointsInput{VpcEndpointIds: []string{id}})
	d.g.Expect(err).NotTo(HaveOccurred())
	d.g.Expect(out.VpcEndpoints).To(HaveLen(1))
	return out.VpcEndpoints[0]
}

// ownedGroups lists the groups carrying the operator's UID tag.
func (d *directSim) ownedGroups() []ec2types.SecurityGroup {
	d.t.Helper()
	out, err := d.ec2.DescribeSecurityGroups(context.Background(), &ec2.DescribeSecurityGroupsInput{
		Filters: []ec2types.Filter{{Name: ptr.To("tag-key"), Values: []string{v1alpha1.TagUID}}},
	})
	d.g.Expect(err).NotTo(HaveOccurred())
	return out.SecurityGroups
}

// createEndpointBehindTheOperator creates an endpoint of the gateway service
// directly in the simulator, as another tool would.
func (d *directSim) createEndpointBehindTheOperator(privateDNS bool) string {
	d.t.Helper()
	out, err := d.ec2.CreateVpcEndpoint(context.Background(), &ec2.CreateVpcEndpointInput{
		VpcId: aws.String(d.vpcID), ServiceName: aws.String(awsclient.DefaultServiceName(region)),
		VpcEndpointType: ec2types.VpcEndpointTypeInterface, SubnetIds: d.subnets[:1],
		PrivateDnsEnabled: aws.Bool(privateDNS),
	})
	d.g.Expect(err).NotTo(HaveOccurred())
	return aws.ToString(out.VpcEndpoint.VpcEndpointId)
}

// shippedPolicyWithout is the shipped IAM policy rendered for the test
// cluster, less every statement that grants action.
func shippedPolicyWithout(t *testing.T, action string) []byte {
	t.Helper()
	var doc struct {
		Version   string           `json:"Version"`
		Statement []map[string]any `json:"Statement"`
	}
	if err := json.Unmarshal(shippedIAMPolicy(t), &doc); err != nil {
		t.Fatal(err)
	}
	grants := func(st map[string]any) bool {
		switch a := st["Action"].(type) {
		case string:
			return a == action
		case []any:
			return slices.Contains(a, any(action))
		}
		return false
	}
	before := len(doc.Statement)
	doc.Statement = slices.DeleteFunc(doc.Statement, grants)
	if len(doc.Statement) == before {
		t.Fatalf("no statement of the shipped policy grants %s", action)
	}
	out, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// requestRecord keeps every request the simulator answered: its action, its
// parameters, who signed it and the HTTP status.
type requestRecord struct {
	mu   sync.Mutex
	reqs []recordedRequest
}

type recordedRequest struct {
	action    string
	form      url.Values
	accessKey string
	status    int
}

func (l *requestRecord) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		_, credential, _ := strings.Cut(r.Header.Get("Authorization"), "Credential=")
		key, _, _ := strings.Cut(credential, "/")
		l.mu.Lock()
		defer l.mu.Unlock()
		l.reqs = append(l.reqs, recordedRequest{action: r.Form.Get("Action"), form: r.Form, accessKey: key, status: rec.status})
	})
}

func (l *requestRecord) reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.reqs = nil
}

// operatorCalls counts the operator's requests of action (whatever the
// answer) that carry every parameter in params.
func (l *requestRecord) operatorCalls(action string, params ...string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, r := range l.reqs {
		if r.action != action || r.accessKey != operatorAccessKey {
			continue
		}
		if !slices.ContainsFunc(params, func(p string) bool { return !r.form.Has(p) }) {
			n++
		}
	}
	return n
}

// deleted lists the endpoint IDs the operator asked DeleteVpcEndpoints to
// delete, in the order asked.
func (l *requestRecord) deleted() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var ids []string
	for _, r := range l.reqs {
		if r.action == "DeleteVpcEndpoints" && r.accessKey == operatorAccessKey {
			for key, v := range r.form {
				if strings.HasPrefix(key, "VpcEndpointId.") {
					ids = append(ids, v...)
				}
			}
		}
	}
	return ids
}
