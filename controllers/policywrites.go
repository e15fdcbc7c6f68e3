package controllers

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
	"k8s.io/apimachinery/pkg/types"
)

// policyWrites paces the policy-driven ModifyVpcEndpoint calls of each
// endpoint: EC2's ModifyVpcEndpoint bucket (4 burst, 0.3/s) is shared by
// every tool in the account and region, so a team editing its
// GatewayAccessPolicy in a loop must not spend it. A write that has to wait
// is not queued: the endpoint is reconciled when the wait is over, and that
// write carries every change made meanwhile, so a burst of edits costs one
// write. A revocation waits at most one interval.
type policyWrites struct {
	interval time.Duration
	burst    int

	mu       sync.Mutex
	limiters map[types.UID]*rate.Limiter
}

func newPolicyWrites(interval time.Duration, burst int) *policyWrites {
	return &policyWrites{interval: interval, burst: burst, limiters: map[types.UID]*rate.Limiter{}}
}

// take reports how long the endpoint must wait before its next policy
// write; zero means write now (the write is counted).
func (p *policyWrites) take(uid types.UID, now time.Time) time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	lim, ok := p.limiters[uid]
	if !ok {
		lim = rate.NewLimiter(rate.Every(p.interval), p.burst)
		p.limiters[uid] = lim
	}
	r := lim.ReserveN(now, 1)
	if wait := r.DelayFrom(now); wait > 0 {
		r.CancelAt(now)
		return wait
	}
	return 0
}

// forget drops the endpoint's pacing once it is deleted.
func (p *policyWrites) forget(uid types.UID) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.limiters, uid)
}
