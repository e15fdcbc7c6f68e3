package aws

import (
	"context"
	"fmt"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// serviceInfoTTL bounds how long what a service supports is remembered;
// service capabilities change rarely, and asking on every reconcile would
// spend the request budget for nothing.
const serviceInfoTTL = time.Hour

type serviceInfo struct {
	supportsInboundResolverOption bool
	fetched                       time.Time
}

// SupportsInboundResolverOption says whether EC2 accepts "private DNS only
// for inbound resolver endpoint" for serviceName: EC2 allows it only for a
// service that also offers a gateway endpoint (as S3 does).
func (c *Client) SupportsInboundResolverOption(ctx context.Context, serviceName string) (bool, error) {
	c.servicesMu.Lock()
	info, ok := c.services[serviceName]
	c.servicesMu.Unlock()
	if ok && time.Since(info.fetched) < serviceInfoTTL {
		return info.supportsInboundResolverOption, nil
	}
	out, err := c.api.DescribeVpcEndpointServices(ctx, &ec2.DescribeVpcEndpointServicesInput{
		ServiceNames: []string{serviceName},
	})
	if err != nil {
		return false, fmt.Errorf("describing vpc endpoint service %s: %w", serviceName, err)
	}
	info = serviceInfo{fetched: time.Now()}
	for _, d := range out.ServiceDetails {
		if awssdk.ToString(d.ServiceName) != serviceName {
			continue
		}
		for _, t := range d.ServiceType {
			if t.ServiceType == types.ServiceTypeGateway {
				info.supportsInboundResolverOption = true
			}
		}
	}
	c.servicesMu.Lock()
	c.services[serviceName] = info
	c.servicesMu.Unlock()
	return info.supportsInboundResolverOption, nil
}

// DefaultServiceName is the AgentCore Gateway endpoint service of region.
func DefaultServiceName(region string) string {
	return "com.amazonaws." + region + ".bedrock-agentcore.gateway"
}
