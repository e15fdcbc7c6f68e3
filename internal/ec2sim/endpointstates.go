package ec2sim

import (
	"maps"
	"slices"
	"strings"
	"time"
)

// EndpointState is an endpoint as the simulator holds it, with when it entered its state:
// what a benchmark compares with the moment a client reported the endpoint ready.
type EndpointState struct {
	ID         string
	VpcID      string
	State      string
	PrivateDNS bool
	Tags       map[string]string
	// Since is when the endpoint last entered State: for available, the end of its last
	// pending period (the create's, or that of a ModifyVpcEndpoint that re-provisioned it).
	Since time.Time
}

// EndpointStates lists every endpoint the simulator holds now, sorted by ID. It reads the
// simulator's own state: no throttling, no call count, no eventual consistency.
func (s *Simulator) EndpointStates() []EndpointState {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock()
	s.settle(now)
	out := make([]EndpointState, 0, len(s.endpoints))
	for _, e := range s.endpoints {
		st := EndpointState{ID: e.id, VpcID: e.vpcID, State: e.state, PrivateDNS: e.privateDNS, Tags: maps.Clone(e.tags)}
		switch e.state {
		case statePending:
			st.Since = e.pendingSince
		case stateAvailable:
			st.Since = e.pendingSince.Add(s.pendingDelay)
		case stateDeleting:
			st.Since = e.deletingSince
		case stateDeleted:
			st.Since = e.deletedAt
		}
		out = append(out, st)
	}
	slices.SortFunc(out, func(a, b EndpointState) int { return strings.Compare(a.ID, b.ID) })
	return out
}
