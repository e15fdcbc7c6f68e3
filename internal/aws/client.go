package aws

import (
	"context"
	"fmt"
	"sync"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// ClientOptions configure the EC2 client.
type ClientOptions struct {
	// Endpoint overrides the EC2 endpoint (e.g. the EC2 simulator). Without
	// it the SDK's resolution applies, including AWS_ENDPOINT_URL_EC2.
	Endpoint string
	// STSEndpoint overrides the STS endpoint the operator asks for its
	// account. Without it the SDK's resolution applies, including
	// AWS_ENDPOINT_URL_STS.
	STSEndpoint string
	// MaxAttempts caps the SDK's retries of throttled and 5xx calls; the
	// workqueue's backoff takes over after that. Zero means 5.
	MaxAttempts int
	// BatchWindow is how long a read waits for others to join its batch.
	// Zero means 10ms.
	BatchWindow time.Duration
	// RateLimitScale scales the client-side copy of EC2's request buckets
	// (1 = AWS's defaults, for an account the operator shares with others;
	// more for an account with raised limits). Zero means 1; negative turns
	// client-side limiting off.
	RateLimitScale float64
	// RateLimitTimeScale multiplies the refill rates (not the sizes) of the
	// client-side buckets and divides MaxClientWait: for benchmarks against a
	// simulator whose time runs that many times faster than AWS's. Zero
	// means 1.
	RateLimitTimeScale float64
	// MaxClientWait is the longest a call waits for the client-side bucket
	// before it gives up with a *ClientThrottledError. Zero means 1s.
	MaxClientWait time.Duration
}

// NewEC2Client builds an EC2 client for region from the SDK's default
// credential chain (IRSA, EKS Pod Identity, environment), counting calls.
func NewEC2Client(ctx context.Context, region string, opts ClientOptions) (*ec2.Client, error) {
	attempts := opts.MaxAttempts
	if attempts == 0 {
		attempts = 5
	}
	cfg, err := config.LoadDefaultConfig(ctx,
		config.WithRegion(region),
		config.WithRetryer(func() awssdk.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) {
				o.MaxAttempts = attempts
				// The client-side retry quota would turn AWS throttling under a
				// burst of reconciles into hard failures; backoff is enough.
				o.RateLimiter = ratelimit.None
			})
		}))
	if err != nil {
		return nil, fmt.Errorf("loading AWS configuration: %w", err)
	}
	return ec2.NewFromConfig(cfg, func(o *ec2.Options) {
		if opts.Endpoint != "" {
			o.BaseEndpoint = awssdk.String(opts.Endpoint)
		}
		o.APIOptions = append(o.APIOptions, countCalls)
		if scale := opts.RateLimitScale; scale >= 0 {
			if scale == 0 {
				scale = 1
			}
			maxWait := opts.MaxClientWait
			if maxWait == 0 {
				maxWait = time.Second
			}
			if opts.RateLimitTimeScale > 1 {
				// A second of AWS's time passes in 1/K of the wall clock's.
				maxWait = time.Duration(float64(maxWait) / opts.RateLimitTimeScale)
			}
			limiter := newRequestLimiter(scale, maxWait)
			limiter.timeScale = opts.RateLimitTimeScale
			o.APIOptions = append(o.APIOptions, limiter.middleware)
		}
	}), nil
}

// Client is the operator's view of EC2 in one region: typed operations on
// endpoints and security groups, with concurrent reads batched.
type Client struct {
	api    EC2API
	region string

	endpointsByID    *batcher[types.VpcEndpoint]
	endpointsByOwner *batcher[types.VpcEndpoint]
	groupsByID       *batcher[types.SecurityGroup]
	groupsByOwner    *batcher[types.SecurityGroup]

	servicesMu sync.Mutex
	services   map[string]*Service
}

// NewClient wraps api for region.
func NewClient(api EC2API, region string, opts ClientOptions) *Client {
	window := opts.BatchWindow
	if window == 0 {
		window = 10 * time.Millisecond
	}
	c := &Client{api: api, region: region, services: map[string]*Service{}}
	c.endpointsByID = newBatcher(window, maxFilterValues, c.describeEndpoints("vpc-endpoint-id", func(e types.VpcEndpoint) string {
		return awssdk.ToString(e.VpcEndpointId)
	}))
	c.endpointsByOwner = newBatcher(window, maxFilterValues, c.describeEndpoints("tag:"+tagUIDKey, func(e types.VpcEndpoint) string {
		return fromEC2Tags(e.Tags)[tagUIDKey]
	}))
	c.groupsByID = newBatcher(window, maxFilterValues, c.describeGroups("group-id", func(g types.SecurityGroup) string {
		return awssdk.ToString(g.GroupId)
	}))
	c.groupsByOwner = newBatcher(window, maxFilterValues, c.describeGroups("tag:"+tagUIDKey, func(g types.SecurityGroup) string {
		return fromEC2Tags(g.Tags)[tagUIDKey]
	}))
	return c
}

// Region is the client's region.
func (c *Client) Region() string { return c.region }

// maxFilterValues keeps a batched Describe within EC2's limit of 200 values
// per filter.
const maxFilterValues = 200
