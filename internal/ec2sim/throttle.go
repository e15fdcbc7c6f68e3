package ec2sim

import (
	"math"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// ThrottleConfig sets EC2's request token buckets. The zero value is AWS's defaults.
type ThrottleConfig struct {
	// Disabled turns throttling off.
	Disabled bool
	// Scale multiplies every bucket's capacity and refill rate: 10 allows ten times AWS's
	// rates, as for an account whose limits AWS raised. 0 means 1.
	Scale float64
	// TimeScale multiplies every bucket's refill rate but not its capacity: it runs AWS's
	// buckets K times faster, for a run where one second of wall time stands for K seconds
	// of AWS time (pending delays and the client's own settings divided by K likewise). A
	// bucket still holds the same burst and drains after as many calls; it only refills K
	// times sooner. 0 means 1. It applies on top of Scale.
	TimeScale float64
}

// tokenBucket is one of EC2's per-account request buckets: how many requests it holds and
// how many it regains per second.
type tokenBucket struct {
	capacity float64
	refill   float64
}

const (
	bucketNonMutating          = "NonMutating"
	bucketMutating             = "Mutating"
	bucketSecurityGroupIngress = "SecurityGroupIngress"
	bucketTags                 = "Tags"
)

// awsBuckets are EC2's documented default buckets: capacity (the burst) and refill rate per
// second, from "Request token bucket sizes and refill rates" in "Request throttling for the
// Amazon EC2 API"
// (https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-throttling.html#throttling-limits-rate-based).
// Endpoint actions are resource-intensive and each has its own small bucket.
var awsBuckets = map[string]tokenBucket{
	bucketNonMutating:          {capacity: 100, refill: 20},
	bucketMutating:             {capacity: 50, refill: 5},
	bucketSecurityGroupIngress: {capacity: 50, refill: 5},
	bucketTags:                 {capacity: 100, refill: 10},
	"CreateVpcEndpoint":        {capacity: 4, refill: 0.3},
	"ModifyVpcEndpoint":        {capacity: 4, refill: 0.3},
	"DeleteVpcEndpoints":       {capacity: 4, refill: 0.3},
}

func bucketFor(action string) string {
	switch action {
	case "CreateVpcEndpoint", "ModifyVpcEndpoint", "DeleteVpcEndpoints":
		return action
	case "AuthorizeSecurityGroupIngress", "RevokeSecurityGroupIngress":
		return bucketSecurityGroupIngress
	case "CreateTags", "DeleteTags":
		return bucketTags
	}
	if isNonMutating(action) {
		return bucketNonMutating
	}
	return bucketMutating
}

// isNonMutating reports whether EC2 counts an action as read-only.
func isNonMutating(action string) bool {
	return strings.HasPrefix(action, "Describe")
}

type throttler struct {
	mu       sync.RWMutex
	disabled bool
	limiters map[string]*rate.Limiter
}

func newThrottler(c ThrottleConfig) *throttler {
	t := &throttler{}
	t.configure(c)
	return t
}

// configure replaces the buckets with full ones of the configured size.
func (t *throttler) configure(c ThrottleConfig) {
	scale, timeScale := orOne(c.Scale), orOne(c.TimeScale)
	limiters := make(map[string]*rate.Limiter, len(awsBuckets))
	for name, b := range awsBuckets {
		capacity := max(1, int(math.Round(b.capacity*scale)))
		limiters[name] = rate.NewLimiter(rate.Limit(b.refill*scale*timeScale), capacity)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.disabled = c.Disabled
	t.limiters = limiters
}

// orOne is f, or 1 when f is not positive (an unset multiplier).
func orOne(f float64) float64 {
	if f <= 0 {
		return 1
	}
	return f
}

// allow takes a token from the action's bucket at the simulator's time now.
func (t *throttler) allow(action string, now time.Time) bool {
	t.mu.RLock()
	defer t.mu.RUnlock()
	if t.disabled {
		return true
	}
	return t.limiters[bucketFor(action)].AllowN(now, 1)
}

// SetThrottle reconfigures throttling at run time. The buckets start full again.
func (s *Simulator) SetThrottle(c ThrottleConfig) {
	s.throttle.configure(c)
}
