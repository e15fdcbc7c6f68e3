package ec2sim

import (
	"maps"
	"math/rand/v2"
	"sync"
	"time"
)

// AllActions is the action name that makes a Fault apply to every action.
const AllActions = "*"

// Fault is a failure injected into an action's calls.
type Fault struct {
	// ErrorRate is the share of calls, from 0 to 1, that fail with ErrorCode.
	ErrorRate float64
	// ErrorCode is "InternalError" (the default; HTTP 500) or "Unavailable" (HTTP 503).
	// "RequestLimitExceeded" and "UnauthorizedOperation" are also answered with EC2's
	// status; any other code comes back as a 400 client error.
	ErrorCode string
	// Latency is added to every call of the action, failed or not.
	Latency time.Duration
	// AfterApply makes a failing call run first: the action changes EC2's state, then the
	// client gets ErrorCode instead of the action's answer, as when a response is lost on
	// its way back. The SDK's retry then repeats a call that already took effect, and meets
	// EC2's answer to that (InvalidPermission.Duplicate, InvalidGroup.Duplicate, the same
	// endpoint for the same ClientToken, ...).
	AfterApply bool
	// Times, when positive, limits the fault to the action's next Times calls; it then
	// removes itself. Zero leaves it in place until it is changed.
	Times int
}

type faultInjector struct {
	mu       sync.Mutex
	byAction map[string]Fault
	rng      *rand.Rand
}

// SetFault injects f into every later call of action, or of all actions when action is
// AllActions ("*"). A fault set for an action takes precedence over the "*" one. The zero
// Fault removes the action's fault.
func (s *Simulator) SetFault(action string, f Fault) {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	if f == (Fault{}) {
		delete(s.faults.byAction, action)
		return
	}
	s.faults.byAction[action] = f
}

// ClearFaults removes every injected fault.
func (s *Simulator) ClearFaults() {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	clear(s.faults.byAction)
}

// Faults returns the injected faults by action.
func (s *Simulator) Faults() map[string]Fault {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	return maps.Clone(s.faults.byAction)
}

// lookup returns the fault for one call of action, counting it against the fault's Times.
func (f *faultInjector) lookup(action string) Fault {
	f.mu.Lock()
	defer f.mu.Unlock()
	key := action
	fault, ok := f.byAction[key]
	if !ok {
		key = AllActions
		fault = f.byAction[key]
	}
	if fault.Times > 0 {
		next := fault
		next.Times--
		if next.Times == 0 {
			delete(f.byAction, key)
		} else {
			f.byAction[key] = next
		}
	}
	return fault
}

// fails rolls the dice for one call.
func (f *faultInjector) fails(fault Fault) bool {
	switch {
	case fault.ErrorRate <= 0:
		return false
	case fault.ErrorRate >= 1:
		return true
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.rng.Float64() < fault.ErrorRate
}
