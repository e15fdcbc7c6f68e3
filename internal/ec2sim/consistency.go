package ec2sim

import (
	"maps"
	"slices"
	"time"
)

// EC2's eventual consistency, as "Eventual consistency in the Amazon EC2 API" describes it
// (https://docs.aws.amazon.com/ec2/latest/devguide/eventual-consistency.html): "the result
// of an API command you run that affects your Amazon EC2 resources might not be immediately
// visible to all subsequent commands you run", and "if you run a command to modify or
// describe the resource that you just created, its ID might not have propagated throughout
// the system, and you will get an error responding that the resource does not exist".
//
// The simulator gives every change made while a lag is set its own propagation time:
//   - a resource created then (security group, endpoint, endpoint network interface) is
//     unknown until it propagates: described, modified, deleted or tagged by ID it answers
//     its *.NotFound, and lists leave it out;
//   - a change to an endpoint (ModifyVpcEndpoint, tags) or a security group (inbound
//     rules, tags), and a tag change on any other resource, is invisible to Describe calls
//     until it propagates: they show the state from before the change. New rule IDs are
//     unknown meanwhile.
//
// Changes propagate in the order they were made; what changed before the lag was set is
// visible at once.

// SetEventualConsistency makes changes from now on reach reads d after they are made, as
// described above. Zero turns it off and makes every pending change visible at once.
func (s *Simulator) SetEventualConsistency(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.consistencyLag = max(d, 0)
	if d <= 0 {
		s.propagateAll()
	}
}

// propagationTime is when a change made at now becomes visible. Callers hold s.mu.
func (s *Simulator) propagationTime(now time.Time) time.Time {
	return now.Add(s.consistencyLag)
}

// lagging reports whether changes made now are hidden from reads for a while.
// Callers hold s.mu.
func (s *Simulator) lagging() bool { return s.consistencyLag > 0 }

// propagated reports whether something that becomes visible at visibleAt is visible at now.
func propagated(visibleAt, now time.Time) bool { return !now.Before(visibleAt) }

// history is what reads still see of a resource while changes to it propagate: the states
// before each change not yet visible, oldest first.
type history[T any] struct {
	past []pastState[T]
}

type pastState[T any] struct {
	state T
	until time.Time
}

// remember records state, the resource before a change made at now, as what reads see
// until until. Changes that have propagated by now are forgotten.
func (h *history[T]) remember(state T, now, until time.Time) {
	h.past = slices.DeleteFunc(h.past, func(p pastState[T]) bool { return propagated(p.until, now) })
	h.past = append(h.past, pastState[T]{state: state, until: until})
}

// at is what a read at now sees: the state before the oldest change it cannot see yet, or
// current.
func (h *history[T]) at(current T, now time.Time) T {
	for _, p := range h.past {
		if !propagated(p.until, now) {
			return p.state
		}
	}
	return current
}

func (h *history[T]) forget() { h.past = nil }

// propagateAll makes every change visible. Callers hold s.mu.
func (s *Simulator) propagateAll() {
	var always time.Time
	for _, v := range s.vpcs {
		v.pastTags.forget()
	}
	for _, sn := range s.subnets {
		sn.pastTags.forget()
	}
	for _, g := range s.groups {
		g.visibleAt = always
		g.past.forget()
	}
	for _, r := range s.rules {
		r.pastTags.forget()
	}
	for _, e := range s.endpoints {
		e.visibleAt = always
		e.past.forget()
	}
	for _, ni := range s.interfaces {
		ni.visibleAt = always
		ni.pastTags.forget()
	}
}

// rememberEndpoint keeps e as reads see it now, before a change. Callers hold s.mu.
func (s *Simulator) rememberEndpoint(e *vpcEndpoint, now time.Time) {
	if s.lagging() {
		e.past.remember(e.snapshot(), now, s.propagationTime(now))
	}
}

// rememberGroup keeps g as reads see it now, before a change. Callers hold s.mu.
func (s *Simulator) rememberGroup(g *securityGroup, now time.Time) {
	if s.lagging() {
		g.past.remember(g.snapshot(), now, s.propagationTime(now))
	}
}

// rememberTags keeps tags as reads see them now, before a change. Callers hold s.mu.
func (s *Simulator) rememberTags(h *history[tagSet], tags tagSet, now time.Time) {
	if s.lagging() {
		h.remember(maps.Clone(tags), now, s.propagationTime(now))
	}
}

// snapshot copies an endpoint as it is, for reads that cannot see a later change yet.
func (e *vpcEndpoint) snapshot() *vpcEndpoint {
	c := *e
	c.past = history[*vpcEndpoint]{}
	c.subnetIDs = slices.Clone(e.subnetIDs)
	c.groupIDs = slices.Clone(e.groupIDs)
	c.interfaceIDs = maps.Clone(e.interfaceIDs)
	c.tags = maps.Clone(e.tags)
	return &c
}

// snapshot copies a group as it is, for reads that cannot see a later change yet. Rules
// are shared: a rule does not change once made, but for its tags.
func (g *securityGroup) snapshot() *securityGroup {
	c := *g
	c.past = history[*securityGroup]{}
	c.ingress = slices.Clone(g.ingress)
	c.egress = slices.Clone(g.egress)
	c.tags = maps.Clone(g.tags)
	return &c
}

// endpointAt is the endpoint as a read at now sees it, or false while its creation has not
// propagated. Callers hold s.mu.
func (s *Simulator) endpointAt(id string, now time.Time) (*vpcEndpoint, bool) {
	e, ok := s.endpoints[id]
	if !ok || !propagated(e.visibleAt, now) {
		return nil, false
	}
	return e.past.at(e, now), true
}

// groupAt is the security group as a read at now sees it, or false while its creation has
// not propagated. Callers hold s.mu.
func (s *Simulator) groupAt(id string, now time.Time) (*securityGroup, bool) {
	g, ok := s.groups[id]
	if !ok || !propagated(g.visibleAt, now) {
		return nil, false
	}
	return g.past.at(g, now), true
}

// knownEndpoint finds an endpoint a mutating call may name: one whose creation has
// propagated. Callers hold s.mu.
func (s *Simulator) knownEndpoint(id string, now time.Time) (*vpcEndpoint, bool) {
	e, ok := s.endpoints[id]
	return e, ok && propagated(e.visibleAt, now)
}

// knownGroup finds a security group a mutating call may name: one whose creation has
// propagated. Callers hold s.mu.
func (s *Simulator) knownGroup(id string, now time.Time) (*securityGroup, bool) {
	g, ok := s.groups[id]
	return g, ok && propagated(g.visibleAt, now)
}
