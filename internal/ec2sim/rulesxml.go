package ec2sim

import (
	"fmt"
	"time"
)

type ipPermissionXML struct {
	IPProtocol    string               `xml:"ipProtocol"`
	FromPort      *int32               `xml:"fromPort,omitempty"`
	ToPort        *int32               `xml:"toPort,omitempty"`
	Groups        []userIDGroupPairXML `xml:"groups>item"`
	IPRanges      []ipRangeXML         `xml:"ipRanges>item"`
	Ipv6Ranges    []ipv6RangeXML       `xml:"ipv6Ranges>item"`
	PrefixListIDs []prefixListIDXML    `xml:"prefixListIds>item"`
}

type userIDGroupPairXML struct {
	UserID      string `xml:"userId"`
	GroupID     string `xml:"groupId"`
	Description string `xml:"description,omitempty"`
}

type ipRangeXML struct {
	CidrIP      string `xml:"cidrIp"`
	Description string `xml:"description,omitempty"`
}

type ipv6RangeXML struct {
	CidrIpv6    string `xml:"cidrIpv6"`
	Description string `xml:"description,omitempty"`
}

type prefixListIDXML struct {
	PrefixListID string `xml:"prefixListId"`
	Description  string `xml:"description,omitempty"`
}

type securityGroupRuleXML struct {
	SecurityGroupRuleID  string              `xml:"securityGroupRuleId"`
	GroupID              string              `xml:"groupId"`
	GroupOwnerID         string              `xml:"groupOwnerId"`
	IsEgress             bool                `xml:"isEgress"`
	IPProtocol           string              `xml:"ipProtocol"`
	FromPort             int32               `xml:"fromPort"`
	ToPort               int32               `xml:"toPort"`
	CidrIpv4             string              `xml:"cidrIpv4,omitempty"`
	CidrIpv6             string              `xml:"cidrIpv6,omitempty"`
	PrefixListID         string              `xml:"prefixListId,omitempty"`
	ReferencedGroupInfo  *referencedGroupXML `xml:"referencedGroupInfo,omitempty"`
	Description          string              `xml:"description,omitempty"`
	SecurityGroupRuleArn string              `xml:"securityGroupRuleArn"`
	Tags                 []tagXML            `xml:"tagSet>item"`
}

type referencedGroupXML struct {
	GroupID string `xml:"groupId"`
	UserID  string `xml:"userId"`
}

type revokedRuleXML struct {
	SecurityGroupRuleID string `xml:"securityGroupRuleId"`
	GroupID             string `xml:"groupId"`
	IsEgress            bool   `xml:"isEgress"`
	IPProtocol          string `xml:"ipProtocol"`
	FromPort            int32  `xml:"fromPort"`
	ToPort              int32  `xml:"toPort"`
	CidrIpv4            string `xml:"cidrIpv4,omitempty"`
	CidrIpv6            string `xml:"cidrIpv6,omitempty"`
	PrefixListID        string `xml:"prefixListId,omitempty"`
	ReferencedGroupID   string `xml:"referencedGroupId,omitempty"`
	Description         string `xml:"description,omitempty"`
}

func specsOf(rules []*securityGroupRule) []ruleSpec {
	out := make([]ruleSpec, len(rules))
	for i, r := range rules {
		out[i] = r.ruleSpec
	}
	return out
}

// permissionsXML groups atomic rules into EC2's IpPermissions: one permission per protocol
// and port range, listing every peer that rule range admits, in the order they were added.
func permissionsXML(specs []ruleSpec) []ipPermissionXML {
	type portRange struct {
		protocol string
		from, to int32
	}
	index := map[portRange]int{}
	var out []ipPermissionXML
	for _, r := range specs {
		key := portRange{r.protocol, r.fromPort, r.toPort}
		i, ok := index[key]
		if !ok {
			p := ipPermissionXML{IPProtocol: r.protocol}
			if hasPorts(r.protocol) {
				from, to := r.fromPort, r.toPort
				p.FromPort, p.ToPort = &from, &to
			}
			out = append(out, p)
			i = len(out) - 1
			index[key] = i
		}
		p := &out[i]
		switch {
		case r.cidrIPv4 != "":
			p.IPRanges = append(p.IPRanges, ipRangeXML{CidrIP: r.cidrIPv4, Description: r.description})
		case r.cidrIPv6 != "":
			p.Ipv6Ranges = append(p.Ipv6Ranges, ipv6RangeXML{CidrIpv6: r.cidrIPv6, Description: r.description})
		case r.prefixListID != "":
			p.PrefixListIDs = append(p.PrefixListIDs, prefixListIDXML{PrefixListID: r.prefixListID, Description: r.description})
		case r.referencedGroupID != "":
			p.Groups = append(p.Groups, userIDGroupPairXML{UserID: r.referencedUserID, GroupID: r.referencedGroupID, Description: r.description})
		}
	}
	return out
}

func (s *Simulator) ruleXML(r *securityGroupRule, now time.Time) securityGroupRuleXML {
	x := securityGroupRuleXML{
		SecurityGroupRuleID:  r.id,
		GroupID:              r.groupID,
		GroupOwnerID:         s.accountID,
		IsEgress:             r.egress,
		IPProtocol:           r.protocol,
		FromPort:             r.fromPort,
		ToPort:               r.toPort,
		CidrIpv4:             r.cidrIPv4,
		CidrIpv6:             r.cidrIPv6,
		PrefixListID:         r.prefixListID,
		Description:          r.description,
		SecurityGroupRuleArn: fmt.Sprintf("arn:aws:ec2:%s:%s:security-group-rule/%s", s.region, s.accountID, r.id),
		Tags:                 r.pastTags.at(r.tags, now).xml(),
	}
	if r.referencedGroupID != "" {
		x.ReferencedGroupInfo = &referencedGroupXML{GroupID: r.referencedGroupID, UserID: r.referencedUserID}
	}
	return x
}

func revokedRuleXMLFrom(r *securityGroupRule) revokedRuleXML {
	return revokedRuleXML{
		SecurityGroupRuleID: r.id,
		GroupID:             r.groupID,
		IsEgress:            r.egress,
		IPProtocol:          r.protocol,
		FromPort:            r.fromPort,
		ToPort:              r.toPort,
		CidrIpv4:            r.cidrIPv4,
		CidrIpv6:            r.cidrIPv6,
		PrefixListID:        r.prefixListID,
		ReferencedGroupID:   r.referencedGroupID,
		Description:         r.description,
	}
}
