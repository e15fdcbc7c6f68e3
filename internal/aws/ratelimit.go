package aws

import (
	"context"
	"sync"
	"time"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/smithy-go/middleware"
	"golang.org/x/time/rate"
)

// bucket is one of EC2's request token buckets.
type bucket struct {
	burst  int
	perSec float64
}

// EC2 meters API requests per account and region with token buckets; these
// are its documented defaults for the calls the operator makes. Waiting for
// a token here costs nothing, while a throttled call costs a retry and, on
// AWS, slows every other tool of the account.
var (
	nonMutatingBucket = bucket{burst: 100, perSec: 20}
	mutatingBucket    = bucket{burst: 50, perSec: 5}
	ingressBucket     = bucket{burst: 50, perSec: 5}
	tagsBucket        = bucket{burst: 100, perSec: 10}
	endpointBucket    = bucket{burst: 4, perSec: 0.3}
)

// bucketOf names the bucket an operation draws from and its size.
func bucketOf(operation string) (string, bucket) {
	switch operation {
	case "CreateVpcEndpoint", "ModifyVpcEndpoint", "DeleteVpcEndpoints":
		return operation, endpointBucket
	case "AuthorizeSecurityGroupIngress", "RevokeSecurityGroupIngress":
		return "SecurityGroupIngress", ingressBucket
	case "CreateTags", "DeleteTags":
		return "Tags", tagsBucket
	}
	if len(operation) > 8 && operation[:8] == "Describe" {
		return "NonMutating", nonMutatingBucket
	}
	return "Mutating", mutatingBucket
}

// requestLimiter keeps the operator within EC2's buckets on its own. A call
// that would wait longer than maxWait for a token does not wait: it fails
// with a *ClientThrottledError saying when to come back, so that a reconcile
// never holds a worker while it queues behind EC2's smallest buckets
// (CreateVpcEndpoint and ModifyVpcEndpoint refill one token every 3 s) and
// objects that need only reads keep being served.
type requestLimiter struct {
	scale float64
	// timeScale multiplies the refill rates only: 1 on AWS; K for a
	// benchmark whose simulated AWS runs K times faster than the wall clock.
	timeScale float64
	maxWait   time.Duration
	mu        sync.Mutex
	limiters  map[string]*rate.Limiter
	// after is time.After; tests make a wait end at once.
	after func(time.Duration) <-chan time.Time
}

// refillMargin is the share of EC2's refill rate the client allows itself.
// At exactly EC2's rate a call that left on time can still arrive a moment
// before EC2's bucket has refilled (request latency varies), and be throttled;
// the margin builds up a few spare tokens on EC2's side instead.
const refillMargin = 0.9

func newRequestLimiter(scale float64, maxWait time.Duration) *requestLimiter {
	return &requestLimiter{scale: scale, maxWait: maxWait, limiters: map[string]*rate.Limiter{}, after: time.After}
}

// wait takes a token of operation's bucket, waiting for it up to maxWait,
// and records how long it waited in RateLimitWait.
func (l *requestLimiter) wait(ctx context.Context, operation string) error {
	name, b := bucketOf(operation)
	l.mu.Lock()
	lim, ok := l.limiters[name]
	if !ok {
		burst := max(1, int(float64(b.burst)*l.scale))
		lim = rate.NewLimiter(rate.Limit(b.perSec*l.scale*max(l.timeScale, 1)*refillMargin), burst)
		l.limiters[name] = lim
	}
	l.mu.Unlock()
	start := time.Now()
	r := lim.Reserve()
	delay := r.Delay()
	if delay > l.maxWait {
		r.Cancel()
		RateLimitWait.WithLabelValues(name, CodeClientThrottled).Observe(0)
		return &ClientThrottledError{Operation: operation, RetryAfter: delay}
	}
	if delay == 0 {
		RateLimitWait.WithLabelValues(name, "OK").Observe(0)
		return nil
	}
	select {
	case <-l.after(delay):
		// The timer held the call for delay; scheduling slack is not the
		// limiter's doing.
		RateLimitWait.WithLabelValues(name, "OK").Observe(delay.Seconds())
		return nil
	case <-ctx.Done():
		r.Cancel()
		RateLimitWait.WithLabelValues(name, "Canceled").Observe(time.Since(start).Seconds())
		return ctx.Err()
	}
}

// middleware waits for a token before every attempt (it sits after the
// retry middleware, so retries wait too).
func (l *requestLimiter) middleware(stack *middleware.Stack) error {
	return stack.Finalize.Add(middleware.FinalizeMiddlewareFunc("agentcoreRateLimit",
		func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
			if err := l.wait(ctx, awsmiddleware.GetOperationName(ctx)); err != nil {
				return middleware.FinalizeOutput{}, middleware.Metadata{}, err
			}
			return next.HandleFinalize(ctx, in)
		}), middleware.After)
}
