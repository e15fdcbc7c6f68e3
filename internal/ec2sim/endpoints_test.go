package ec2sim_test

import (
	"context"
	"net/netip"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/agentcore-io/vpce-operator/internal/ec2sim"
)

func TestAnInterfaceEndpointIsPendingUntilThePendingDelayHasPassed(t *testing.T) {
	h := newHarness(t)
	e := h.createEndpoint(t, h.createGroup(t, "vpce"))
	if e.State != statePending {
		t.Fatalf("state right after create = %s, want pending", e.State)
	}
	h.clock.Advance(59 * time.Second)
	if got := h.endpointState(t, *e.VpcEndpointId); got != statePending {
		t.Fatalf("state after 59s = %s, want pending", got)
	}
	h.clock.Advance(time.Second)
	if got := h.endpointState(t, *e.VpcEndpointId); got != stateAvailable {
		t.Fatalf("state after 60s = %s, want available", got)
	}
}

func TestAnInterfaceEndpointHasAWSsDefaults(t *testing.T) {
	h := newHarness(t)
	group := h.createGroup(t, "vpce")
	e := h.createEndpoint(t, group, func(in *ec2.CreateVpcEndpointInput) {
		in.TagSpecifications = []types.TagSpecification{{ResourceType: types.ResourceTypeVpcEndpoint, Tags: []types.Tag{tag("Name", "gw")}}}
	})
	checks := []struct {
		name      string
		got, want any
	}{
		{"type", e.VpcEndpointType, types.VpcEndpointTypeInterface},
		{"vpc", aws.ToString(e.VpcId), h.vpcID},
		{"service", aws.ToString(e.ServiceName), serviceName},
		{"policy", aws.ToString(e.PolicyDocument), `{"Statement":[{"Action":"*","Effect":"Allow","Principal":"*","Resource":"*"}]}`},
		{"private DNS", aws.ToBool(e.PrivateDnsEnabled), true},
		{"DNS record type", e.DnsOptions.DnsRecordIpType, types.DnsRecordIpTypeIpv4},
		{"inbound resolver only", aws.ToBool(e.DnsOptions.PrivateDnsOnlyForInboundResolverEndpoint), false},
		{"IP address type", e.IpAddressType, types.IpAddressTypeIpv4},
		{"owner", aws.ToString(e.OwnerId), "123456789012"},
		{"creation time", aws.ToTime(e.CreationTimestamp), epoch},
		{"subnets", e.SubnetIds, h.subnetIDs},
		{"groups", len(e.Groups), 1},
		{"group ID", aws.ToString(e.Groups[0].GroupId), group},
		{"group name", aws.ToString(e.Groups[0].GroupName), "vpce"},
		{"interfaces", len(e.NetworkInterfaceIds), 3},
		{"tags", e.Tags, []types.Tag{tag("Name", "gw")}},
	}
	for _, c := range checks {
		if !equal(c.got, c.want) {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
}

func TestAnEndpointWithoutSecurityGroupsGetsTheVPCsDefaultGroup(t *testing.T) {
	h := newHarness(t)
	out, err := h.client.CreateVpcEndpoint(context.Background(), h.endpointInput("", func(in *ec2.CreateVpcEndpointInput) {
		in.SecurityGroupIds = nil
	}))
	mustOK(t, err)
	if got := aws.ToString(out.VpcEndpoint.Groups[0].GroupName); got != "default" {
		t.Fatalf("group name = %q, want default", got)
	}
}

func TestAnInterfaceEndpointHasOneNetworkInterfacePerSubnet(t *testing.T) {
	h := newHarness(t)
	group := h.createGroup(t, "vpce")
	e := h.createEndpoint(t, group)
	ctx := context.Background()
	out, err := h.client.DescribeNetworkInterfaces(ctx, &ec2.DescribeNetworkInterfacesInput{NetworkInterfaceIds: e.NetworkInterfaceIds})
	mustOK(t, err)
	subnets, err := h.client.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{SubnetIds: h.subnetIDs})
	mustOK(t, err)
	cidrOf := map[string]netip.Prefix{}
	for _, sn := range subnets.Subnets {
		cidrOf[*sn.SubnetId] = netip.MustParsePrefix(*sn.CidrBlock)
	}
	if len(out.NetworkInterfaces) != 3 {
		t.Fatalf("got %d network interfaces, want 3", len(out.NetworkInterfaces))
	}
	var inSubnets []string
	for _, ni := range out.NetworkInterfaces {
		inSubnets = append(inSubnets, aws.ToString(ni.SubnetId))
		ip := netip.MustParseAddr(aws.ToString(ni.PrivateIpAddress))
		if !cidrOf[*ni.SubnetId].Contains(ip) {
			t.Errorf("%s: address %s is outside subnet %s", *ni.NetworkInterfaceId, ip, cidrOf[*ni.SubnetId])
		}
		if ni.InterfaceType != types.NetworkInterfaceTypeVpcEndpoint || !aws.ToBool(ni.RequesterManaged) {
			t.Errorf("%s: type %s requester-managed %v, want vpc_endpoint and true", *ni.NetworkInterfaceId, ni.InterfaceType, aws.ToBool(ni.RequesterManaged))
		}
		if got, want := aws.ToString(ni.Description), "VPC Endpoint Interface "+*e.VpcEndpointId; got != want {
			t.Errorf("description = %q, want %q", got, want)
		}
		if len(ni.Groups) != 1 || aws.ToString(ni.Groups[0].GroupId) != group || aws.ToString(ni.Groups[0].GroupName) != "vpce" {
			t.Errorf("%s: groups = %+v, want [%s vpce]", *ni.NetworkInterfaceId, ni.Groups, group)
		}
		if aws.ToString(ni.VpcId) != h.vpcID || ni.Status != types.NetworkInterfaceStatusInUse {
			t.Errorf("%s: vpc %s status %s", *ni.NetworkInterfaceId, aws.ToString(ni.VpcId), ni.Status)
		}
	}
	slices.Sort(inSubnets)
	want := slices.Sorted(slices.Values(h.subnetIDs))
	if !slices.Equal(inSubnets, want) {
		t.Errorf("interfaces are in subnets %v, want %v", inSubnets, want)
	}
	afterCreate, err := h.client.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{SubnetIds: h.subnetIDs[:1]})
	mustOK(t, err)
	if got := aws.ToInt32(afterCreate.Subnets[0].AvailableIpAddressCount); got != 256-5-1 {
		t.Errorf("available addresses in a /24 with one interface = %d, want 250", got)
	}
}

func TestAnInterfaceEndpointHasRegionalZonalAndPrivateDNSEntries(t *testing.T) {
	h := newHarness(t)
	e := h.createEndpoint(t, h.createGroup(t, "vpce"))
	id := regexp.QuoteMeta(*e.VpcEndpointId)
	patterns := []string{
		`^` + id + `-[a-z0-9]{8}\.gateway\.bedrock-agentcore\.us-east-1\.vpce\.amazonaws\.com$`,
		`^` + id + `-[a-z0-9]{8}-us-east-1a\.gateway\.bedrock-agentcore\.us-east-1\.vpce\.amazonaws\.com$`,
		`^` + id + `-[a-z0-9]{8}-us-east-1b\.gateway\.bedrock-agentcore\.us-east-1\.vpce\.amazonaws\.com$`,
		`^` + id + `-[a-z0-9]{8}-us-east-1c\.gateway\.bedrock-agentcore\.us-east-1\.vpce\.amazonaws\.com$`,
		`^\*\.gateway\.bedrock-agentcore\.us-east-1\.amazonaws\.com$`,
	}
	if len(e.DnsEntries) != len(patterns) {
		t.Fatalf("got %d DNS entries, want %d: %+v", len(e.DnsEntries), len(patterns), e.DnsEntries)
	}
	for i, p := range patterns {
		name := aws.ToString(e.DnsEntries[i].DnsName)
		if !regexp.MustCompile(p).MatchString(name) {
			t.Errorf("DNS entry %d = %q, want to match %s", i, name, p)
		}
		if aws.ToString(e.DnsEntries[i].HostedZoneId) == "" {
			t.Errorf("DNS entry %d has no hosted zone", i)
		}
	}
}

func TestDeletingAnEndpointGoesThroughDeletingAndDeletedBeforeItIsGone(t *testing.T) {
	h := newHarness(t)
	e := h.createEndpoint(t, h.createGroup(t, "vpce"))
	h.clock.Advance(time.Minute)
	out, err := h.client.DeleteVpcEndpoints(context.Background(), &ec2.DeleteVpcEndpointsInput{VpcEndpointIds: []string{*e.VpcEndpointId}})
	mustOK(t, err)
	if len(out.Unsuccessful) != 0 {
		t.Fatalf("unsuccessful: %+v", out.Unsuccessful)
	}
	if got := h.endpointState(t, *e.VpcEndpointId); got != stateDeleting {
		t.Fatalf("state after delete = %s, want deleting", got)
	}
	h.clock.Advance(30 * time.Second)
	deleted, err := h.describeEndpoint(t, *e.VpcEndpointId)
	mustOK(t, err)
	if deleted.State != stateDeleted || len(deleted.NetworkInterfaceIds) != 0 {
		t.Fatalf("after 30s: state %s with %d interfaces, want deleted with none", deleted.State, len(deleted.NetworkInterfaceIds))
	}
	h.clock.Advance(30 * time.Second)
	_, err = h.describeEndpoint(t, *e.VpcEndpointId)
	wantCode(t, err, "InvalidVpcEndpointId.NotFound")
	list, err := h.client.DescribeVpcEndpoints(context.Background(), &ec2.DescribeVpcEndpointsInput{})
	mustOK(t, err)
	if len(list.VpcEndpoints) != 0 {
		t.Fatalf("a gone endpoint is still listed: %+v", list.VpcEndpoints)
	}
}

func TestNegativeDelaysMakeEndpointTransitionsImmediate(t *testing.T) {
	h := newHarness(t, func(o *ec2sim.Options) {
		o.PendingDelay, o.DeletingDelay, o.DeletedRetention = -1, -1, -1
	})
	e := h.createEndpoint(t, h.createGroup(t, "vpce"))
	if e.State != stateAvailable {
		t.Fatalf("state = %s, want available at once", e.State)
	}
	_, err := h.client.DeleteVpcEndpoints(context.Background(), &ec2.DeleteVpcEndpointsInput{VpcEndpointIds: []string{*e.VpcEndpointId}})
	mustOK(t, err)
	_, err = h.describeEndpoint(t, *e.VpcEndpointId)
	wantCode(t, err, "InvalidVpcEndpointId.NotFound")
}

func TestARepeatedClientTokenReturnsTheFirstEndpoint(t *testing.T) {
	h := newHarness(t)
	group := h.createGroup(t, "vpce")
	withToken := func(in *ec2.CreateVpcEndpointInput) { in.ClientToken = aws.String("uid-1234") }
	first := h.createEndpoint(t, group, withToken)
	h.clock.Advance(time.Minute)
	again := h.createEndpoint(t, group, withToken)
	if *again.VpcEndpointId != *first.VpcEndpointId {
		t.Fatalf("retry created %s, want the first endpoint %s", *again.VpcEndpointId, *first.VpcEndpointId)
	}
	if again.State != stateAvailable {
		t.Errorf("the replayed endpoint reports state %s, want its current state available", again.State)
	}
	list, err := h.client.DescribeVpcEndpoints(context.Background(), &ec2.DescribeVpcEndpointsInput{})
	mustOK(t, err)
	if len(list.VpcEndpoints) != 1 {
		t.Errorf("%d endpoints exist, want 1", len(list.VpcEndpoints))
	}
	_, err = h.client.CreateVpcEndpoint(context.Background(), h.endpointInput(group, withToken, withoutPrivateDNS))
	wantCode(t, err, "IdempotentParameterMismatch")
}

func TestDeleteVpcEndpointsReportsUnknownIDsAsUnsuccessful(t *testing.T) {
	h := newHarness(t)
	e := h.createEndpoint(t, h.createGroup(t, "vpce"))
	out, err := h.client.DeleteVpcEndpoints(context.Background(), &ec2.DeleteVpcEndpointsInput{
		VpcEndpointIds: []string{*e.VpcEndpointId, "vpce-0123456789abcdef0"},
	})
	mustOK(t, err)
	if len(out.Unsuccessful) != 1 {
		t.Fatalf("unsuccessful = %+v, want one item", out.Unsuccessful)
	}
	item := out.Unsuccessful[0]
	if aws.ToString(item.ResourceId) != "vpce-0123456789abcdef0" || aws.ToString(item.Error.Code) != "InvalidVpcEndpoint.NotFound" {
		t.Errorf("unsuccessful item = %s %s", aws.ToString(item.ResourceId), aws.ToString(item.Error.Code))
	}
	if got := h.endpointState(t, *e.VpcEndpointId); got != stateDeleting {
		t.Errorf("the known endpoint is %s, want deleting", got)
	}
}

func equal(a, b any) bool {
	switch a := a.(type) {
	case []string:
		return slices.Equal(a, b.([]string))
	case []types.Tag:
		bt := b.([]types.Tag)
		return slices.EqualFunc(a, bt, func(x, y types.Tag) bool {
			return aws.ToString(x.Key) == aws.ToString(y.Key) && aws.ToString(x.Value) == aws.ToString(y.Value)
		})
	case time.Time:
		return a.Equal(b.(time.Time))
	}
	return a == b
}
