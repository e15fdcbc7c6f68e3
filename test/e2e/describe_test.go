package e2e

import (
	"fmt"
	"strings"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// describe summarises what the simulator still holds, for a failure message.
func describe(endpoints []types.VpcEndpoint, groups []types.SecurityGroup) string {
	var parts []string
	for _, e := range endpoints {
		parts = append(parts, fmt.Sprintf("endpoint %s (%s)", awssdk.ToString(e.VpcEndpointId), e.State))
	}
	for _, g := range groups {
		parts = append(parts, fmt.Sprintf("security group %s (%s)", awssdk.ToString(g.GroupId), awssdk.ToString(g.GroupName)))
	}
	if len(parts) == 0 {
		return "nothing"
	}
	return strings.Join(parts, ", ")
}
