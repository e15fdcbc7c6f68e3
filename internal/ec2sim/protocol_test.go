package ec2sim_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
)

func TestAnActionTheSimulatorDoesNotKnowAnswersInvalidAction(t *testing.T) {
	h := newHarness(t)
	_, err := h.client.DescribeInstances(context.Background(), &ec2.DescribeInstancesInput{})
	wantCode(t, err, "InvalidAction")
	if got := httpStatus(err); got != 400 {
		t.Errorf("HTTP status = %d, want 400", got)
	}
	if got := h.sim.Calls()["DescribeInstances"]["InvalidAction"]; got != 1 {
		t.Errorf("InvalidAction calls counted = %d, want 1", got)
	}
}

func TestErrorsAndResponsesCarryARequestID(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	out, err := h.client.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{})
	mustOK(t, err)
	if id, ok := middleware.GetRequestIDMetadata(out.ResultMetadata); !ok || len(id) != 36 {
		t.Errorf("response request ID = %q, want a UUID", id)
	}
	_, err = h.client.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{VpcIds: []string{"vpc-0123456789abcdef0"}})
	var withID interface{ ServiceRequestID() string }
	if !asError(err, &withID) || len(withID.ServiceRequestID()) != 36 {
		t.Errorf("error %v carries no request ID", err)
	}
}

func TestDryRunAnswersDryRunOperationAndChangesNothing(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	_, err := h.client.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{
		GroupName: aws.String("dry"), Description: aws.String("d"), VpcId: aws.String(h.vpcID), DryRun: aws.Bool(true),
	})
	wantCode(t, err, "DryRunOperation")
	h.createGroup(t, "dry")
}
