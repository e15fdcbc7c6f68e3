package ec2sim

import (
	"fmt"
	"net/netip"
	"strings"
	"time"
)

// maxIngressRules is AWS's default quota of inbound rules per security group.
const maxIngressRules = 60

// ruleSpec is one atomic rule: a protocol and port range with exactly one peer. EC2 stores
// and numbers rules (sgr-...) at this grain; IpPermissions group them for display.
type ruleSpec struct {
	protocol          string
	fromPort, toPort  int32
	cidrIPv4          string
	cidrIPv6          string
	prefixListID      string
	referencedGroupID string
	referencedUserID  string
	description       string
}

// identity is what makes two rules the same rule to EC2: everything but the description.
func (r ruleSpec) identity() ruleSpec {
	r.description = ""
	r.referencedUserID = ""
	return r
}

func (r ruleSpec) peer() string {
	for _, p := range []string{r.cidrIPv4, r.cidrIPv6, r.prefixListID, r.referencedGroupID} {
		if p != "" {
			return p
		}
	}
	return ""
}

// String renders a rule as EC2 quotes it in InvalidPermission.Duplicate messages.
func (r ruleSpec) String() string {
	protocol := strings.ToUpper(r.protocol)
	if r.protocol == allTrafficProtocol {
		protocol = "ALL"
	}
	return fmt.Sprintf("peer: %s, %s, from port: %d, to port: %d, ALLOW", r.peer(), protocol, r.fromPort, r.toPort)
}

type securityGroupRule struct {
	ruleSpec
	id       string
	groupID  string
	egress   bool
	seq      uint64
	tags     tagSet
	pastTags history[tagSet]
}

// addRules numbers and records rules on a group. Callers hold s.mu.
func (s *Simulator) addRules(g *securityGroup, egress bool, specs []ruleSpec) []*securityGroupRule {
	added := make([]*securityGroupRule, 0, len(specs))
	for _, spec := range specs {
		r := &securityGroupRule{ruleSpec: spec, id: s.newID("sgr"), groupID: g.id, egress: egress, seq: s.nextSeq()}
		s.rules[r.id] = r
		added = append(added, r)
	}
	if egress {
		g.egress = append(g.egress, added...)
	} else {
		g.ingress = append(g.ingress, added...)
	}
	return added
}

// normalizeProtocol maps the names and numbers EC2 accepts to the form it reports.
func normalizeProtocol(p string) (string, bool) {
	switch strings.ToLower(p) {
	case "tcp", "6":
		return "tcp", true
	case "udp", "17":
		return "udp", true
	case "icmp", "1":
		return "icmp", true
	case "icmpv6", "58":
		return "icmpv6", true
	case "-1", "all":
		return allTrafficProtocol, true
	}
	var n int
	if _, err := fmt.Sscanf(p, "%d", &n); err == nil && fmt.Sprint(n) == p && n >= 0 && n <= 255 {
		return p, true
	}
	return "", false
}

// hasPorts reports whether EC2 shows a port range for the protocol in IpPermissions.
func hasPorts(protocol string) bool {
	switch protocol {
	case "tcp", "udp", "icmp", "icmpv6":
		return true
	}
	return false
}

func parseProtocolPorts(q query, prefix string) (ruleSpec, *apiError) {
	raw := q.get(prefix + "IpProtocol")
	if raw == "" {
		return ruleSpec{}, missingParameter(prefix + "IpProtocol")
	}
	protocol, ok := normalizeProtocol(raw)
	if !ok {
		return ruleSpec{}, clientError(codeInvalidParameterValue, "Invalid value '%s' for IP protocol. Unknown protocol.", raw)
	}
	from, fromSet, err := q.int32(prefix + "FromPort")
	if err != nil {
		return ruleSpec{}, err
	}
	to, toSet, err := q.int32(prefix + "ToPort")
	if err != nil {
		return ruleSpec{}, err
	}
	switch protocol {
	case "tcp", "udp":
		if !fromSet || !toSet {
			return ruleSpec{}, clientError(codeInvalidParameterValue, "Invalid value 'Must specify both from and to ports with TCP/UDP.' for portRange.")
		}
		if from < 0 || to > 65535 || from > to {
			return ruleSpec{}, clientError(codeInvalidParameterValue, "Invalid TCP/UDP port range %d-%d.", from, to)
		}
	case "icmp", "icmpv6":
		if !fromSet {
			from = -1
		}
		if !toSet {
			to = -1
		}
		if from < -1 || from > 255 || to < -1 || to > 255 {
			return ruleSpec{}, clientError(codeInvalidParameterValue, "Invalid ICMP type/code %d/%d.", from, to)
		}
	default:
		from, to = -1, -1
	}
	return ruleSpec{protocol: protocol, fromPort: from, toPort: to}, nil
}

// parsePermissions reads IpPermissions.N, or the older top-level IpProtocol/FromPort/ToPort/
// CidrIp form, into atomic rules. Peer groups are looked up in the target group's VPC.
func (s *Simulator) parsePermissions(q query, vpcID string, now time.Time) ([]ruleSpec, *apiError) {
	var specs []ruleSpec
	for _, m := range q.members("IpPermissions") {
		base, err := parseProtocolPorts(q, m+".")
		if err != nil {
			return nil, err
		}
		peers, err := s.parsePeers(q, m, base, vpcID, now)
		if err != nil {
			return nil, err
		}
		if len(peers) == 0 {
			return nil, clientError(codeInvalidPermissionMalformed, "Each permission must name a CIDR block, an IPv6 CIDR block, a prefix list or a security group.")
		}
		specs = append(specs, peers...)
	}
	if len(specs) == 0 && q.has("IpProtocol") {
		base, err := parseProtocolPorts(q, "")
		if err != nil {
			return nil, err
		}
		cidr := q.get("CidrIp")
		if err := checkCIDR(cidr, true); err != nil {
			return nil, err
		}
		base.cidrIPv4 = cidr
		specs = append(specs, base)
	}
	return specs, nil
}

func checkCIDR(cidr string, v4 bool) *apiError {
	p, err := netip.ParsePrefix(cidr)
	if err != nil || p.Addr().Is4() != v4 {
		return clientError(codeInvalidParameterValue, "CIDR block %s is malformed", cidr)
	}
	return nil
}

func (s *Simulator) parsePeers(q query, m string, base ruleSpec, vpcID string, now time.Time) ([]ruleSpec, *apiError) {
	var out []ruleSpec
	for _, r := range q.members(m + ".IpRanges") {
		spec := base
		spec.cidrIPv4, spec.description = q.get(r+".CidrIp"), q.get(r+".Description")
		if err := checkCIDR(spec.cidrIPv4, true); err != nil {
			return nil, err
		}
		out = append(out, spec)
	}
	for _, r := range q.members(m + ".Ipv6Ranges") {
		spec := base
		spec.cidrIPv6, spec.description = q.get(r+".CidrIpv6"), q.get(r+".Description")
		if err := checkCIDR(spec.cidrIPv6, false); err != nil {
			return nil, err
		}
		out = append(out, spec)
	}
	for _, r := range q.members(m + ".PrefixListIds") {
		spec := base
		spec.prefixListID, spec.description = q.get(r+".PrefixListId"), q.get(r+".Description")
		if !strings.HasPrefix(spec.prefixListID, "pl-") {
			return nil, clientError("InvalidPrefixListId.Malformed", "Invalid id: \"%s\" (expecting \"pl-...\")", spec.prefixListID)
		}
		if err := s.checkPrefixList(spec.prefixListID); err != nil {
			return nil, err
		}
		out = append(out, spec)
	}
	// The SDK sends user-ID/group pairs as Groups.N; UserIdGroupPairs.N is accepted too.
	pairs := append(q.members(m+".Groups"), q.members(m+".UserIdGroupPairs")...)
	for _, r := range pairs {
		spec := base
		spec.description = q.get(r + ".Description")
		g, err := s.peerGroup(q.get(r+".GroupId"), q.get(r+".GroupName"), vpcID, now)
		if err != nil {
			return nil, err
		}
		spec.referencedGroupID, spec.referencedUserID = g.id, s.accountID
		out = append(out, spec)
	}
	return out, nil
}

// peerGroup finds the group a rule admits traffic from: one that exists and, when it is in
// another VPC, one the target's VPC is peered with. "To reference a security group in a
// peer VPC, the VPC peering connection must be in the active state"
// (https://docs.aws.amazon.com/vpc/latest/peering/vpc-peering-security-groups.html);
// without it EC2 answers InvalidGroup.NotFound "You have specified two resources that
// belong to different networks.", as public reports quote it.
func (s *Simulator) peerGroup(id, name, vpcID string, now time.Time) (*securityGroup, *apiError) {
	if id == "" {
		for _, g := range s.groups {
			if name != "" && g.name == name && g.vpcID == vpcID && propagated(g.visibleAt, now) {
				return g, nil
			}
		}
		return nil, clientError(kindGroup.notFound, "The security group '%s' does not exist", name)
	}
	g, ok := s.knownGroup(id, now)
	if err := kindGroup.check(id, ok); err != nil {
		return nil, err
	}
	if g.vpcID != vpcID && !s.peerings[[2]string{g.vpcID, vpcID}] {
		return nil, clientError(kindGroup.notFound, "You have specified two resources that belong to different networks.")
	}
	return g, nil
}
