package ec2sim

import (
	"maps"
	"slices"
	"time"
)

// Inbound rule changes and reads: AuthorizeSecurityGroupIngress, RevokeSecurityGroupIngress
// and DescribeSecurityGroupRules.

type authorizeSecurityGroupIngressResponse struct {
	responseHeader
	Return bool                   `xml:"return"`
	Rules  []securityGroupRuleXML `xml:"securityGroupRuleSet>item"`
}

type revokeSecurityGroupIngressResponse struct {
	responseHeader
	Return  bool              `xml:"return"`
	Revoked []revokedRuleXML  `xml:"revokedSecurityGroupRuleSet>item"`
	Unknown []ipPermissionXML `xml:"unknownIpPermissionSet>item"`
}

type describeSecurityGroupRulesResponse struct {
	responseHeader
	Rules     []securityGroupRuleXML `xml:"securityGroupRuleSet>item"`
	NextToken string                 `xml:"nextToken,omitempty"`
}

// authorizeSecurityGroupIngress adds all the requested rules or none: one rule that already
// exists (or appears twice) fails the whole request with InvalidPermission.Duplicate, EC2's
// code for a rule that already exists
// (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html), as a
// retried call whose first attempt took effect does.
func (s *Simulator) authorizeSecurityGroupIngress(q query, now time.Time) (response, *apiError) {
	g, err := s.groupForAction(q, now)
	if err != nil {
		return nil, err
	}
	specs, err := s.parsePermissions(q, g.vpcID, now)
	if err != nil {
		return nil, err
	}
	if len(specs) == 0 {
		return nil, missingParameter("IpPermissions")
	}
	seen := map[ruleSpec]bool{}
	for _, r := range g.ingress {
		seen[r.identity()] = true
	}
	for _, spec := range specs {
		if seen[spec.identity()] {
			return nil, clientError(codeInvalidPermissionDuplicate, "the specified rule \"%s\" already exists", spec)
		}
		seen[spec.identity()] = true
	}
	if len(g.ingress)+len(specs) > maxIngressRules {
		return nil, clientError(codeRulesLimitExceeded, "The maximum number of rules per security group has been reached.")
	}
	s.rememberGroup(g, now)
	resp := &authorizeSecurityGroupIngressResponse{Return: true}
	for _, r := range s.addRules(g, false, specs) {
		resp.Rules = append(resp.Rules, s.ruleXML(r, now))
	}
	return resp, nil
}

// revokeSecurityGroupIngress removes rules named by SecurityGroupRuleId.N, or matching
// IpPermissions. RevokeSecurityGroupIngress: "For a non-default VPC, if the values you
// specify do not match the existing rule's values, an InvalidPermission.NotFound client
// error is returned, and no rules are revoked"
// (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_RevokeSecurityGroupIngress.html);
// the simulator has no default VPC. A retried revoke whose first attempt took effect
// therefore meets InvalidPermission.NotFound, or InvalidSecurityGroupRuleId.NotFound when it
// names rule IDs. One permission that matches no rule fails the whole request; the
// UnknownIpPermissions of the response, which only a default VPC fills, stays empty.
func (s *Simulator) revokeSecurityGroupIngress(q query, now time.Time) (response, *apiError) {
	g, err := s.groupForAction(q, now)
	if err != nil {
		return nil, err
	}
	ruleIDs := q.strings("SecurityGroupRuleId")
	hasPermissions := len(q.members("IpPermissions")) > 0 || q.has("IpProtocol")
	if len(ruleIDs) > 0 && hasPermissions {
		return nil, clientError(codeInvalidParameterCombination, "You may specify either IpPermissions or SecurityGroupRuleIds, not both.")
	}
	revoke := map[string]*securityGroupRule{}
	if len(ruleIDs) > 0 {
		seen := s.rulesSeen(g, now)
		for _, id := range ruleIDs {
			r, ok := s.rules[id]
			if err := kindRule.check(id, ok && seen[id] && r.groupID == g.id && !r.egress); err != nil {
				return nil, err
			}
			revoke[id] = r
		}
	} else {
		specs, err := s.parsePermissions(q, g.vpcID, now)
		if err != nil {
			return nil, err
		}
		if len(specs) == 0 {
			return nil, missingParameter("IpPermissions")
		}
		for _, spec := range specs {
			i := slices.IndexFunc(g.ingress, func(r *securityGroupRule) bool { return r.identity() == spec.identity() })
			if i < 0 {
				return nil, clientError(codeInvalidPermissionNotFound, "The specified rule does not exist in this security group.")
			}
			revoke[g.ingress[i].id] = g.ingress[i]
		}
	}
	s.rememberGroup(g, now)
	resp := &revokeSecurityGroupIngressResponse{Return: true}
	for _, id := range slices.Sorted(maps.Keys(revoke)) {
		resp.Revoked = append(resp.Revoked, revokedRuleXMLFrom(revoke[id]))
		delete(s.rules, id)
	}
	g.ingress = slices.DeleteFunc(g.ingress, func(r *securityGroupRule) bool { return revoke[r.id] != nil })
	return resp, nil
}

// rulesSeen lists the IDs of a group's rules that reads at now know of. Callers hold s.mu.
func (s *Simulator) rulesSeen(g *securityGroup, now time.Time) map[string]bool {
	view := g.past.at(g, now)
	seen := map[string]bool{}
	for _, r := range append(slices.Clone(view.ingress), view.egress...) {
		seen[r.id] = true
	}
	return seen
}

// rulesAt lists every rule as reads at now see them: those of the groups as they see them,
// so that a rule added or revoked while changes propagate comes and goes with its group's
// view. Callers hold s.mu.
func (s *Simulator) rulesAt(now time.Time) map[string]*securityGroupRule {
	out := map[string]*securityGroupRule{}
	for _, g := range s.groupsAt(now) {
		for _, r := range append(slices.Clone(g.ingress), g.egress...) {
			out[r.id] = r
		}
	}
	return out
}

func (s *Simulator) describeSecurityGroupRules(q query, now time.Time) (response, *apiError) {
	rules := s.rulesAt(now)
	c := collection[*securityGroupRule]{
		idList: "SecurityGroupRuleId", kind: kindRule, pages: pages5To1000,
		lookup: func(id string) (*securityGroupRule, bool) { r, ok := rules[id]; return r, ok },
		all:    func() []*securityGroupRule { return slices.Collect(maps.Values(rules)) },
		seq:    func(r *securityGroupRule) uint64 { return r.seq },
		tags:   func(r *securityGroupRule) tagSet { return r.pastTags.at(r.tags, now) },
		fields: filterFields[*securityGroupRule]{
			"group-id":               func(r *securityGroupRule) []string { return []string{r.groupID} },
			"security-group-rule-id": func(r *securityGroupRule) []string { return []string{r.id} },
		},
	}
	items, next, err := c.describe(q)
	if err != nil {
		return nil, err
	}
	resp := &describeSecurityGroupRulesResponse{NextToken: next}
	for _, r := range items {
		resp.Rules = append(resp.Rules, s.ruleXML(r, now))
	}
	return resp, nil
}
