package main

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/agentcore-io/vpce-operator/internal/gatewaysim"
)

// ec2API is what the gateway simulator reads from EC2; *ec2.Client satisfies it.
type ec2API interface {
	DescribeVpcEndpoints(ctx context.Context, in *ec2.DescribeVpcEndpointsInput, optFns ...func(*ec2.Options)) (*ec2.DescribeVpcEndpointsOutput, error)
	DescribeNetworkInterfaces(ctx context.Context, in *ec2.DescribeNetworkInterfacesInput, optFns ...func(*ec2.Options)) (*ec2.DescribeNetworkInterfacesOutput, error)
}

// newEC2Client is a real EC2 client for the EC2 API at url. The credentials are the
// simulator's own: they sign requests, and an EC2 simulator that checks IAM only for the
// operator's key treats them as an administrator's.
func newEC2Client(url, region string) *ec2.Client {
	cfg := aws.Config{
		Region:      region,
		Credentials: credentials.NewStaticCredentialsProvider("AKIDGATEWAYSIM", "gatewaysim", ""),
	}
	return ec2.NewFromConfig(cfg, func(o *ec2.Options) { o.BaseEndpoint = aws.String(url) })
}

// ec2Reader reads the gateway endpoints' policies and interface addresses from EC2.
type ec2Reader struct {
	api         ec2API
	serviceName string
	timeout     time.Duration
}

func newEC2Reader(api ec2API, region string) *ec2Reader {
	return &ec2Reader{api: api, serviceName: "com.amazonaws." + region + ".bedrock-agentcore.gateway", timeout: 10 * time.Second}
}

// EndpointPolicy implements gatewaysim.PolicySource with DescribeVpcEndpoints.
func (r *ec2Reader) EndpointPolicy(endpointID string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), r.timeout)
	defer cancel()
	out, err := r.api.DescribeVpcEndpoints(ctx, &ec2.DescribeVpcEndpointsInput{VpcEndpointIds: []string{endpointID}})
	if err != nil {
		return "", fmt.Errorf("describing vpc endpoint %s: %w", endpointID, err)
	}
	for _, e := range out.VpcEndpoints {
		if aws.ToString(e.VpcEndpointId) == endpointID {
			return aws.ToString(e.PolicyDocument), nil
		}
	}
	return "", fmt.Errorf("vpc endpoint %s not found", endpointID)
}

// Endpoints lists the available interface endpoints of the gateway service with their
// interfaces' private addresses. Endpoints in other states are left out: their interfaces
// are not serving yet (AWS_FACTS.md, "Private DNS": the name resolves "to interfaces that
// are not yet serving (2–5 minutes pending)"), or no longer.
func (r *ec2Reader) Endpoints(ctx context.Context) ([]gatewaysim.Endpoint, error) {
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	var endpoints []types.VpcEndpoint
	pages := ec2.NewDescribeVpcEndpointsPaginator(r.api, &ec2.DescribeVpcEndpointsInput{
		Filters: []types.Filter{
			{Name: aws.String("service-name"), Values: []string{r.serviceName}},
			{Name: aws.String("vpc-endpoint-state"), Values: []string{"available"}},
		},
	})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("describing vpc endpoints: %w", err)
		}
		endpoints = append(endpoints, page.VpcEndpoints...)
	}
	var interfaceIDs []string
	for _, e := range endpoints {
		interfaceIDs = append(interfaceIDs, e.NetworkInterfaceIds...)
	}
	addresses, err := r.interfaceAddresses(ctx, interfaceIDs)
	if err != nil {
		return nil, err
	}
	out := make([]gatewaysim.Endpoint, 0, len(endpoints))
	for _, e := range endpoints {
		ep := gatewaysim.Endpoint{ID: aws.ToString(e.VpcEndpointId)}
		for _, id := range e.NetworkInterfaceIds {
			if a, ok := addresses[id]; ok {
				ep.Addresses = append(ep.Addresses, a)
			}
		}
		slices.Sort(ep.Addresses)
		out = append(out, ep)
	}
	return out, nil
}

// filterValuesPerCall keeps a call within EC2's limit: "At most 200 values per filter"
// (AWS_FACTS.md, "Pagination and filters").
const filterValuesPerCall = 200

// interfaceAddresses maps network interface IDs to their primary private addresses. It
// filters by ID rather than listing the IDs, so that an interface gone since the endpoint
// was read is missing from the answer instead of failing the call.
func (r *ec2Reader) interfaceAddresses(ctx context.Context, ids []string) (map[string]string, error) {
	addresses := map[string]string{}
	for chunk := range slices.Chunk(ids, filterValuesPerCall) {
		pages := ec2.NewDescribeNetworkInterfacesPaginator(r.api, &ec2.DescribeNetworkInterfacesInput{
			Filters: []types.Filter{{Name: aws.String("network-interface-id"), Values: chunk}},
		})
		for pages.HasMorePages() {
			page, err := pages.NextPage(ctx)
			if err != nil {
				return nil, fmt.Errorf("describing network interfaces: %w", err)
			}
			for _, ni := range page.NetworkInterfaces {
				if a := aws.ToString(ni.PrivateIpAddress); a != "" {
					addresses[aws.ToString(ni.NetworkInterfaceId)] = a
				}
			}
		}
	}
	return addresses, nil
}
