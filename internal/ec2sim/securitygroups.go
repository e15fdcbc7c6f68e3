package ec2sim

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

const (
	defaultGroupName        = "default"
	maxGroupTextLength      = 255
	allTrafficProtocol      = "-1"
	everywhereIPv4          = "0.0.0.0/0"
	defaultGroupDescription = "default VPC security group"
)

type securityGroup struct {
	id          string
	name        string
	description string
	vpcID       string
	// visibleAt is when the group's creation has propagated (see SetEventualConsistency).
	visibleAt time.Time
	seq       uint64
	tags      tagSet
	ingress   []*securityGroupRule
	egress    []*securityGroupRule
	// past is what reads see while changes to the group propagate.
	past history[*securityGroup]
}

type securityGroupXML struct {
	OwnerID             string            `xml:"ownerId"`
	GroupName           string            `xml:"groupName"`
	GroupID             string            `xml:"groupId"`
	Description         string            `xml:"groupDescription"`
	VpcID               string            `xml:"vpcId"`
	SecurityGroupArn    string            `xml:"securityGroupArn"`
	IPPermissions       []ipPermissionXML `xml:"ipPermissions>item"`
	IPPermissionsEgress []ipPermissionXML `xml:"ipPermissionsEgress>item"`
	Tags                []tagXML          `xml:"tagSet>item"`
}

type createSecurityGroupResponse struct {
	responseHeader
	GroupID          string   `xml:"groupId"`
	SecurityGroupArn string   `xml:"securityGroupArn"`
	Tags             []tagXML `xml:"tagSet>item"`
}

type describeSecurityGroupsResponse struct {
	responseHeader
	SecurityGroups []securityGroupXML `xml:"securityGroupInfo>item"`
	NextToken      string             `xml:"nextToken,omitempty"`
}

type deleteSecurityGroupResponse struct {
	responseHeader
	Return  bool   `xml:"return"`
	GroupID string `xml:"groupId"`
}

func (s *Simulator) securityGroupArn(id string) string {
	return fmt.Sprintf("arn:aws:ec2:%s:%s:security-group/%s", s.region, s.accountID, id)
}

func (s *Simulator) securityGroupXML(g *securityGroup) securityGroupXML {
	return securityGroupXML{
		OwnerID:             s.accountID,
		GroupName:           g.name,
		GroupID:             g.id,
		Description:         g.description,
		VpcID:               g.vpcID,
		SecurityGroupArn:    s.securityGroupArn(g.id),
		IPPermissions:       permissionsXML(specsOf(g.ingress)),
		IPPermissionsEgress: permissionsXML(specsOf(g.egress)),
		Tags:                g.tags.xml(),
	}
}

// addSecurityGroup records a group with EC2's default outbound rule (all traffic to
// anywhere), visible to reads from visibleAt. Callers hold s.mu.
func (s *Simulator) addSecurityGroup(name, description, vpcID string, tags tagSet, visibleAt time.Time) *securityGroup {
	g := &securityGroup{
		id:          s.newID("sg"),
		name:        name,
		description: description,
		vpcID:       vpcID,
		visibleAt:   visibleAt,
		seq:         s.nextSeq(),
		tags:        tags,
	}
	s.groups[g.id] = g
	s.addRules(g, true, []ruleSpec{{protocol: allTrafficProtocol, fromPort: -1, toPort: -1, cidrIPv4: everywhereIPv4}})
	return g
}

// addDefaultSecurityGroup creates the group every VPC comes with: all traffic in from its own
// members, all traffic out. Callers hold s.mu.
func (s *Simulator) addDefaultSecurityGroup(vpcID string, now time.Time) *securityGroup {
	g := s.addSecurityGroup(defaultGroupName, defaultGroupDescription, vpcID, tagSet{}, now)
	s.addRules(g, false, []ruleSpec{{
		protocol: allTrafficProtocol, fromPort: -1, toPort: -1,
		referencedGroupID: g.id, referencedUserID: s.accountID,
	}})
	return g
}

func validateGroupText(param, value string) *apiError {
	if value == "" {
		return missingParameter(param)
	}
	if utf8.RuneCountInString(value) > maxGroupTextLength {
		return clientError(codeInvalidParameterValue, "Value (%s) for parameter %s is invalid. Length exceeds maximum of %d.", value, param, maxGroupTextLength)
	}
	return nil
}

func (s *Simulator) createSecurityGroup(q query, now time.Time) (response, *apiError) {
	name, description := q.get("GroupName"), q.get("GroupDescription")
	if err := validateGroupText("GroupName", name); err != nil {
		return nil, err
	}
	if err := validateGroupText("GroupDescription", description); err != nil {
		return nil, err
	}
	if strings.HasPrefix(name, "sg-") {
		return nil, clientError(codeInvalidParameterValue, "Value (%s) for parameter GroupName is invalid. Group names may not be in the format sg-*.", name)
	}
	if name == defaultGroupName {
		return nil, clientError(codeInvalidGroupReserved, "The security group 'default' is reserved")
	}
	vpcID := q.get("VpcId")
	if vpcID == "" {
		return nil, clientError(codeVPCIDNotSpecified, "No default VPC for this user. GroupName is only supported for EC2-Classic and default VPC.")
	}
	if err := kindVPC.check(vpcID, s.vpcs[vpcID] != nil); err != nil {
		return nil, err
	}
	// Names are unique per VPC: a second group of the name is EC2's InvalidGroup.Duplicate
	// (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html), and so
	// is a retried CreateSecurityGroup whose first attempt took effect.
	for _, g := range s.groups {
		if g.vpcID == vpcID && g.name == name {
			return nil, clientError(codeInvalidGroupDuplicate, "The security group '%s' already exists for VPC '%s'", name, vpcID)
		}
	}
	tags, err := parseTagSpecifications(q, "security-group")
	if err != nil {
		return nil, err
	}
	g := s.addSecurityGroup(name, description, vpcID, tags, s.propagationTime(now))
	return &createSecurityGroupResponse{GroupID: g.id, SecurityGroupArn: s.securityGroupArn(g.id), Tags: g.tags.xml()}, nil
}

func (s *Simulator) visibleGroupNamed(name string, now time.Time) bool {
	for _, g := range s.groups {
		if g.name == name && propagated(g.visibleAt, now) {
			return true
		}
	}
	return false
}

// groupsAt lists the security groups as a read at now sees them. Callers hold s.mu.
func (s *Simulator) groupsAt(now time.Time) []*securityGroup {
	var out []*securityGroup
	for id := range s.groups {
		if g, ok := s.groupAt(id, now); ok {
			out = append(out, g)
		}
	}
	return out
}

func (s *Simulator) describeSecurityGroups(q query, now time.Time) (response, *apiError) {
	names := q.strings("GroupName")
	for _, name := range names {
		if !s.visibleGroupNamed(name, now) {
			return nil, clientError(kindGroup.notFound, "The security group '%s' does not exist", name)
		}
	}
	c := collection[*securityGroup]{
		idList: "GroupId", kind: kindGroup, pages: pages5To1000,
		lookup: func(id string) (*securityGroup, bool) { return s.groupAt(id, now) },
		all:    func() []*securityGroup { return s.groupsAt(now) },
		seq:    func(g *securityGroup) uint64 { return g.seq },
		tags:   func(g *securityGroup) tagSet { return g.tags },
		fields: s.securityGroupFilters(),
	}
	if len(names) > 0 {
		c.restrict = func(g *securityGroup) bool { return slices.Contains(names, g.name) }
	}
	items, next, err := c.describe(q)
	if err != nil {
		return nil, err
	}
	resp := &describeSecurityGroupsResponse{NextToken: next}
	for _, g := range items {
		resp.SecurityGroups = append(resp.SecurityGroups, s.securityGroupXML(g))
	}
	return resp, nil
}

func (s *Simulator) securityGroupFilters() filterFields[*securityGroup] {
	ingressValues := func(value func(*securityGroupRule) string) func(*securityGroup) []string {
		return func(g *securityGroup) []string {
			var out []string
			for _, r := range g.ingress {
				if v := value(r); v != "" {
					out = append(out, v)
				}
			}
			return out
		}
	}
	return filterFields[*securityGroup]{
		"group-id":                     func(g *securityGroup) []string { return []string{g.id} },
		"group-name":                   func(g *securityGroup) []string { return []string{g.name} },
		"description":                  func(g *securityGroup) []string { return []string{g.description} },
		"vpc-id":                       func(g *securityGroup) []string { return []string{g.vpcID} },
		"owner-id":                     func(*securityGroup) []string { return []string{s.accountID} },
		"ip-permission.cidr":           ingressValues(func(r *securityGroupRule) string { return r.cidrIPv4 }),
		"ip-permission.ipv6-cidr":      ingressValues(func(r *securityGroupRule) string { return r.cidrIPv6 }),
		"ip-permission.prefix-list-id": ingressValues(func(r *securityGroupRule) string { return r.prefixListID }),
		"ip-permission.group-id":       ingressValues(func(r *securityGroupRule) string { return r.referencedGroupID }),
		"ip-permission.protocol":       ingressValues(func(r *securityGroupRule) string { return r.protocol }),
		"ip-permission.from-port":      ingressValues(func(r *securityGroupRule) string { return fmt.Sprint(r.fromPort) }),
		"ip-permission.to-port":        ingressValues(func(r *securityGroupRule) string { return fmt.Sprint(r.toPort) }),
	}
}

func (s *Simulator) deleteSecurityGroup(q query, now time.Time) (response, *apiError) {
	g, err := s.groupForAction(q, now)
	if err != nil {
		return nil, err
	}
	if g.name == defaultGroupName {
		return nil, clientError(codeCannotDelete, "the specified group: \"%s\" name: \"default\" cannot be deleted by a user", g.id)
	}
	if s.groupInUse(g.id) {
		return nil, clientError(codeDependencyViolation, "resource %s has a dependent object", g.id)
	}
	for _, r := range g.ingress {
		delete(s.rules, r.id)
	}
	for _, r := range g.egress {
		delete(s.rules, r.id)
	}
	delete(s.groups, g.id)
	return &deleteSecurityGroupResponse{Return: true, GroupID: g.id}, nil
}

// groupForAction finds the group named by GroupId, or by GroupName as EC2 still allows,
// once its creation has propagated. Callers hold s.mu.
func (s *Simulator) groupForAction(q query, now time.Time) (*securityGroup, *apiError) {
	if id := q.get("GroupId"); id != "" {
		g, ok := s.knownGroup(id, now)
		if err := kindGroup.check(id, ok); err != nil {
			return nil, err
		}
		return g, nil
	}
	name := q.get("GroupName")
	if name == "" {
		return nil, clientError(codeMissingParameter, "The request must contain the parameter groupName or groupId")
	}
	for _, g := range s.groups {
		if g.name == name && g.name != defaultGroupName && propagated(g.visibleAt, now) {
			return g, nil
		}
	}
	return nil, clientError(kindGroup.notFound, "The security group '%s' does not exist", name)
}

// groupInUse reports what makes EC2 refuse to delete a group: network interfaces that still
// carry it (an endpoint's interfaces live until the endpoint is fully deleted), or rules of
// other groups that reference it. Callers hold s.mu.
func (s *Simulator) groupInUse(id string) bool {
	for _, ni := range s.interfaces {
		if slices.Contains(ni.groupIDs, id) {
			return true
		}
	}
	for _, e := range s.endpoints {
		if e.state != stateDeleted && slices.Contains(e.groupIDs, id) {
			return true
		}
	}
	for _, r := range s.rules {
		if r.referencedGroupID == id && r.groupID != id {
			return true
		}
	}
	return false
}
