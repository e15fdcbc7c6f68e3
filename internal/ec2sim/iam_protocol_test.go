package ec2sim_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/agentcore-io/vpce-operator/internal/ec2sim"
)

// policyOf is an identity-based policy of the given statements.
func policyOf(statements ...string) *ec2sim.IAMConfig {
	return &ec2sim.IAMConfig{Policy: []byte(`{"Version":"2012-10-17","Statement":[` + strings.Join(statements, ",") + `]}`)}
}

const (
	allowEverything = `{"Effect":"Allow","Action":"*","Resource":"*"}`
	denyEverything  = `{"Effect":"Deny","Action":"*","Resource":"*"}`
)

func TestARefusedCallIsCountedWithItsCode(t *testing.T) {
	h := newIAMHarness(t, policyOf(denyEverything))
	_, err := h.client.DescribeVpcEndpoints(context.Background(), &ec2.DescribeVpcEndpointsInput{})
	wantUnauthorized(t, err, "ec2:DescribeVpcEndpoints")
	if n := h.sim.Calls()["DescribeVpcEndpoints"]["UnauthorizedOperation"]; n != 1 {
		t.Fatalf("calls counted as UnauthorizedOperation = %d, want 1", n)
	}
}

func TestAnExplicitDenyIsNamedAsSuch(t *testing.T) {
	h := newIAMHarness(t, policyOf(allowEverything, `{"Effect":"Deny","Action":"ec2:DeleteVpcEndpoints","Resource":"arn:aws:ec2:*:*:vpc-endpoint/*"}`))
	e := h.createEndpoint(t, h.createGroup(t, "vpce"), withoutPrivateDNS)
	_, err := h.client.DeleteVpcEndpoints(context.Background(), &ec2.DeleteVpcEndpointsInput{VpcEndpointIds: []string{aws.ToString(e.VpcEndpointId)}})
	wantUnauthorized(t, err, "ec2:DeleteVpcEndpoints")
	if msg := err.Error(); !strings.Contains(msg, "on resource: arn:aws:ec2:"+region+":123456789012:vpc-endpoint/"+aws.ToString(e.VpcEndpointId)+" with an explicit deny in an identity-based policy") {
		t.Fatalf("message does not name the endpoint and the explicit deny: %s", msg)
	}
}

// DryRun "checks whether you have the required permissions for the action": the answer is
// DryRunOperation with them and UnauthorizedOperation without.
func TestDryRunAnswersWhetherTheCallerHasThePermission(t *testing.T) {
	ctx := context.Background()
	h := newIAMHarness(t, policyOf(`{"Effect":"Allow","Action":"ec2:DescribeVpcEndpoints","Resource":"*"}`))
	_, err := h.client.DescribeVpcEndpoints(ctx, &ec2.DescribeVpcEndpointsInput{DryRun: aws.Bool(true)})
	wantCode(t, err, "DryRunOperation")
	_, err = h.client.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{DryRun: aws.Bool(true)})
	wantUnauthorized(t, err, "ec2:DescribeSecurityGroups")
}

func TestAThrottledCallIsThrottledBeforeItIsAuthorized(t *testing.T) {
	h := newHarness(t, withThrottling(ec2sim.ThrottleConfig{}), func(o *ec2sim.Options) { o.IAM = policyOf(denyEverything) })
	var codes []string
	for range 5 {
		_, err := h.client.CreateVpcEndpoint(context.Background(), h.endpointInput("sg-0123456789abcdef0"))
		codes = append(codes, errorCode(err))
	}
	// CreateVpcEndpoint's bucket holds 4 tokens (AWS_FACTS.md, throttling).
	want := []string{"UnauthorizedOperation", "UnauthorizedOperation", "UnauthorizedOperation", "UnauthorizedOperation", "RequestLimitExceeded"}
	if strings.Join(codes, ",") != strings.Join(want, ",") {
		t.Fatalf("codes = %v, want %v", codes, want)
	}
}

func TestDescribeCallsAreAuthorizedOnEveryResource(t *testing.T) {
	h := newIAMHarness(t, policyOf(`{"Effect":"Allow","Action":"ec2:DescribeVpcEndpoints","Resource":"arn:aws:ec2:*:*:vpc-endpoint/*"}`))
	_, err := h.client.DescribeVpcEndpoints(context.Background(), &ec2.DescribeVpcEndpointsInput{})
	wantUnauthorized(t, err, "ec2:DescribeVpcEndpoints")
	if !strings.Contains(err.Error(), "on resource: * because") {
		t.Fatalf("message does not name resource *: %v", err)
	}
}

func TestGetCallerIdentityNeedsNoPermission(t *testing.T) {
	const caller = "arn:aws:sts::123456789012:assumed-role/vpce-operator/pod-identity"
	cfg := policyOf(denyEverything)
	cfg.PrincipalARN = caller
	h := newIAMHarness(t, cfg)
	client := sts.New(sts.Options{
		Region:       region,
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDSIM", "SECRET", ""),
		BaseEndpoint: aws.String(h.url),
	})
	out, err := client.GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	mustOK(t, err)
	if got := aws.ToString(out.Arn); got != caller {
		t.Fatalf("GetCallerIdentity Arn = %s, want the configured principal %s", got, caller)
	}
	_, err = h.client.DescribeVpcEndpoints(context.Background(), &ec2.DescribeVpcEndpointsInput{})
	wantUnauthorized(t, err, "ec2:DescribeVpcEndpoints")
	if !strings.Contains(err.Error(), "User: "+caller+" is not authorized") {
		t.Fatalf("message does not name the caller: %v", err)
	}
}

func TestSetIAMRefusesAPolicyItCannotEvaluateAndKeepsTheOneInForce(t *testing.T) {
	h := newIAMHarness(t, policyOf(denyEverything))
	if err := h.sim.SetIAM(&ec2sim.IAMConfig{Policy: []byte(`{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"DateLessThan":{"aws:CurrentTime":"2030-01-01T00:00:00Z"}}}}`)}); err == nil {
		t.Fatal("SetIAM accepted a DateLessThan condition")
	}
	_, err := h.client.DescribeVpcEndpoints(context.Background(), &ec2.DescribeVpcEndpointsInput{})
	wantUnauthorized(t, err, "ec2:DescribeVpcEndpoints")

	mustOK(t, h.sim.SetIAM(nil))
	_, err = h.client.DescribeVpcEndpoints(context.Background(), &ec2.DescribeVpcEndpointsInput{})
	mustOK(t, err)
}

// The encoded authorization failure message is opaque to clients; the simulator's decodes
// (base64url, JSON) to what STS DecodeAuthorizationMessage would show, for people reading
// a failed test.
func TestTheEncodedFailureMessageCarriesTheRequestContext(t *testing.T) {
	h := newIAMHarness(t, irsaPolicy(t, testCluster))
	group := h.groupTagged(t, ownerTags(testCluster, "u")...)
	_, err := h.client.CreateVpcEndpoint(context.Background(), h.endpointInput(group, withoutPrivateDNS, withTags(ownerTags(otherCluster, "u")...)))
	var apiErr smithy.APIError
	if !asError(err, &apiErr) {
		t.Fatalf("err = %v", err)
	}
	_, encoded, _ := strings.Cut(apiErr.ErrorMessage(), "Encoded authorization failure message: ")
	raw, derr := base64.RawURLEncoding.DecodeString(encoded)
	if derr != nil {
		t.Fatalf("decoding %q: %v", encoded, derr)
	}
	var decoded struct {
		Allowed bool `json:"allowed"`
		Context struct {
			Action     string `json:"action"`
			Conditions struct {
				Items []struct {
					Key    string `json:"key"`
					Values struct {
						Items []struct {
							Value string `json:"value"`
						} `json:"items"`
					} `json:"values"`
				} `json:"items"`
			} `json:"conditions"`
		} `json:"context"`
	}
	if err := json.Unmarshal(raw, &decoded); err != nil {
		t.Fatalf("%s: %v", raw, err)
	}
	found := false
	for _, item := range decoded.Context.Conditions.Items {
		if item.Key == "aws:requesttag/"+tagCluster && len(item.Values.Items) == 1 && item.Values.Items[0].Value == otherCluster {
			found = true
		}
	}
	if decoded.Allowed || decoded.Context.Action != "ec2:CreateVpcEndpoint" || !found {
		t.Fatalf("decoded message lacks the action or the request tag: %s", raw)
	}
}

func TestWithAnAccessKeyOnlyThatPrincipalsCallsAreChecked(t *testing.T) {
	denyAll := []byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]}`)
	h := newIAMHarness(t, &ec2sim.IAMConfig{Policy: denyAll, AccessKeyID: "AKIDOPERATOR"})
	operator := ec2.NewFromConfig(aws.Config{
		Region:      "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("AKIDOPERATOR", "SECRET", ""),
	}, func(o *ec2.Options) { o.BaseEndpoint = aws.String(h.url) })
	_, err := operator.DescribeVpcs(context.Background(), &ec2.DescribeVpcsInput{})
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "UnauthorizedOperation" {
		t.Fatalf("the policy's principal: %v, want UnauthorizedOperation", err)
	}
	// The harness's client signs with another key: a person with full access.
	if _, err := h.client.DescribeVpcs(context.Background(), &ec2.DescribeVpcsInput{}); err != nil {
		t.Fatalf("another principal's call was checked against the policy: %v", err)
	}
}
