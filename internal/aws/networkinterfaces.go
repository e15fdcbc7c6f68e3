package aws

import (
	"context"
	"fmt"
	"slices"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// InterfaceAddresses returns the private IP addresses (IPv4 and IPv6) of
// network interfaces, by interface ID, with one DescribeNetworkInterfaces per
// 200 IDs. The IDs are a filter rather than a list, so an interface deleted
// since it was read (an endpoint leaving a subnet) is missing from the answer
// instead of failing the call with InvalidNetworkInterfaceID.NotFound.
//
// The verification probe connects only to these addresses: they come from
// EC2, never from an object's status, which others can write.
func (c *Client) InterfaceAddresses(ctx context.Context, interfaceIDs []string) (map[string][]string, error) {
	out := map[string][]string{}
	ids := slices.Compact(sortedCopy(interfaceIDs))
	for chunk := range slices.Chunk(ids, maxFilterValues) {
		pages := ec2.NewDescribeNetworkInterfacesPaginator(c.api, &ec2.DescribeNetworkInterfacesInput{
			Filters: []types.Filter{filter("network-interface-id", chunk...)},
		})
		for pages.HasMorePages() {
			page, err := pages.NextPage(ctx)
			if err != nil {
				return nil, fmt.Errorf("describing network interfaces: %w", err)
			}
			for _, ni := range page.NetworkInterfaces {
				id := awssdk.ToString(ni.NetworkInterfaceId)
				var addrs []string
				if a := awssdk.ToString(ni.PrivateIpAddress); a != "" {
					addrs = append(addrs, a)
				}
				for _, p := range ni.PrivateIpAddresses {
					if a := awssdk.ToString(p.PrivateIpAddress); a != "" && !slices.Contains(addrs, a) {
						addrs = append(addrs, a)
					}
				}
				for _, p := range ni.Ipv6Addresses {
					if a := awssdk.ToString(p.Ipv6Address); a != "" && !slices.Contains(addrs, a) {
						addrs = append(addrs, a)
					}
				}
				out[id] = addrs
			}
		}
	}
	return out, nil
}
