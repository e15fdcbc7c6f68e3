package aws

import (
	"context"
	"maps"
	"slices"

	"github.com/agentcore-io/vpce-operator/api/v1alpha1"
)

// The operator's writes through the inventory: each makes its EC2 call and,
// when it succeeds, records what it changed (read your writes).

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
