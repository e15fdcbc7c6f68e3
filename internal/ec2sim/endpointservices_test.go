package ec2sim_test

import (
	"context"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/agentcore-io/vpce-operator/internal/ec2sim"
)

func TestDescribeVpcEndpointServicesListsTheGatewayServiceAsAWSDoes(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	byName := &ec2.DescribeVpcEndpointServicesInput{ServiceNames: []string{serviceName}}
	byFilter := &ec2.DescribeVpcEndpointServicesInput{Filters: []types.Filter{{Name: aws.String("service-name"), Values: []string{"*.bedrock-agentcore.gateway"}}}}
	for name, in := range map[string]*ec2.DescribeVpcEndpointServicesInput{"by name": byName, "by filter": byFilter} {
		t.Run(name, func(t *testing.T) {
			out, err := h.client.DescribeVpcEndpointServices(ctx, in)
			mustOK(t, err)
			if len(out.ServiceDetails) != 1 || !slices.Equal(out.ServiceNames, []string{serviceName}) {
				t.Fatalf("got %d services named %v", len(out.ServiceDetails), out.ServiceNames)
			}
			d := out.ServiceDetails[0]
			if len(d.ServiceType) != 1 || d.ServiceType[0].ServiceType != types.ServiceTypeInterface {
				t.Errorf("service type = %+v, want Interface", d.ServiceType)
			}
			if got := aws.ToString(d.PrivateDnsName); got != "*.gateway.bedrock-agentcore.us-east-1.amazonaws.com" {
				t.Errorf("private DNS name = %q", got)
			}
			if !aws.ToBool(d.VpcEndpointPolicySupported) || aws.ToBool(d.AcceptanceRequired) {
				t.Errorf("policy supported %v, acceptance required %v", aws.ToBool(d.VpcEndpointPolicySupported), aws.ToBool(d.AcceptanceRequired))
			}
			if want := []string{"us-east-1a", "us-east-1b", "us-east-1c", "us-east-1d", "us-east-1e", "us-east-1f"}; !slices.Equal(d.AvailabilityZones, want) {
				t.Errorf("zones = %v, want %v", d.AvailabilityZones, want)
			}
			if want := []types.ServiceConnectivityType{"ipv4", "ipv6"}; !slices.Equal(d.SupportedIpAddressTypes, want) {
				t.Errorf("IP address types = %v, want %v", d.SupportedIpAddressTypes, want)
			}
		})
	}
}

func TestTheServiceIsOfferedInTheZonesItIsConfiguredFor(t *testing.T) {
	sim := ec2sim.New(ec2sim.Options{
		Region: "eu-west-1", Throttle: ec2sim.ThrottleConfig{Disabled: true},
		ServiceZones: []string{"eu-west-1b", "eu-west-1a"}, ServiceIPAddressTypes: []string{"ipv4"},
	})
	client := serve(t, sim, "eu-west-1")
	out, err := client.DescribeVpcEndpointServices(context.Background(), &ec2.DescribeVpcEndpointServicesInput{})
	mustOK(t, err)
	d := out.ServiceDetails[0]
	if aws.ToString(d.ServiceName) != "com.amazonaws.eu-west-1.bedrock-agentcore.gateway" {
		t.Errorf("service name = %s", aws.ToString(d.ServiceName))
	}
	if want := []string{"eu-west-1a", "eu-west-1b"}; !slices.Equal(d.AvailabilityZones, want) {
		t.Errorf("zones = %v, want %v", d.AvailabilityZones, want)
	}
	if want := []string{"euw1-az1", "euw1-az2"}; !slices.Equal(d.AvailabilityZoneIds, want) {
		t.Errorf("zone IDs = %v, want %v", d.AvailabilityZoneIds, want)
	}
	if want := []types.ServiceConnectivityType{"ipv4"}; !slices.Equal(d.SupportedIpAddressTypes, want) {
		t.Errorf("IP address types = %v, want %v", d.SupportedIpAddressTypes, want)
	}
}

func TestDescribeVpcEndpointServicesRefusesAnUnknownServiceName(t *testing.T) {
	h := newHarness(t)
	_, err := h.client.DescribeVpcEndpointServices(context.Background(), &ec2.DescribeVpcEndpointServicesInput{
		ServiceNames: []string{"com.amazonaws.us-east-1.s3"},
	})
	wantCode(t, err, "InvalidServiceName")
}
