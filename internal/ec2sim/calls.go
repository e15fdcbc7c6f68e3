package ec2sim

import (
	"maps"
	"sync"
)

// callCounter counts calls per action and outcome: "OK" or the EC2 error code answered.
type callCounter struct {
	mu     sync.Mutex
	counts map[string]map[string]int
}

func (c *callCounter) record(action, code string) {
	if action == "" {
		// Requests without an action are not EC2 calls; nothing to attribute them to.
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	byCode, ok := c.counts[action]
	if !ok {
		byCode = map[string]int{}
		c.counts[action] = byCode
	}
	byCode[code]++
}

// Calls returns the number of calls since the last reset, by action and then by outcome:
// "OK" or the error code answered (throttled and injected failures included).
func (s *Simulator) Calls() map[string]map[string]int {
	s.calls.mu.Lock()
	defer s.calls.mu.Unlock()
	out := make(map[string]map[string]int, len(s.calls.counts))
	for action, byCode := range s.calls.counts {
		out[action] = maps.Clone(byCode)
	}
	return out
}

// MutatingCalls returns the number of calls, successful or failed, of EC2 actions other
// than Describe* since the last reset: what a reconcile that finds nothing to change should keep
// at zero.
func (s *Simulator) MutatingCalls() int {
	s.calls.mu.Lock()
	defer s.calls.mu.Unlock()
	n := 0
	for action, byCode := range s.calls.counts {
		// GetCallerIdentity is STS's, and only reads.
		if isNonMutating(action) || action == "GetCallerIdentity" {
			continue
		}
		for _, count := range byCode {
			n += count
		}
	}
	return n
}

// ResetCalls sets every count back to zero.
func (s *Simulator) ResetCalls() {
	s.calls.mu.Lock()
	defer s.calls.mu.Unlock()
	clear(s.calls.counts)
}
