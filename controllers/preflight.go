package controllers

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/types"

	"github.com/agentcore-io/vpce-operator/api/v1alpha1"
	awsclient "github.com/agentcore-io/vpce-operator/internal/aws"
)

// preflight checks, before an endpoint is created and after each spec
// change, what EC2 would otherwise refuse halfway (or, for private DNS,
// accept and then fail on): that the service serves every subnet's zone and
// the IP address type, that the subnets are of the VPC and carry IPv6 when
// needed, and, with private DNS, the VPC's DNS attributes and that no other
// endpoint of the service in the VPC has private DNS. Each refusal names
// what to fix. A passed preflight is remembered per object and generation:
// steady state costs no read.
func (r *GatewayEndpointReconciler) preflight(ctx context.Context, s *endpointScope, want awsclient.EndpointSpec, ownID string) error {
	key := preflightKey{uid: s.ge.UID, generation: s.ge.Generation}
	if _, done := r.preflighted.Load(key); done {
		return nil
	}
	svc, err := s.cloud.DescribeService(ctx, want.ServiceName)
	if err != nil {
		return err
	}
	if svc == nil {
		return stalled(v1alpha1.ReasonInvalidSpec, "EC2 does not offer %s in %s: AgentCore Gateway endpoints are not available in that region.", want.ServiceName, s.region)
	}
	subnets, err := s.cloud.Subnets(ctx, want.SubnetIDs)
	if err != nil {
		return err
	}
	var problems []string
	for _, id := range want.SubnetIDs {
		sub, ok := subnets[id]
		switch {
		case !ok:
			problems = append(problems, fmt.Sprintf("subnet %s does not exist in %s", id, s.region))
		case sub.VpcID != want.VpcID:
			problems = append(problems, fmt.Sprintf("subnet %s is in %s, not in %s", id, sub.VpcID, want.VpcID))
		case !svc.ServesZone(sub.Zone):
			problems = append(problems, fmt.Sprintf("subnet %s is in %s, a zone %s does not serve (it serves %s)", id, sub.Zone, want.ServiceName, strings.Join(svc.Zones, ", ")))
		case want.IPAddressType != string(v1alpha1.IPAddressTypeIPv4) && !sub.IPv6:
			problems = append(problems, fmt.Sprintf("subnet %s has no IPv6 CIDR block, which ipAddressType %s needs", id, want.IPAddressType))
		}
	}
	if len(problems) > 0 {
		return stalled(v1alpha1.ReasonInvalidSpec, "Fix spec.subnetIDs: %s.", strings.Join(problems, "; "))
	}
	if want.IPAddressType == string(v1alpha1.IPAddressTypeIPv6) && !slices.Contains(svc.IPAddressTypes, "ipv6") {
		return stalled(v1alpha1.ReasonInvalidSpec, "%s does not support IPv6 (it supports %s); set spec.ipAddressType to ipv4.", want.ServiceName, strings.Join(svc.IPAddressTypes, ", "))
	}
	if want.PrivateDNSEnabled {
		support, hostnames, err := s.cloud.VPCDNSAttributes(ctx, want.VpcID)
		if err != nil {
			return err
		}
		var off []string
		if !support {
			off = append(off, "enableDnsSupport")
		}
		if !hostnames {
			off = append(off, "enableDnsHostnames")
		}
		if len(off) > 0 {
			return stalled(v1alpha1.ReasonVPCDNSDisabled, "Private DNS needs the VPC attributes enableDnsSupport and enableDnsHostnames; %s has %s off. Turn it on (aws ec2 modify-vpc-attribute --vpc-id %s --%s), or set spec.privateDNS.enabled: false.",
				want.VpcID, strings.Join(off, " and "), want.VpcID, kebab(off[0]))
		}
		others, err := s.cloud.PrivateDNSEndpoints(ctx, want.VpcID, want.ServiceName)
		if err != nil {
			return err
		}
		for _, o := range others {
			if o.ID != ownID {
				return privateDNSConflict(fmt.Sprintf("endpoint %s (owned by %s) already has private DNS for %s in %s", o.ID, describeOwner(o.Tags), want.ServiceName, want.VpcID))
			}
		}
	}
	r.preflighted.Store(key, struct{}{})
	return nil
}

type preflightKey struct {
	uid        types.UID
	generation int64
}

// privateDNSConflict is the stall for a VPC where the gateway's private DNS
// name is already taken.
func privateDNSConflict(what string) error {
	return stalled(v1alpha1.ReasonPrivateDNSConflict, "Private DNS cannot be turned on: %s. Only one endpoint per service and VPC may have private DNS, and a private hosted zone of the same name conflicts too. Use that endpoint, turn its private DNS off, or set spec.privateDNS.enabled: false.", what)
}

// kebab turns enableDnsSupport into enable-dns-support, the CLI's spelling.
func kebab(attr string) string {
	var b strings.Builder
	for i, c := range attr {
		if c >= 'A' && c <= 'Z' {
			if i > 0 {
				b.WriteByte('-')
			}
			c += 'a' - 'A'
		}
		b.WriteRune(c)
	}
	return b.String()
}
