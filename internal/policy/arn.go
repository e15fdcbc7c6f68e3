/*
Copyright 2026 The agentcore-vpce-operator Authors.

Licensed under the Apache License, Version 2.0.
*/

package policy

import (
	"fmt"
	"regexp"
	"strings"
)

// GatewayService is the service segment of an AgentCore gateway ARN.
const GatewayService = "bedrock-agentcore"

// The patterns follow the CRD's CEL rule for gatewayARNs, so an ARN admitted
// by the API server parses here; the region accepts multi-digit suffixes the
// rule does not, which only matters for regions that do not exist yet.
var (
	partitionPattern = regexp.MustCompile(`^aws[-a-z]*$`)
	regionPattern    = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]+$`)
	accountPattern   = regexp.MustCompile(`^[0-9]{12}$`)
	gatewayIDPattern = regexp.MustCompile(`^([A-Za-z0-9][A-Za-z0-9_-]*|\*)$`)
)

// GatewayARN is a parsed AgentCore gateway ARN,
// arn:<partition>:bedrock-agentcore:<region>:<account>:gateway/<id>.
type GatewayARN struct {
	Partition string
	Region    string
	Account   string
	// GatewayID is "*" for every gateway of the account in the region.
	GatewayID string
}

// String returns the ARN in its written form.
func (a GatewayARN) String() string {
	return fmt.Sprintf("arn:%s:%s:%s:%s:gateway/%s", a.Partition, GatewayService, a.Region, a.Account, a.GatewayID)
}

// ParseARN parses an AgentCore gateway ARN. The operator uses the region to
// refuse gateways an endpoint cannot reach: an interface endpoint only
// serves its own region. Errors name the part that is wrong, since they end
// up in a condition message.
func ParseARN(arn string) (GatewayARN, error) {
	parts := strings.Split(arn, ":")
	if len(parts) != 6 || parts[0] != "arn" {
		return GatewayARN{}, fmt.Errorf("%q is not an ARN: want arn:aws:%s:<region>:<account>:gateway/<gateway-id>", arn, GatewayService)
	}
	parsed := GatewayARN{Partition: parts[1], Region: parts[3], Account: parts[4]}
	resource := parts[5]
	switch {
	case !partitionPattern.MatchString(parsed.Partition):
		return GatewayARN{}, fmt.Errorf("ARN %q: partition %q is not an AWS partition such as aws or aws-us-gov", arn, parsed.Partition)
	case parts[2] != GatewayService:
		return GatewayARN{}, fmt.Errorf("ARN %q: service is %q, want %s", arn, parts[2], GatewayService)
	case !regionPattern.MatchString(parsed.Region):
		return GatewayARN{}, fmt.Errorf("ARN %q: region %q is not a region such as us-east-1", arn, parsed.Region)
	case !accountPattern.MatchString(parsed.Account):
		return GatewayARN{}, fmt.Errorf("ARN %q: account %q is not a 12-digit AWS account ID", arn, parsed.Account)
	case !strings.HasPrefix(resource, "gateway/"):
		return GatewayARN{}, fmt.Errorf("ARN %q: resource %q is not a gateway/<gateway-id>", arn, resource)
	}
	parsed.GatewayID = strings.TrimPrefix(resource, "gateway/")
	if !gatewayIDPattern.MatchString(parsed.GatewayID) {
		return GatewayARN{}, fmt.Errorf("ARN %q: gateway ID %q must be letters, digits, '-' and '_', or * alone", arn, parsed.GatewayID)
	}
	return parsed, nil
}
