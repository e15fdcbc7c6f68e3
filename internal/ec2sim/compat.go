package ec2sim

import (
	"fmt"
	"slices"
	"strings"
)

// Fault injection that emulates EC2-compatible APIs that are not AWS (a local cloud, an
// on-premises EC2 emulation, an older appliance): they speak EC2's protocol but may accept a
// change they never apply, or leave a field out of their answers. AWS does neither: these
// are not AWS's behaviour, and no AWS page is cited for them. They let a client's tests
// check that it does not write the same change for ever (Options.IgnoreModify) and that a
// field it is not told about counts as unknown, not as different (Options.OmitFields).

// modifyParameters are the ModifyVpcEndpoint request parameters Options.IgnoreModify may
// name (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ModifyVpcEndpoint.html).
var modifyParameters = []string{
	"AddSubnetId", "RemoveSubnetId", "AddSecurityGroupId", "RemoveSecurityGroupId",
	"PolicyDocument", "ResetPolicy", "PrivateDnsEnabled", "IpAddressType", "DnsOptions",
}

// Fields of a DescribeVpcEndpoints answer that Options.OmitFields may leave out, named as
// EC2's XML names them.
const (
	FieldIPAddressType     = "ipAddressType"
	FieldPrivateDNSEnabled = "privateDnsEnabled"
)

var omittableFields = []string{FieldIPAddressType, FieldPrivateDNSEnabled}

// validateCompat reports IgnoreModify and OmitFields names the simulator does not know.
func (o Options) validateCompat() []error {
	var errs []error
	for _, p := range o.IgnoreModify {
		if !slices.Contains(modifyParameters, p) {
			errs = append(errs, fmt.Errorf("IgnoreModify %q: want one of %v", p, modifyParameters))
		}
	}
	for _, f := range o.OmitFields {
		if !slices.Contains(omittableFields, f) {
			errs = append(errs, fmt.Errorf("OmitFields %q: want one of %v", f, omittableFields))
		}
	}
	return errs
}

// withoutIgnoredModify drops the parameters Options.IgnoreModify names from a
// ModifyVpcEndpoint request, members of lists (AddSubnetId.1) and of structures
// (DnsOptions.DnsRecordIpType) included: the call is answered as if they had not been sent,
// so it succeeds and changes nothing they ask for.
func (s *Simulator) withoutIgnoredModify(q query) query {
	if len(s.ignoreModify) == 0 {
		return q
	}
	kept := make(query, len(q))
	for key, values := range q {
		name, _, _ := strings.Cut(key, ".")
		if !slices.Contains(s.ignoreModify, name) {
			kept[key] = values
		}
	}
	return kept
}

// omitEndpointFields leaves out of one endpoint of a DescribeVpcEndpoints answer the fields
// Options.OmitFields names.
func (s *Simulator) omitEndpointFields(x *vpcEndpointXML) {
	for _, f := range s.omitFields {
		switch f {
		case FieldIPAddressType:
			x.IPAddressType = ""
		case FieldPrivateDNSEnabled:
			x.PrivateDNSEnabled = nil
		}
	}
}
