package aws

import (
	"context"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
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

type endpointEntry struct {
	ep *Endpoint
	// overlayUntil: reads issued before then may not show the operator's
	// last write; one that does not (see wrote) does not replace it.
	overlayUntil time.Time
	// wrote is what the operator's writes changed since a read last showed
	// the endpoint.
	wrote writeMark
	// deleting: the operator deleted the endpoint. EC2 never takes a
	// deleting endpoint back, so a read that shows it otherwise is older.
	deleting bool
}

// writeMark lists what the operator's writes to an endpoint changed.
type writeMark struct {
	created, subnets, groups, privateDNS, ipType, policy bool
	tags                                                 map[string]string
}

// shows says whether read, a read of the endpoint, shows the entry's
// writes: a read issued within the consistency lag replaces the entry only
// then.
func (e *endpointEntry) shows(read *Endpoint) bool {
	w, want := e.wrote, e.ep
	switch {
	case e.deleting:
		return read.State == "deleting" || read.State == "deleted"
	case w.subnets && !slices.Equal(read.SubnetIDs, want.SubnetIDs),
		w.groups && !slices.Equal(read.SecurityGroupIDs, want.SecurityGroupIDs),
		w.privateDNS && (read.PrivateDNSEnabled == nil || want.PrivateDNSEnabled == nil || *read.PrivateDNSEnabled != *want.PrivateDNSEnabled),
		w.ipType && read.IPAddressType != want.IPAddressType,
		w.policy && read.PolicyDocument != want.PolicyDocument:
		return false
	}
	for k, v := range w.tags {
		if read.Tags[k] != v {
			return false
		}
	}
	return true
}

type groupEntry struct {
	g            *SecurityGroup
	overlayUntil time.Time
	readAt       time.Time
	// created: the operator created the group and no read has listed it
	// since; settlesAt is when EC2's reads should.
	created   bool
	settlesAt time.Time
}

// groupLocked returns a copy of the entry's group, saying when a group the
// operator just created settles.
func (inv *Inventory) groupLocked(e *groupEntry) *SecurityGroup {
	g := e.g.clone()
	if now := inv.opts.Now(); e.created && now.Before(e.settlesAt) {
		g.SettlesIn = e.settlesAt.Sub(now)
	}
	return g
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

// Client is the EC2 client of the inventory's region.
func (inv *Inventory) Client() *Client { return inv.c }

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

// Refresh reads every endpoint and group of the cluster, once for all the
// callers that ask meanwhile.
func (inv *Inventory) Refresh(ctx context.Context) error {
	_, err := inv.once(ctx, &inv.refreshing, func() bool { return true }, inv.refresh)
	return err
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

// applyEndpointsLocked takes what a read issued at at returned: of all the
// cluster's endpoints (scope nil) or of those in scope. An entry the
// operator wrote less than ConsistencyLag before the read keeps its write;
// one in scope the read did not return is gone. It returns the owners of
// the entries that changed.
func (inv *Inventory) applyEndpointsLocked(read []*Endpoint, at time.Time, scope []string) []k8stypes.NamespacedName {
	var changed []k8stypes.NamespacedName
	seen := make(map[string]bool, len(read))
	for _, ep := range read {
		seen[ep.ID] = true
		if inv.takeLocked(ep, at) {
			changed = append(changed, ownerOf(ep.Tags))
		}
	}
	gone := func(id string) {
		e := inv.endpoints[id]
		if e == nil || seen[id] || at.Before(e.overlayUntil) {
			return
		}
		changed = append(changed, ownerOf(e.ep.Tags))
		delete(inv.endpoints, id)
	}
	if scope == nil {
		for id := range inv.endpoints {
			gone(id)
		}
	} else {
		for _, id := range scope {
			gone(id)
		}
	}
	return changed
}

// takeLocked records ep, read at at, unless the entry holds a write the
// read does not show yet: within the consistency lag, or a deletion (EC2
// never takes a deleting endpoint back). It says whether the entry changed.
func (inv *Inventory) takeLocked(ep *Endpoint, at time.Time) bool {
	e := inv.endpoints[ep.ID]
	if e != nil && (at.Before(e.overlayUntil) || e.deleting) && !e.shows(ep) {
		return false
	}
	if e != nil && reflect.DeepEqual(e.ep, ep) {
		return false
	}
	inv.endpoints[ep.ID] = &endpointEntry{ep: ep, deleting: e != nil && e.deleting && ep.State != "deleted"}
	return true
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

// CreateEndpoint creates the endpoint (see Client.CreateEndpoint) and
// records it.
func (inv *Inventory) CreateEndpoint(ctx context.Context, s EndpointSpec) (*Endpoint, error) {
	ep, err := inv.c.CreateEndpoint(ctx, s)
	if err != nil {
		return nil, err
	}
	if len(ep.Tags) == 0 {
		ep.Tags = maps.Clone(s.Tags)
	}
	inv.wroteEndpoint(ep.ID, func(old *Endpoint) *Endpoint {
		if old != nil && !old.Unlisted {
			return nil // a retried create: EC2 answered with the endpoint it lists already
		}
		created := ep.clone()
		created.Unlisted = true
		return created
	}, func(w *writeMark) { w.created = true })
	return ep, nil
}

// ModifyEndpoint applies ch (see Client.ModifyEndpoint) and records it.
func (inv *Inventory) ModifyEndpoint(ctx context.Context, id string, ch EndpointChange) error {
	if err := inv.c.ModifyEndpoint(ctx, id, ch); err != nil {
		inv.forgetIfNotFound(id, err)
		return err
	}
	inv.wroteEndpoint(id, func(old *Endpoint) *Endpoint {
		if old == nil {
			return nil
		}
		ep := old.clone()
		ep.apply(ch)
		return ep
	}, func(w *writeMark) {
		w.subnets = w.subnets || len(ch.AddSubnetIDs)+len(ch.RemoveSubnetIDs) > 0
		w.groups = w.groups || len(ch.AddSecurityGroupIDs)+len(ch.RemoveSecurityGroupIDs) > 0
		w.privateDNS = w.privateDNS || ch.PrivateDNSEnabled != nil
		w.ipType = w.ipType || ch.IPAddressType != ""
		w.policy = w.policy || ch.PolicyDocument != nil
	})
	return nil
}

// DeleteEndpoint starts deleting the endpoint (see Client.DeleteEndpoint)
// and records it as deleting.
func (inv *Inventory) DeleteEndpoint(ctx context.Context, id string) error {
	if err := inv.c.DeleteEndpoint(ctx, id); err != nil {
		return err
	}
	inv.wroteEndpoint(id, func(old *Endpoint) *Endpoint {
		if old == nil {
			return nil
		}
		ep := old.clone()
		ep.State = "deleting"
		return ep
	}, nil)
	inv.mu.Lock()
	if e := inv.endpoints[id]; e != nil {
		e.deleting = true
	}
	inv.mu.Unlock()
	return nil
}

// TagResource adds tags to an endpoint or a group (see Client.TagResource)
// and records them.
func (inv *Inventory) TagResource(ctx context.Context, id string, tags map[string]string) error {
	if err := inv.c.TagResource(ctx, id, tags); err != nil || len(tags) == 0 {
		inv.forgetIfNotFound(id, err)
		return err
	}
	inv.wroteEndpoint(id, func(old *Endpoint) *Endpoint {
		if old == nil {
			return nil
		}
		ep := old.clone()
		for k, v := range tags {
			ep.Tags[k] = v
		}
		return ep
	}, func(w *writeMark) {
		if w.tags == nil {
			w.tags = map[string]string{}
		}
		maps.Copy(w.tags, tags)
	})
	inv.wroteGroup(id, func(g *SecurityGroup) {
		for k, v := range tags {
			g.Tags[k] = v
		}
	})
	return nil
}

// CreateSecurityGroup creates a group (see Client.CreateSecurityGroup) and
// records it if it is the cluster's.
func (inv *Inventory) CreateSecurityGroup(ctx context.Context, vpcID, name, description string, tags map[string]string) (*SecurityGroup, error) {
	g, err := inv.c.CreateSecurityGroup(ctx, vpcID, name, description, tags)
	if err != nil {
		return nil, err
	}
	if g.Tags[v1alpha1.TagCluster] != inv.opts.Cluster {
		return g, nil
	}
	now := inv.opts.Now()
	inv.mu.Lock()
	defer inv.mu.Unlock()
	if e := inv.groups[g.ID]; e != nil && !e.created {
		return inv.groupLocked(e), nil // a retried create: EC2 lists the group already
	}
	settles := now.Add(inv.opts.ConsistencyLag)
	e := &groupEntry{g: g.clone(), overlayUntil: settles, readAt: now, created: true, settlesAt: settles}
	inv.groups[g.ID] = e
	return inv.groupLocked(e), nil
}

// AuthorizeIngress adds rules (see Client.AuthorizeIngress) and records
// them.
func (inv *Inventory) AuthorizeIngress(ctx context.Context, groupID string, rules []IngressRule) error {
	if err := inv.c.AuthorizeIngress(ctx, groupID, rules); err != nil || len(rules) == 0 {
		return err
	}
	inv.wroteGroup(groupID, func(g *SecurityGroup) {
		for _, r := range rules {
			if !slices.Contains(g.Ingress, r) {
				g.Ingress = append(g.Ingress, r)
			}
		}
	})
	return nil
}

// RevokeIngress removes rules (see Client.RevokeIngress) and records it.
func (inv *Inventory) RevokeIngress(ctx context.Context, groupID string, rules []IngressRule) error {
	if err := inv.c.RevokeIngress(ctx, groupID, rules); err != nil || len(rules) == 0 {
		return err
	}
	inv.wroteGroup(groupID, func(g *SecurityGroup) {
		g.Ingress = slices.DeleteFunc(g.Ingress, func(r IngressRule) bool { return slices.Contains(rules, r) })
	})
	return nil
}

// DeleteSecurityGroup deletes a group (see Client.DeleteSecurityGroup) and
// forgets it.
func (inv *Inventory) DeleteSecurityGroup(ctx context.Context, id string) error {
	if err := inv.c.DeleteSecurityGroup(ctx, id); err != nil {
		return err
	}
	inv.mu.Lock()
	delete(inv.groups, id)
	delete(inv.others, id)
	inv.mu.Unlock()
	return nil
}

// wroteEndpoint records the operator's write to endpoint id: next returns
// the endpoint as the write leaves it (nil: unknown, nothing recorded), and
// mark notes what it changed.
func (inv *Inventory) wroteEndpoint(id string, next func(old *Endpoint) *Endpoint, mark func(*writeMark)) {
	now := inv.opts.Now()
	inv.mu.Lock()
	defer inv.mu.Unlock()
	e := inv.endpoints[id]
	var old *Endpoint
	var wrote writeMark
	var deleting bool
	if e != nil {
		old, wrote, deleting = e.ep, e.wrote, e.deleting
		wrote.tags = maps.Clone(wrote.tags)
	}
	ep := next(old)
	if ep == nil {
		return
	}
	if mark != nil {
		mark(&wrote)
	}
	ep.Assumed = true
	inv.endpoints[id] = &endpointEntry{ep: ep, overlayUntil: now.Add(inv.opts.ConsistencyLag), wrote: wrote, deleting: deleting}
}

// forgetIfNotFound drops an endpoint EC2 says does not exist, so that the
// next reconcile looks for it again instead of trusting the inventory.
func (inv *Inventory) forgetIfNotFound(id string, err error) {
	if err == nil || !IsNotFound(err) {
		return
	}
	inv.mu.Lock()
	defer inv.mu.Unlock()
	delete(inv.endpoints, id)
}

// wroteGroup records the operator's write to group id, if it is the
// cluster's.
func (inv *Inventory) wroteGroup(id string, change func(*SecurityGroup)) {
	now := inv.opts.Now()
	inv.mu.Lock()
	defer inv.mu.Unlock()
	e := inv.groups[id]
	if e == nil {
		return
	}
	g := e.g.clone()
	change(g)
	inv.groups[id] = &groupEntry{g: g, overlayUntil: now.Add(inv.opts.ConsistencyLag), readAt: e.readAt, created: e.created, settlesAt: e.settlesAt}
}

// listEndpoints reads every endpoint the filters select, and says how many
// pages it took. Without MaxResults EC2 decides the page size (at most
// 1,000 items for DescribeVpcEndpoints).
func (c *Client) listEndpoints(ctx context.Context, filters ...types.Filter) ([]*Endpoint, int, error) {
	var out []*Endpoint
	pages := ec2.NewDescribeVpcEndpointsPaginator(c.api, &ec2.DescribeVpcEndpointsInput{
		Filters: filters,
	})
	n := 0
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		n++
		if err != nil {
			return nil, n, fmt.Errorf("describing vpc endpoints: %w", err)
		}
		for _, v := range page.VpcEndpoints {
			out = append(out, endpointFromEC2(v))
		}
	}
	return out, n, nil
}

// listGroups reads every security group the filters select, and says how
// many pages it took.
func (c *Client) listGroups(ctx context.Context, filters ...types.Filter) ([]*SecurityGroup, int, error) {
	var out []*SecurityGroup
	pages := ec2.NewDescribeSecurityGroupsPaginator(c.api, &ec2.DescribeSecurityGroupsInput{
		Filters: filters,
	})
	n := 0
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		n++
		if err != nil {
			return nil, n, fmt.Errorf("describing security groups: %w", err)
		}
		for _, g := range page.SecurityGroups {
			out = append(out, groupFromEC2(g))
		}
	}
	return out, n, nil
}
