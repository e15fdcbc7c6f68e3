package ec2sim_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/agentcore-io/vpce-operator/internal/ec2sim"
)

// sdkRetries is the SDK's standard retryer without its waits: it retries the injected
// InternalError as it would AWS's.
func sdkRetries(o *ec2.Options) {
	o.Retryer = retry.NewStandard(func(so *retry.StandardOptions) {
		so.MaxAttempts = 3
		so.RateLimiter = ratelimit.None
		so.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
	})
}

// loseNextResponse makes the next call of action take effect and then fail with
// InternalError, as a response lost on its way back.
func (h *harness) loseNextResponse(action string) {
	h.sim.SetFault(action, ec2sim.Fault{ErrorRate: 1, AfterApply: true, Times: 1})
}

func TestAFaultAfterApplyChangesStateButAnswersTheInjectedError(t *testing.T) {
	h := newHarness(t)
	h.loseNextResponse("CreateSecurityGroup")
	_, err := h.client.CreateSecurityGroup(context.Background(), &ec2.CreateSecurityGroupInput{
		GroupName: aws.String("vpce"), Description: aws.String("d"), VpcId: aws.String(h.vpcID),
	})
	wantCode(t, err, "InternalError")
	out, err := h.client.DescribeSecurityGroups(context.Background(), &ec2.DescribeSecurityGroupsInput{
		Filters: []types.Filter{filterOf("group-name", "vpce")},
	})
	mustOK(t, err)
	if len(out.SecurityGroups) != 1 {
		t.Fatalf("found %d groups named vpce, want the one the failed call created", len(out.SecurityGroups))
	}
	if _, left := h.sim.Faults()["CreateSecurityGroup"]; left {
		t.Errorf("a fault with Times 1 is still set after one call")
	}
}

func TestRetriedCallsWhoseFirstAttemptTookEffectMeetEC2sAnswers(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name   string
		action string
		call   func(t *testing.T, h *harness, group string) error
		want   string
	}{
		{"AuthorizeSecurityGroupIngress is a duplicate", "AuthorizeSecurityGroupIngress", func(t *testing.T, h *harness, group string) error {
			_, err := h.client.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{
				GroupId: aws.String(group), IpPermissions: []types.IpPermission{https("10.0.0.0/16")},
			}, sdkRetries)
			return err
		}, "InvalidPermission.Duplicate"},
		{"CreateSecurityGroup is a duplicate", "CreateSecurityGroup", func(_ *testing.T, h *harness, _ string) error {
			_, err := h.client.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{
				GroupName: aws.String("again"), Description: aws.String("d"), VpcId: aws.String(h.vpcID),
			}, sdkRetries)
			return err
		}, "InvalidGroup.Duplicate"},
		{"CreateTags succeeds", "CreateTags", func(t *testing.T, h *harness, group string) error {
			_, err := h.client.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{group}, Tags: []types.Tag{tag("team", "a")}}, sdkRetries)
			return err
		}, ""},
		{"RevokeSecurityGroupIngress finds nothing to revoke", "RevokeSecurityGroupIngress", func(t *testing.T, h *harness, group string) error {
			h.authorize(t, group, https("192.168.0.0/16"))
			_, err := h.client.RevokeSecurityGroupIngress(ctx, &ec2.RevokeSecurityGroupIngressInput{
				GroupId: aws.String(group), IpPermissions: []types.IpPermission{https("192.168.0.0/16")},
			}, sdkRetries)
			return err
		}, "InvalidPermission.NotFound"},
		{"DeleteSecurityGroup finds no group", "DeleteSecurityGroup", func(t *testing.T, h *harness, group string) error {
			_, err := h.client.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: aws.String(group)}, sdkRetries)
			return err
		}, "InvalidGroup.NotFound"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t)
			group := h.createGroup(t, "vpce")
			h.loseNextResponse(c.action)
			wantCode(t, c.call(t, h, group), c.want)
			if got := h.sim.Calls()[c.action]["InternalError"]; got != 1 {
				t.Errorf("%d lost responses, want the first attempt's", got)
			}
		})
	}
}

func TestARetriedCreateVpcEndpointIsIdempotentOnlyWithTheCallersClientToken(t *testing.T) {
	// CreateVpcEndpoint's ClientToken is not an idempotency token the SDK fills in: without
	// one of the caller's, the SDK's retry creates a second endpoint, as on AWS.
	cases := []struct {
		token         *string
		wantEndpoints int
	}{
		{aws.String("uid-1234"), 1},
		{nil, 2},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("token %q", aws.ToString(c.token)), func(t *testing.T) {
			h := newHarness(t)
			group := h.createGroup(t, "vpce")
			h.loseNextResponse("CreateVpcEndpoint")
			out, err := h.client.CreateVpcEndpoint(context.Background(), h.endpointInput(group, withoutPrivateDNS,
				func(in *ec2.CreateVpcEndpointInput) { in.ClientToken = c.token }), sdkRetries)
			mustOK(t, err)
			list, err := h.client.DescribeVpcEndpoints(context.Background(), &ec2.DescribeVpcEndpointsInput{})
			mustOK(t, err)
			if len(list.VpcEndpoints) != c.wantEndpoints {
				t.Fatalf("%d endpoints exist, want %d", len(list.VpcEndpoints), c.wantEndpoints)
			}
			if c.wantEndpoints == 1 && *list.VpcEndpoints[0].VpcEndpointId != *out.VpcEndpoint.VpcEndpointId {
				t.Errorf("the retry answered %s, the first attempt created %s", *out.VpcEndpoint.VpcEndpointId, *list.VpcEndpoints[0].VpcEndpointId)
			}
		})
	}
}

func TestARetriedDeleteVpcEndpointsSucceedsWhileTheEndpointIsDeletingAndReportsItGoneAfterwards(t *testing.T) {
	h := newHarness(t)
	e := h.createEndpoint(t, h.createGroup(t, "vpce"))
	deleteEndpoint := func() *ec2.DeleteVpcEndpointsOutput {
		t.Helper()
		out, err := h.client.DeleteVpcEndpoints(context.Background(), &ec2.DeleteVpcEndpointsInput{VpcEndpointIds: []string{*e.VpcEndpointId}}, sdkRetries)
		mustOK(t, err)
		return out
	}
	h.loseNextResponse("DeleteVpcEndpoints")
	if out := deleteEndpoint(); len(out.Unsuccessful) != 0 {
		t.Fatalf("retry while deleting: unsuccessful %+v", out.Unsuccessful)
	}
	h.clock.Advance(time.Hour)
	out := deleteEndpoint()
	if len(out.Unsuccessful) != 1 || aws.ToString(out.Unsuccessful[0].Error.Code) != "InvalidVpcEndpoint.NotFound" {
		t.Fatalf("delete of a gone endpoint: unsuccessful %+v, want InvalidVpcEndpoint.NotFound", out.Unsuccessful)
	}
}

func TestARetriedModifyVpcEndpointAnswersAsRepeatedModifySays(t *testing.T) {
	cases := []struct {
		setting string
		want    string
	}{
		{"", ""},
		{ec2sim.RepeatedModifySucceed, ""},
		{ec2sim.RepeatedModifyInvalidParameter, "InvalidParameter"},
	}
	for _, c := range cases {
		t.Run("with "+c.setting, func(t *testing.T) {
			h := newHarness(t, func(o *ec2sim.Options) { o.RepeatedModify = c.setting })
			first, second := h.createGroup(t, "first"), h.createGroup(t, "second")
			e := h.createEndpoint(t, first, withoutPrivateDNS, func(in *ec2.CreateVpcEndpointInput) { in.SubnetIds = h.subnetIDs[:1] })
			for _, in := range []*ec2.ModifyVpcEndpointInput{
				{AddSubnetIds: h.subnetIDs[1:2]},
				{RemoveSubnetIds: h.subnetIDs[:1]},
				{AddSecurityGroupIds: []string{second}},
				{RemoveSecurityGroupIds: []string{first}},
			} {
				in.VpcEndpointId = e.VpcEndpointId
				h.loseNextResponse("ModifyVpcEndpoint")
				_, err := h.client.ModifyVpcEndpoint(context.Background(), in, sdkRetries)
				wantCode(t, err, c.want)
			}
			got, err := h.describeEndpoint(t, *e.VpcEndpointId)
			mustOK(t, err)
			if !equal(got.SubnetIds, h.subnetIDs[1:2]) || len(got.Groups) != 1 || *got.Groups[0].GroupId != second {
				t.Errorf("after the changes: subnets %v groups %+v", got.SubnetIds, got.Groups)
			}
		})
	}
}

func (h *harness) authorize(t *testing.T, group string, permissions ...types.IpPermission) {
	t.Helper()
	_, err := h.client.AuthorizeSecurityGroupIngress(context.Background(), &ec2.AuthorizeSecurityGroupIngressInput{
		GroupId: aws.String(group), IpPermissions: permissions,
	})
	mustOK(t, err)
}
