package aws

import (
	"context"
	"slices"
	"sort"
	"sync"
	"time"

	k8stypes "k8s.io/apimachinery/pkg/types"

	"github.com/agentcore-io/vpce-operator/api/v1alpha1"
)

// InventoryOptions configure an Inventory.
type InventoryOptions struct {
	// Cluster is the value of the vpce.agentcore.io/cluster tag on every
	// resource the operator owns; the inventory lists only those.
	Cluster string
	// Now is the clock (tests inject a fake one).
	Now func() time.Time
	// RefreshEvery is how old the inventory may grow before a read refreshes
	// it: the operator's sync period. Zero means 10 minutes.
	RefreshEvery time.Duration
	// PollEvery is how often the endpoints that are pending or deleting are
	// read, all in one call. Zero means 2 seconds.
	PollEvery time.Duration
	// ConsistencyLag is how long after the operator's own write EC2's reads
	// may still show the old state: for that long, the write overlays what
	// reads return. Zero means 5 seconds.
	ConsistencyLag time.Duration
}

// Inventory is the operator's view of its own endpoints and security groups
// in one account and region, so that one read serves every object: EC2's
// read budget (100 burst, 20 per second for all Describe calls) is shared by
// everything in the account and region.
//
//   - A refresh is one paginated DescribeVpcEndpoints and one paginated
//     DescribeSecurityGroups, both filtered by this cluster's tag. A read
//     refreshes the inventory when it is older than RefreshEvery, so a
//     resync of the whole fleet costs those pages once.
//   - The pending poller reads every endpoint that is pending or deleting in
//     one DescribeVpcEndpoints filtered by their IDs and this cluster's tag,
//     at most every PollEvery (longer when the call takes several pages):
//     the answer carries the new state of those that finished, so no further
//     read is needed. Nothing is polled when nothing is pending.
//   - The operator's own writes update the inventory at once (read your
//     writes); for ConsistencyLag a write overlays what reads return, since
//     EC2's reads may still show the state before it. An entry the operator
//     wrote and has not read back since is marked Assumed.
//
// Endpoints and groups that are not the cluster's (an endpoint to adopt, a
// status naming someone else's, existing groups) are read by ID, batched.
type Inventory struct {
	c    *Client
	opts InventoryOptions

	mu          sync.Mutex
	loaded      bool
	refreshedAt time.Time
	lastPoll    time.Time
	pollPages   int
	endpoints   map[string]*endpointEntry
	groups      map[string]*groupEntry
	// others are groups read by ID that are not the cluster's (a spec's
	// existing groups), served until the next refresh.
	others   map[string]*groupEntry
	onChange func([]k8stypes.NamespacedName)

	refreshing *flight
	polling    *flight
}

type flight struct {
	done chan struct{}
	err  error
}

// NewInventory returns the inventory of c's region; it is filled by the
// first read.
func NewInventory(c *Client, opts InventoryOptions) *Inventory {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.RefreshEvery <= 0 {
		opts.RefreshEvery = 10 * time.Minute
	}
	if opts.PollEvery <= 0 {
		opts.PollEvery = 2 * time.Second
	}
	if opts.ConsistencyLag <= 0 {
		opts.ConsistencyLag = 5 * time.Second
	}
	return &Inventory{c: c, opts: opts, endpoints: map[string]*endpointEntry{},
		groups: map[string]*groupEntry{}, others: map[string]*groupEntry{}}
}

// OnChange sets what is told the objects (by their namespace and name tags)
// whose endpoint or group a refresh or a poll found changed.
func (inv *Inventory) OnChange(f func([]k8stypes.NamespacedName)) {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	inv.onChange = f
}

// Pending says how many endpoints the poller watches.
func (inv *Inventory) Pending() int {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	return len(inv.watchedLocked())
}

// EndpointByOwner returns the live endpoint (not deleting or deleted) tagged
// with the owner's UID, or nil.
func (inv *Inventory) EndpointByOwner(ctx context.Context, uid string) (*Endpoint, error) {
	if err := inv.current(ctx); err != nil {
		return nil, err
	}
	inv.mu.Lock()
	defer inv.mu.Unlock()
	var found *Endpoint
	for _, e := range inv.endpoints {
		ep := e.ep
		if ep.Tags[tagUIDKey] != uid || ep.Gone() || ep.State == "deleting" {
			continue
		}
		if found == nil || ep.ID < found.ID {
			found = ep
		}
	}
	return found.clone(), nil
}

// EndpointByID returns the endpoint with id, or nil if EC2 does not know it.
// One that is not the cluster's is read from EC2 (batched with others).
func (inv *Inventory) EndpointByID(ctx context.Context, id string) (*Endpoint, error) {
	if err := inv.current(ctx); err != nil {
		return nil, err
	}
	inv.mu.Lock()
	e := inv.endpoints[id]
	inv.mu.Unlock()
	if e != nil {
		return e.ep.clone(), nil
	}
	ep, err := inv.c.EndpointByID(ctx, id)
	if err != nil || ep == nil {
		return nil, err
	}
	inv.Observe(ep)
	return ep, nil
}

// ReadEndpoint reads the endpoint from EC2 now, bypassing the inventory
// (which it then updates): for the few decisions that must not rest on an
// older read, such as adopting an endpoint.
func (inv *Inventory) ReadEndpoint(ctx context.Context, id string) (*Endpoint, error) {
	ep, err := inv.c.EndpointByID(ctx, id)
	if err != nil || ep == nil {
		return nil, err
	}
	inv.Observe(ep)
	return ep, nil
}

// Observe records an endpoint just read from EC2, if it is the cluster's.
func (inv *Inventory) Observe(ep *Endpoint) {
	if ep == nil || ep.Tags[v1alpha1.TagCluster] != inv.opts.Cluster {
		return
	}
	inv.mu.Lock()
	defer inv.mu.Unlock()
	inv.takeLocked(ep.clone(), inv.opts.Now())
}

// SecurityGroupByOwner returns the group in vpcID tagged with the owner's
// UID, or nil.
func (inv *Inventory) SecurityGroupByOwner(ctx context.Context, vpcID, uid string) (*SecurityGroup, error) {
	if err := inv.current(ctx); err != nil {
		return nil, err
	}
	inv.mu.Lock()
	defer inv.mu.Unlock()
	var found *groupEntry
	for _, e := range inv.groups {
		if e.g.Tags[tagUIDKey] == uid && e.g.VpcID == vpcID && (found == nil || e.g.ID < found.g.ID) {
			found = e
		}
	}
	if found == nil {
		return nil, nil
	}
	return inv.groupLocked(found), nil
}

// SecurityGroupByID returns the group, or nil if EC2 does not know it. A
// group that is not the cluster's is read from EC2 once per refresh.
func (inv *Inventory) SecurityGroupByID(ctx context.Context, id string) (*SecurityGroup, error) {
	if err := inv.current(ctx); err != nil {
		return nil, err
	}
	inv.mu.Lock()
	e := inv.groups[id]
	if e == nil {
		if o := inv.others[id]; o != nil && !o.readAt.Before(inv.refreshedAt) {
			e = o
		}
	}
	inv.mu.Unlock()
	if e != nil {
		return e.g.clone(), nil
	}
	readAt := inv.opts.Now()
	g, err := inv.c.SecurityGroupByID(ctx, id)
	if err != nil || g == nil {
		return nil, err
	}
	inv.mu.Lock()
	if g.Tags[v1alpha1.TagCluster] == inv.opts.Cluster {
		inv.groups[id] = &groupEntry{g: g.clone(), readAt: readAt}
	} else {
		inv.others[id] = &groupEntry{g: g.clone(), readAt: readAt}
	}
	inv.mu.Unlock()
	return g, nil
}

// current makes sure the inventory is loaded and no older than
// RefreshEvery, and polls the pending endpoints when a poll is due.
func (inv *Inventory) current(ctx context.Context) error {
	if _, err := inv.once(ctx, &inv.refreshing, inv.refreshDueLocked, inv.refresh); err != nil {
		return err
	}
	_, err := inv.PollIfDue(ctx)
	return err
}

func (inv *Inventory) refreshDueLocked() bool {
	return !inv.loaded || inv.opts.Now().Sub(inv.refreshedAt) >= inv.opts.RefreshEvery
}

// PollIfDue reads the pending and deleting endpoints if any are and the last
// poll is older than PollEvery (times the pages it took); polled says
// whether it did (or waited for one under way).
func (inv *Inventory) PollIfDue(ctx context.Context) (polled bool, err error) {
	return inv.once(ctx, &inv.polling, func() bool {
		return inv.loaded && len(inv.watchedLocked()) > 0 &&
			inv.opts.Now().Sub(inv.lastPoll) >= inv.opts.PollEvery*time.Duration(max(1, inv.pollPages))
	}, inv.poll)
}

// once runs fn when due says so (under the lock), for every caller that
// asks while it runs: the call serves them all, so it cannot use any one
// caller's context; a caller that gives up stops waiting instead. ran says
// whether there was a call to wait for.
func (inv *Inventory) once(ctx context.Context, slot **flight, due func() bool, fn func(context.Context) error) (ran bool, err error) {
	inv.mu.Lock()
	f := *slot
	if f != nil {
		inv.mu.Unlock()
		select {
		case <-f.done:
			return true, f.err
		case <-ctx.Done():
			return true, ctx.Err()
		}
	}
	if !due() {
		inv.mu.Unlock()
		return false, nil
	}
	f = &flight{done: make(chan struct{})}
	*slot = f
	inv.mu.Unlock()
	// The first caller makes the call for all; its cancellation must not
	// fail the others.
	callCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	f.err = fn(callCtx)
	cancel()
	inv.mu.Lock()
	*slot = nil
	inv.mu.Unlock()
	close(f.done)
	return true, f.err
}

func (inv *Inventory) refresh(ctx context.Context) error {
	at := inv.opts.Now()
	clusterTag := filter("tag:"+v1alpha1.TagCluster, inv.opts.Cluster)
	eps, pages, err := inv.c.listEndpoints(ctx, clusterTag)
	InventoryCalls.WithLabelValues("refresh").Add(float64(pages))
	if err != nil {
		return err
	}
	groups, pages, err := inv.c.listGroups(ctx, clusterTag)
	InventoryCalls.WithLabelValues("refresh").Add(float64(pages))
	if err != nil {
		return err
	}
	inv.mu.Lock()
	changed := inv.applyEndpointsLocked(eps, at, nil)
	seen := map[string]bool{}
	for _, g := range groups {
		seen[g.ID] = true
		if e := inv.groups[g.ID]; e != nil && at.Before(e.overlayUntil) {
			continue
		}
		inv.groups[g.ID] = &groupEntry{g: g, readAt: at}
	}
	for id, e := range inv.groups {
		if !seen[id] && !at.Before(e.overlayUntil) {
			delete(inv.groups, id)
		}
	}
	inv.loaded = true
	inv.refreshedAt, inv.lastPoll = at, at
	clear(inv.others)
	notify := inv.onChange
	inv.mu.Unlock()
	if notify != nil && len(changed) > 0 {
		notify(changed)
	}
	return nil
}

func (inv *Inventory) poll(ctx context.Context) error {
	at := inv.opts.Now()
	inv.mu.Lock()
	watched := inv.watchedLocked()
	inv.mu.Unlock()
	if len(watched) == 0 {
		return nil
	}
	var found []*Endpoint
	pages := 0
	for chunk := range slices.Chunk(watched, maxFilterValues) {
		eps, n, err := inv.c.listEndpoints(ctx, filter("tag:"+v1alpha1.TagCluster, inv.opts.Cluster), filter("vpc-endpoint-id", chunk...))
		pages += n
		InventoryCalls.WithLabelValues("poll").Add(float64(n))
		if err != nil {
			return err
		}
		found = append(found, eps...)
	}
	inv.mu.Lock()
	changed := inv.applyEndpointsLocked(found, at, watched)
	inv.lastPoll, inv.pollPages = at, pages
	notify := inv.onChange
	inv.mu.Unlock()
	if notify != nil && len(changed) > 0 {
		notify(changed)
	}
	return nil
}

// watchedLocked lists the endpoints the poller reads: pending or deleting.
func (inv *Inventory) watchedLocked() []string {
	var ids []string
	for id, e := range inv.endpoints {
		switch e.ep.State {
		case "pending", "pendingacceptance", "deleting":
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	return ids
}

func ownerOf(tags map[string]string) k8stypes.NamespacedName {
	return k8stypes.NamespacedName{Namespace: tags[v1alpha1.TagNamespace], Name: tags[v1alpha1.TagName]}
}
