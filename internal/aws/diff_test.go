package aws

import (
	"reflect"
	"testing"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
)

func TestDiffIngress(t *testing.T) {
	https := func(kind SourceKind, src string) IngressRule {
		return IngressRule{Protocol: "tcp", FromPort: 443, ToPort: 443, Kind: kind, Source: src}
	}
	ssh := IngressRule{Protocol: "tcp", FromPort: 22, ToPort: 22, Kind: SourceIPv4, Source: "0.0.0.0/0"}
	tests := []struct {
		name                     string
		desired, observed        []IngressRule
		wantAuthorize, wantRevok []IngressRule
	}{
		{"a new group gets every rule", []IngressRule{https(SourceSecurityGroup, "sg-1")}, nil,
			[]IngressRule{https(SourceSecurityGroup, "sg-1")}, nil},
		{"a group in shape needs nothing", []IngressRule{https(SourceSecurityGroup, "sg-1")}, []IngressRule{https(SourceSecurityGroup, "sg-1")}, nil, nil},
		{"an extra rule added by hand is revoked", []IngressRule{https(SourceSecurityGroup, "sg-1")}, []IngressRule{https(SourceSecurityGroup, "sg-1"), ssh},
			nil, []IngressRule{ssh}},
		{"a replaced source is authorized and the old one revoked", []IngressRule{https(SourceIPv4, "10.0.0.0/16")}, []IngressRule{https(SourceSecurityGroup, "sg-1")},
			[]IngressRule{https(SourceIPv4, "10.0.0.0/16")}, []IngressRule{https(SourceSecurityGroup, "sg-1")}},
		{"the same source on another port is not the desired rule", []IngressRule{https(SourceIPv4, "10.0.0.0/16")},
			[]IngressRule{{Protocol: "tcp", FromPort: 0, ToPort: 65535, Kind: SourceIPv4, Source: "10.0.0.0/16"}},
			[]IngressRule{https(SourceIPv4, "10.0.0.0/16")}, []IngressRule{{Protocol: "tcp", FromPort: 0, ToPort: 65535, Kind: SourceIPv4, Source: "10.0.0.0/16"}}},
		{"a desired rule listed twice is authorized once", []IngressRule{https(SourcePrefixList, "pl-1"), https(SourcePrefixList, "pl-1")}, nil,
			[]IngressRule{https(SourcePrefixList, "pl-1")}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			authorize, revoke := DiffIngress(tt.desired, tt.observed)
			if !reflect.DeepEqual(authorize, tt.wantAuthorize) || !reflect.DeepEqual(revoke, tt.wantRevok) {
				t.Fatalf("authorize %v revoke %v, want %v and %v", authorize, revoke, tt.wantAuthorize, tt.wantRevok)
			}
		})
	}
}

func TestDesiredIngressSortsCIDRsByFamily(t *testing.T) {
	rules := DesiredIngress([]string{"sg-1"}, []string{"10.0.0.0/16", "2001:db8::/32"}, []string{"pl-1"})
	kinds := []SourceKind{}
	for _, r := range rules {
		if r.Protocol != "tcp" || r.FromPort != 443 || r.ToPort != 443 {
			t.Fatalf("rule %v is not HTTPS only", r)
		}
		kinds = append(kinds, r.Kind)
	}
	if want := []SourceKind{SourceSecurityGroup, SourceIPv4, SourceIPv6, SourcePrefixList}; !reflect.DeepEqual(kinds, want) {
		t.Fatalf("kinds %v, want %v", kinds, want)
	}
}

func TestDiffEndpoint(t *testing.T) {
	observed := &Endpoint{SubnetIDs: []string{"subnet-a", "subnet-b"}, SecurityGroupIDs: []string{"sg-1"},
		PrivateDNSEnabled: awssdk.Bool(true), IPAddressType: "ipv4"}
	silent := &Endpoint{SubnetIDs: []string{"subnet-a", "subnet-b"}, SecurityGroupIDs: []string{"sg-1"}}
	base := EndpointSpec{SubnetIDs: []string{"subnet-b", "subnet-a"}, SecurityGroupIDs: []string{"sg-1"},
		PrivateDNSEnabled: true, IPAddressType: "ipv4", PolicyDocument: "{}"}
	tests := []struct {
		name          string
		mutate        func(*EndpointSpec)
		policyDiffers bool
		want          EndpointChange
		// observed defaults to an endpoint EC2 reports every field of.
		observed *Endpoint
	}{
		{"nothing differs, in any order", func(*EndpointSpec) {}, false, EndpointChange{}, nil},
		{"subnets become add and remove sets", func(s *EndpointSpec) { s.SubnetIDs = []string{"subnet-b", "subnet-c"} }, false,
			EndpointChange{AddSubnetIDs: []string{"subnet-c"}, RemoveSubnetIDs: []string{"subnet-a"}}, nil},
		{"groups become add and remove sets", func(s *EndpointSpec) { s.SecurityGroupIDs = []string{"sg-2"} }, false,
			EndpointChange{AddSecurityGroupIDs: []string{"sg-2"}, RemoveSecurityGroupIDs: []string{"sg-1"}}, nil},
		{"private DNS turned off", func(s *EndpointSpec) { s.PrivateDNSEnabled = false }, false,
			EndpointChange{PrivateDNSEnabled: awssdk.Bool(false)}, nil},
		{"an IP address type EC2 does not report is unknown, not different", func(s *EndpointSpec) { s.IPAddressType = "dualstack" }, false,
			EndpointChange{}, silent},
		{"private DNS EC2 does not report is unknown, not different", func(s *EndpointSpec) { s.PrivateDNSEnabled = false }, false,
			EndpointChange{}, silent},
		{"a new IP address type", func(s *EndpointSpec) { s.IPAddressType = "dualstack" }, false, EndpointChange{IPAddressType: "dualstack"}, nil},
		{"a policy that differs is written", func(*EndpointSpec) {}, true, EndpointChange{PolicyDocument: awssdk.String("{}")}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec := base
			tt.mutate(&spec)
			obs := observed
			if tt.observed != nil {
				obs = tt.observed
			}
			got := DiffEndpoint(spec, obs, tt.policyDiffers)
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %+v (%s), want %+v", got, got, tt.want)
			}
			if got.Empty() != reflect.DeepEqual(tt.want, EndpointChange{}) {
				t.Fatalf("Empty() = %t for %+v", got.Empty(), got)
			}
		})
	}
}

func TestMissingTagsLeavesOtherToolsTagsAlone(t *testing.T) {
	got := MissingTags(map[string]string{"team": "a", "Name": "x"}, map[string]string{"team": "b", "cost": "1"})
	if want := map[string]string{"team": "a", "Name": "x"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}

func TestOwnerTagsWinOverTheUsersButNameIsTheUsersToSet(t *testing.T) {
	o := Owner{Cluster: "c", Namespace: "ns", Name: "n", UID: "u"}
	tags := o.Tags("default-name", map[string]string{"Name": "mine", "vpce.agentcore.io/uid": "forged"})
	if tags["Name"] != "mine" || tags["vpce.agentcore.io/uid"] != "u" || tags["vpce.agentcore.io/cluster"] != "c" {
		t.Fatalf("tags %v", tags)
	}
	if got := o.Tags("default-name", nil)["Name"]; got != "default-name" {
		t.Fatalf("Name %q", got)
	}
}
