package ec2sim_test

import (
	"context"
	"errors"
	"net"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/smithy-go"

	"github.com/agentcore-io/vpce-operator/internal/ec2sim"
)

const (
	region      = "us-east-1"
	serviceName = "com.amazonaws.us-east-1.bedrock-agentcore.gateway"
)

// EC2 reports endpoint states in lower case, while the SDK's types.State constants are
// capitalised (aws/aws-sdk-go-v2#2496): compare with these, as code that talks to AWS must.
const (
	statePending   = types.State("pending")
	stateAvailable = types.State("available")
	stateDeleting  = types.State("deleting")
	stateDeleted   = types.State("deleted")
)

var epoch = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

// harness is a simulator served over HTTP to a real EC2 client, on a clock the test moves,
// with a VPC of three subnets (us-east-1a, b, c) already in place.
type harness struct {
	sim       *ec2sim.Simulator
	client    *ec2.Client
	clock     *ec2sim.ManualClock
	url       string
	vpcID     string
	subnetIDs []string
}

// newHarness starts a simulator with throttling off unless an option turns it on, and a
// client whose retries are off so that every error reaches the test.
func newHarness(t testing.TB, opts ...func(*ec2sim.Options)) *harness {
	t.Helper()
	clock := ec2sim.NewManualClock(epoch)
	o := ec2sim.Options{Clock: clock.Now, Throttle: ec2sim.ThrottleConfig{Disabled: true}}
	for _, opt := range opts {
		opt(&o)
	}
	sim := ec2sim.New(o)
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	base, err := ec2sim.NewClient(context.Background(), srv.URL, region)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	vpcID, subnetIDs, err := sim.SeedVPC("10.0.0.0/16", 3)
	if err != nil {
		t.Fatalf("SeedVPC: %v", err)
	}
	return &harness{
		sim:       sim,
		client:    ec2.New(base.Options(), withoutRetries),
		clock:     clock,
		url:       srv.URL,
		vpcID:     vpcID,
		subnetIDs: subnetIDs,
	}
}

// serve serves sim over HTTP for the test and returns a client for it, without retries.
func serve(t testing.TB, sim *ec2sim.Simulator, region string) *ec2.Client {
	t.Helper()
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	client, err := ec2sim.NewClient(context.Background(), srv.URL, region)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	return ec2.New(client.Options(), withoutRetries)
}

// withoutRetries turns off the SDK's retries of everything EC2 answers, so
// that every API error reaches the test. It keeps one retry: of a request
// whose connection Go's HTTP transport closed under it (net.ErrClosed), which
// happens now and then on loopback when the server answers before the
// transport has finished with the request body (aws/aws-sdk-go-v2#2737). The
// SDK's standard retryer retries that too; it says nothing about EC2.
func withoutRetries(o *ec2.Options) {
	o.Retryer = retry.NewStandard(func(so *retry.StandardOptions) {
		so.MaxAttempts = 3
		so.RateLimiter = ratelimit.None
		so.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
		so.Retryables = []retry.IsErrorRetryable{retry.IsErrorRetryableFunc(func(err error) aws.Ternary {
			return aws.BoolTernary(errors.Is(err, net.ErrClosed))
		})}
	})
}

func withThrottling(c ec2sim.ThrottleConfig) func(*ec2sim.Options) {
	return func(o *ec2sim.Options) { o.Throttle = c }
}

// errorCode is the EC2 error code the SDK surfaced, or "" for no error.
func errorCode(err error) string {
	if err == nil {
		return ""
	}
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorCode()
	}
	return "not an API error: " + err.Error()
}

func asError(err error, target any) bool { return err != nil && errors.As(err, target) }

func httpStatus(err error) int {
	var respErr *awshttp.ResponseError
	if errors.As(err, &respErr) {
		return respErr.HTTPStatusCode()
	}
	return 0
}

func wantCode(t testing.TB, err error, want string) {
	t.Helper()
	if got := errorCode(err); got != want {
		t.Fatalf("error code = %q, want %q (err: %v)", got, want, err)
	}
}

func mustOK(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("unexpected error: %v", err)
	}
}

func (h *harness) createGroup(t testing.TB, name string, tags ...types.Tag) string {
	t.Helper()
	in := &ec2.CreateSecurityGroupInput{
		GroupName:   aws.String(name),
		Description: aws.String("test group " + name),
		VpcId:       aws.String(h.vpcID),
	}
	if len(tags) > 0 {
		in.TagSpecifications = []types.TagSpecification{{ResourceType: types.ResourceTypeSecurityGroup, Tags: tags}}
	}
	out, err := h.client.CreateSecurityGroup(context.Background(), in)
	mustOK(t, err)
	return aws.ToString(out.GroupId)
}

// endpointInput is a valid request for an interface endpoint in all three subnets; edit
// shapes it for the case at hand.
func (h *harness) endpointInput(groupID string, edit ...func(*ec2.CreateVpcEndpointInput)) *ec2.CreateVpcEndpointInput {
	in := &ec2.CreateVpcEndpointInput{
		VpcEndpointType:  types.VpcEndpointTypeInterface,
		VpcId:            aws.String(h.vpcID),
		ServiceName:      aws.String(serviceName),
		SubnetIds:        h.subnetIDs,
		SecurityGroupIds: []string{groupID},
	}
	for _, e := range edit {
		e(in)
	}
	return in
}

func (h *harness) createEndpoint(t testing.TB, groupID string, edit ...func(*ec2.CreateVpcEndpointInput)) types.VpcEndpoint {
	t.Helper()
	out, err := h.client.CreateVpcEndpoint(context.Background(), h.endpointInput(groupID, edit...))
	mustOK(t, err)
	return *out.VpcEndpoint
}

func (h *harness) describeEndpoint(t testing.TB, id string) (types.VpcEndpoint, error) {
	t.Helper()
	out, err := h.client.DescribeVpcEndpoints(context.Background(), &ec2.DescribeVpcEndpointsInput{VpcEndpointIds: []string{id}})
	if err != nil {
		return types.VpcEndpoint{}, err
	}
	if len(out.VpcEndpoints) != 1 {
		t.Fatalf("DescribeVpcEndpoints(%s) returned %d endpoints", id, len(out.VpcEndpoints))
	}
	return out.VpcEndpoints[0], nil
}

func (h *harness) endpointState(t testing.TB, id string) types.State {
	t.Helper()
	e, err := h.describeEndpoint(t, id)
	mustOK(t, err)
	return e.State
}

func withoutPrivateDNS(in *ec2.CreateVpcEndpointInput) { in.PrivateDnsEnabled = aws.Bool(false) }

func tag(key, value string) types.Tag {
	return types.Tag{Key: aws.String(key), Value: aws.String(value)}
}
