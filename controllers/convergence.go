package controllers

import (
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/types"
)

// maxRepeatedWrites is how many times the same change (other than the
// policy) is written while EC2 keeps reporting the old value, before the
// operator stops writing it and stalls with NotConverging.
const maxRepeatedWrites = 3

// writeGuard catches a change that keeps being needed after it was written:
// a field EC2 accepts but does not apply, or reports differently, would
// otherwise be written on every pass, spending the account's small
// ModifyVpcEndpoint budget for ever.
type writeGuard struct {
	mu    sync.Mutex
	byUID map[types.UID]*writeRecord
}

type writeRecord struct {
	change string
	times  int
	at     time.Time
}

func newWriteGuard() *writeGuard {
	return &writeGuard{byUID: map[types.UID]*writeRecord{}}
}

// verdict on writing change again for uid at now.
type verdict struct {
	// wait is set while the last write of the same change is younger than
	// the consistency lag: a read that old may not show it yet, so it is
	// neither written again nor counted.
	wait time.Duration
	// stuck says the change was written maxRepeatedWrites times to no
	// effect.
	stuck bool
	times int
}

func (g *writeGuard) check(uid types.UID, change string, now time.Time, lag time.Duration) verdict {
	g.mu.Lock()
	defer g.mu.Unlock()
	rec := g.byUID[uid]
	if rec == nil || rec.change != change {
		return verdict{}
	}
	if age := now.Sub(rec.at); age < lag {
		return verdict{wait: lag - age, times: rec.times}
	}
	return verdict{stuck: rec.times >= maxRepeatedWrites, times: rec.times}
}

// wrote records that change was written.
func (g *writeGuard) wrote(uid types.UID, change string, now time.Time) {
	g.mu.Lock()
	defer g.mu.Unlock()
	rec := g.byUID[uid]
	if rec == nil || rec.change != change {
		rec = &writeRecord{change: change}
		g.byUID[uid] = rec
	}
	rec.times++
	rec.at = now
}

// converged forgets uid's record: nothing (or something else) is needed.
func (g *writeGuard) converged(uid types.UID) {
	g.mu.Lock()
	defer g.mu.Unlock()
	delete(g.byUID, uid)
}
