package aws

import (
	"reflect"
	"slices"
	"time"

	k8stypes "k8s.io/apimachinery/pkg/types"
)

// The inventory's entries, and how a read replaces them.

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
