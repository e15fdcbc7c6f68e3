package aws_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	k8stypes "k8s.io/apimachinery/pkg/types"
	clocktesting "k8s.io/utils/clock/testing"

	"github.com/agentcore-io/vpce-operator/api/v1alpha1"
	awsclient "github.com/agentcore-io/vpce-operator/internal/aws"
	"github.com/agentcore-io/vpce-operator/internal/ec2sim"
)

const (
	invCluster = "inv-cluster"
	invPending = time.Minute
)

// inventoryRig is an Inventory on a simulator that shares its fake clock.
type inventoryRig struct {
	t       *testing.T
	clock   *clocktesting.FakeClock
	sim     *ec2sim.Simulator
	client  *awsclient.Client
	inv     *awsclient.Inventory
	vpcs    []string
	subnets map[string][]string

	base    map[string]int
	mu      sync.Mutex
	changed []k8stypes.NamespacedName
}

func newInventoryRig(t *testing.T) *inventoryRig {
	t.Helper()
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDTEST")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	clock := clocktesting.NewFakeClock(time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC))
	sim := ec2sim.New(ec2sim.Options{PendingDelay: invPending, DeletingDelay: invPending, Clock: clock.Now,
		Throttle: ec2sim.ThrottleConfig{Disabled: true}})
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	api, err := awsclient.NewEC2Client(context.Background(), "us-east-1", awsclient.ClientOptions{Endpoint: srv.URL, RateLimitScale: -1})
	if err != nil {
		t.Fatal(err)
	}
	r := &inventoryRig{t: t, clock: clock, sim: sim, subnets: map[string][]string{}}
	r.client = awsclient.NewClient(api, "us-east-1", awsclient.ClientOptions{})
	r.inv = awsclient.NewInventory(r.client, awsclient.InventoryOptions{
		Cluster: invCluster, Now: clock.Now, RefreshEvery: 10 * time.Minute, PollEvery: 2 * time.Second, ConsistencyLag: 5 * time.Second,
	})
	r.inv.OnChange(func(objs []k8stypes.NamespacedName) {
		r.mu.Lock()
		defer r.mu.Unlock()
		r.changed = append(r.changed, objs...)
	})
	return r
}

// endpoint creates an endpoint in a VPC of its own (one private-DNS endpoint
// per VPC) with the ownership tags of object name, or with no cluster tag
// when foreign.
func (r *inventoryRig) endpoint(name string, foreign bool) string {
	r.t.Helper()
	vpc, subnets, err := r.sim.SeedVPC(fmt.Sprintf("10.%d.0.0/16", len(r.vpcs)+1), 1)
	if err != nil {
		r.t.Fatal(err)
	}
	r.vpcs = append(r.vpcs, vpc)
	r.subnets[vpc] = subnets
	tags := awsclient.Owner{Cluster: invCluster, Namespace: "team", Name: name, UID: "uid-" + name}.Tags(name, nil)
	if foreign {
		tags = map[string]string{"Name": name, "team": "other-tool"}
	}
	ep, err := r.client.CreateEndpoint(context.Background(), awsclient.EndpointSpec{
		VpcID: vpc, ServiceName: awsclient.DefaultServiceName("us-east-1"), SubnetIDs: subnets, IPAddressType: "ipv4",
		PolicyDocument: `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}`,
		Tags:           tags, ClientToken: "token-" + name,
	})
	if err != nil {
		r.t.Fatal(err)
	}
	return ep.ID
}

// reads counts the Describe requests the operator's client made that
// succeeded since the last resetCalls. The client's own count: an attempt
// the SDK retries (a request whose body the transport was still checking
// when the simulator's answer came back closes the connection) reaches the
// simulator twice.
func (r *inventoryRig) reads() int {
	n := 0
	for _, action := range []string{"DescribeVpcEndpoints", "DescribeSecurityGroups"} {
		n += r.calls(action)
	}
	return n
}

func (r *inventoryRig) calls(action string) int {
	return int(testutil.ToFloat64(awsclient.APICalls.WithLabelValues(action, "OK"))) - r.base[action]
}

func (r *inventoryRig) resetCalls() {
	r.base = map[string]int{}
	for _, action := range []string{"DescribeVpcEndpoints", "DescribeSecurityGroups"} {
		r.base[action] = int(testutil.ToFloat64(awsclient.APICalls.WithLabelValues(action, "OK")))
	}
}

func (r *inventoryRig) takeChanged() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var names []string
	for _, o := range r.changed {
		names = append(names, o.Name)
	}
	r.changed = nil
	slices.Sort(names)
	return slices.Compact(names)
}

func (r *inventoryRig) byOwner(name string) *awsclient.Endpoint {
	r.t.Helper()
	ep, err := r.inv.EndpointByOwner(context.Background(), "uid-"+name)
	if err != nil {
		r.t.Fatal(err)
	}
	return ep
}

func TestInventoryServesEveryObjectFromOneRefresh(t *testing.T) {
	r := newInventoryRig(t)
	const n = 45
	for i := range n {
		r.endpoint(fmt.Sprintf("ep-%02d", i), false)
		r.endpoint(fmt.Sprintf("other-%02d", i), true)
	}
	r.clock.Step(invPending) // all available: nothing for the poller
	r.resetCalls()

	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			name := fmt.Sprintf("ep-%02d", i)
			ep, err := r.inv.EndpointByOwner(context.Background(), "uid-"+name)
			if err != nil || ep == nil || ep.Tags[v1alpha1.TagName] != name || ep.State != "available" {
				t.Errorf("%s: got %+v, %v", name, ep, err)
			}
			if g, err := r.inv.SecurityGroupByOwner(context.Background(), r.vpcs[0], "uid-"+name); err != nil || g != nil {
				t.Errorf("%s: group %+v, %v; want none", name, g, err)
			}
		})
	}
	wg.Wait()
	if got := r.calls("DescribeVpcEndpoints"); got != 1 {
		t.Errorf("DescribeVpcEndpoints calls for %d objects = %d, want 1", n, got)
	}
	if got := r.calls("DescribeSecurityGroups"); got != 1 {
		t.Errorf("DescribeSecurityGroups calls for %d objects = %d, want 1", n, got)
	}
	if ep := r.byOwner("other-00"); ep != nil {
		t.Errorf("an endpoint without this cluster's tag is in the inventory: %+v", ep)
	}

	// Until the sync period has passed, reads cost nothing; then one
	// refresh serves everyone again.
	r.resetCalls()
	r.clock.Step(9 * time.Minute)
	for i := range n {
		r.byOwner(fmt.Sprintf("ep-%02d", i))
	}
	if got := r.reads(); got != 0 {
		t.Errorf("reads within the sync period = %d, want 0", got)
	}
	r.clock.Step(time.Minute)
	for i := range n {
		r.byOwner(fmt.Sprintf("ep-%02d", i))
	}
	if got := r.calls("DescribeVpcEndpoints"); got != 1 {
		t.Errorf("DescribeVpcEndpoints calls at the resync = %d, want 1", got)
	}
}

func TestInventoryPollsPendingEndpointsInOneCallAndReportsWhichChanged(t *testing.T) {
	r := newInventoryRig(t)
	for i := range 5 {
		r.endpoint(fmt.Sprintf("ep-%d", i), false)
	}
	r.clock.Step(invPending)
	for i := 5; i < 10; i++ {
		r.endpoint(fmt.Sprintf("ep-%d", i), false) // pending for another minute
	}
	if ep := r.byOwner("ep-7"); ep == nil || ep.State != "pending" {
		t.Fatalf("ep-7 = %+v, want pending", ep)
	}
	r.takeChanged()
	if got := r.inv.Pending(); got != 5 {
		t.Fatalf("Pending() = %d, want 5", got)
	}

	r.resetCalls()
	r.clock.Step(time.Second)
	if polled, err := r.inv.PollIfDue(context.Background()); err != nil || polled {
		t.Fatalf("PollIfDue one second after the last read = %t, %v; want no poll", polled, err)
	}
	r.clock.Step(time.Second)
	if polled, err := r.inv.PollIfDue(context.Background()); err != nil || !polled {
		t.Fatalf("PollIfDue after the poll interval = %t, %v; want a poll", polled, err)
	}
	if got := r.reads(); got != 1 {
		t.Errorf("reads of one poll of 5 pending endpoints = %d, want 1", got)
	}
	if got := r.takeChanged(); len(got) != 0 {
		t.Errorf("objects reported changed while nothing changed: %v", got)
	}

	// They become available: the next poll's one call says so and names
	// exactly them; then nothing is polled.
	r.clock.Step(invPending)
	r.resetCalls()
	if _, err := r.inv.PollIfDue(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got, want := r.takeChanged(), []string{"ep-5", "ep-6", "ep-7", "ep-8", "ep-9"}; !slices.Equal(got, want) {
		t.Errorf("objects reported changed = %v, want %v", got, want)
	}
	if ep := r.byOwner("ep-7"); ep == nil || ep.State != "available" {
		t.Errorf("ep-7 after the poll = %+v, want available", ep)
	}
	r.clock.Step(time.Minute)
	if polled, _ := r.inv.PollIfDue(context.Background()); polled {
		t.Error("polled with nothing pending")
	}
	if got := r.reads(); got != 1 {
		t.Errorf("reads = %d, want the one poll", got)
	}
}

func TestInventoryOverlaysTheOperatorsWritesForTheConsistencyLag(t *testing.T) {
	r := newInventoryRig(t)
	id := r.endpoint("ep", false)
	r.clock.Step(invPending)
	if ep := r.byOwner("ep"); ep == nil || ep.Assumed {
		t.Fatalf("endpoint = %+v, want read from EC2", ep)
	}
	// EC2's reads lag by 10s: a refresh within the operator's 5s lag must
	// not undo the write; one after it shows what EC2 has.
	r.sim.SetEventualConsistency(10 * time.Second)
	doc := `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"bedrock-agentcore:*","Resource":"*"}]}`
	if err := r.inv.ModifyEndpoint(context.Background(), id, awsclient.EndpointChange{PolicyDocument: &doc}); err != nil {
		t.Fatal(err)
	}
	ep := r.byOwner("ep")
	if ep.PolicyDocument != doc || !ep.Assumed {
		t.Fatalf("right after the write: policy %q assumed %t; want the written policy, assumed", ep.PolicyDocument, ep.Assumed)
	}
	r.clock.Step(10 * time.Minute) // a refresh is due, and EC2 shows the write by now
	r.resetCalls()
	ep = r.byOwner("ep")
	if r.calls("DescribeVpcEndpoints") != 1 || ep.Assumed {
		t.Errorf("after the lag: %d DescribeVpcEndpoints, assumed %t; want a refresh that reads the endpoint back", r.calls("DescribeVpcEndpoints"), ep.Assumed)
	}
	if ep.PolicyDocument != doc {
		t.Errorf("policy after the refresh = %q, want the written one", ep.PolicyDocument)
	}

	// A private DNS change sends the endpoint to pending at once in the
	// inventory, so the poller watches it, though EC2's reads still say
	// available for a while.
	on := true
	if err := r.inv.ModifyEndpoint(context.Background(), id, awsclient.EndpointChange{PrivateDNSEnabled: &on}); err != nil {
		t.Fatal(err)
	}
	if ep := r.byOwner("ep"); ep.State != "pending" || ep.PrivateDNSEnabled == nil || !*ep.PrivateDNSEnabled {
		t.Errorf("after turning private DNS on: state %s, private DNS %v; want pending, on", ep.State, ep.PrivateDNSEnabled)
	}
	r.clock.Step(3 * time.Second)
	if _, err := r.inv.PollIfDue(context.Background()); err != nil {
		t.Fatal(err)
	}
	if ep := r.byOwner("ep"); ep.State != "pending" {
		t.Errorf("a poll within the lag replaced the write: state %s", ep.State)
	}
}

func TestInventoryReadsOthersEndpointsAndGroupsByID(t *testing.T) {
	r := newInventoryRig(t)
	foreign := r.endpoint("other", true)
	r.clock.Step(invPending)
	r.resetCalls()
	ep, err := r.inv.EndpointByID(context.Background(), foreign)
	if err != nil || ep == nil || ep.ID != foreign {
		t.Fatalf("EndpointByID(foreign) = %+v, %v", ep, err)
	}
	// Read by ID each time: it is not the cluster's, so no refresh shows it.
	if _, err := r.inv.EndpointByID(context.Background(), foreign); err != nil {
		t.Fatal(err)
	}
	if got := r.calls("DescribeVpcEndpoints"); got != 3 {
		t.Errorf("DescribeVpcEndpoints = %d, want the refresh and two reads by ID", got)
	}
	if ep, err := r.inv.EndpointByID(context.Background(), "vpce-0000000000000000f"); err != nil || ep != nil {
		t.Errorf("EndpointByID(unknown) = %+v, %v; want nil", ep, err)
	}

	// An existing group (not the cluster's) is read once per refresh.
	g, err := r.client.CreateSecurityGroup(context.Background(), r.vpcs[0], "agents", "agents", map[string]string{"team": "a"})
	if err != nil {
		t.Fatal(err)
	}
	r.resetCalls()
	for range 3 {
		got, err := r.inv.SecurityGroupByID(context.Background(), g.ID)
		if err != nil || got == nil || got.ID != g.ID {
			t.Fatalf("SecurityGroupByID = %+v, %v", got, err)
		}
	}
	if got := r.calls("DescribeSecurityGroups"); got != 1 {
		t.Errorf("DescribeSecurityGroups for three lookups of an existing group = %d, want 1", got)
	}
}
