package aws

import (
	"context"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/smithy-go/middleware"
	"github.com/prometheus/client_golang/prometheus"
)

// APICalls counts every EC2 request attempt by operation and outcome (the
// EC2 error code, or "OK"). Retries count: each attempt is a request AWS
// meters and throttles.
var APICalls = prometheus.NewCounterVec(prometheus.CounterOpts{
	Name: "agentcore_vpce_aws_api_calls_total",
	Help: "EC2 API request attempts by operation and result code (OK or the EC2 error code).",
}, []string{"operation", "code"})

// countCalls is an SDK middleware in the finalize step, after the retry
// middleware, so that it sees every attempt.
func countCalls(stack *middleware.Stack) error {
	return stack.Finalize.Add(middleware.FinalizeMiddlewareFunc("agentcoreCountCalls",
		func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
			out, md, err := next.HandleFinalize(ctx, in)
			code := "OK"
			if err != nil {
				code = Code(err)
				if code == "" {
					code = "ClientError"
				}
			}
			APICalls.WithLabelValues(awsmiddleware.GetOperationName(ctx), code).Inc()
			return out, md, err
		}), middleware.After)
}
