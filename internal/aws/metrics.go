package aws

import (
	"context"
	"errors"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/smithy-go/middleware"
	"github.com/prometheus/client_golang/prometheus"
)

// CodeClientThrottled is the code of APICalls and the result of
// RateLimitWait for a call the client-side rate limiter refused because its
// token was more than MaxClientWait away: EC2 never saw it.
const CodeClientThrottled = "ClientThrottled"

// APICalls counts every EC2 request attempt by operation and outcome (the
// EC2 error code, or "OK"). Retries count: each attempt is a request AWS
// meters and throttles. Attempts the client-side rate limiter refused count
// too, with code ClientThrottled, although they never left the process.
var APICalls = prometheus.NewCounterVec(prometheus.CounterOpts{
	Name: "agentcore_vpce_aws_api_calls_total",
	Help: "EC2 API request attempts by operation and result code (OK, the EC2 error code, ClientThrottled or ClientError).",
}, []string{"operation", "code"})

// RateLimitWait is the time each request attempt spent waiting for a token
// of the client-side copy of EC2's buckets (ratelimit.go), by class (the
// bucket) and result: OK (it got its token, most often at once: zero waits
// are observed too, so that the count is the number of attempts), Canceled
// (the caller gave up first) or ClientThrottled (the token was more than
// MaxClientWait away, so it did not wait at all).
var RateLimitWait = prometheus.NewHistogramVec(prometheus.HistogramOpts{
	Name:    "agentcore_vpce_aws_ratelimit_wait_seconds",
	Help:    "Time EC2 request attempts waited for the client-side rate limiter, by call class and result (OK, Canceled, ClientThrottled).",
	Buckets: []float64{0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10},
}, []string{"class", "result"})

// InventoryCalls counts the Describe calls (pages) the inventories make, by
// purpose: refresh (every endpoint and group of the cluster, once per sync
// period) and poll (the pending and deleting endpoints, every
// --pending-poll-interval while there are any). Reads by ID of what is not
// the cluster's are not among them.
var InventoryCalls = prometheus.NewCounterVec(prometheus.CounterOpts{
	Name: "agentcore_vpce_inventory_describe_calls_total",
	Help: "Describe calls (pages) the per-region inventories made, by purpose (refresh, poll).",
}, []string{"purpose"})

// countCalls is an SDK middleware in the finalize step, after the retry
// middleware, so that it sees every attempt.
func countCalls(stack *middleware.Stack) error {
	return stack.Finalize.Add(middleware.FinalizeMiddlewareFunc("agentcoreCountCalls",
		func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
			out, md, err := next.HandleFinalize(ctx, in)
			APICalls.WithLabelValues(awsmiddleware.GetOperationName(ctx), callCode(err)).Inc()
			return out, md, err
		}), middleware.After)
}

// callCode is the code label of an attempt's outcome.
func callCode(err error) string {
	var throttled *ClientThrottledError
	switch {
	case err == nil:
		return "OK"
	case errors.As(err, &throttled):
		return CodeClientThrottled
	case Code(err) != "":
		return Code(err)
	default:
		return "ClientError"
	}
}
