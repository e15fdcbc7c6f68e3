package ec2sim

import (
	"fmt"
	"strings"
)

// This file computes, for each EC2 call, the authorizations EC2 makes before running it.
//
// Which resources and condition keys each action is authorized against follows the
// Service Authorization Reference for Amazon EC2
// (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonec2.html):
//   - an action is authorized once per resource the request touches, each with that
//     resource's own condition keys, and every one must be allowed; a create is
//     authorized on the new resource's type with "*" in place of the ID it does not have
//     yet (arn:aws:ec2:<region>:<account>:vpc-endpoint/*);
//   - Describe calls support no resource-level permissions: they are authorized on "*";
//   - aws:RequestTag/<key> and aws:TagKeys belong to the resource being created or tagged,
//     aws:ResourceTag/<key> (and its EC2 alias ec2:ResourceTag/<key>) to an existing
//     resource, ec2:VpceServiceName and ec2:VpceServiceOwner to the vpc-endpoint resource;
//   - dependent actions: tags given at creation are authorized as ec2:CreateTags on the new
//     resource with ec2:CreateAction set to the creating action ("Grant permission to tag
//     Amazon EC2 resources during creation",
//     https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/supported-iam-actions-tagging.html),
//     and an interface endpoint with private DNS needs route53:AssociateVPCWithHostedZone,
//     at creation and when ModifyVpcEndpoint turns private DNS on (AWS_FACTS.md, "IAM").
//
// A resource the request names that does not exist is left out: the action then answers
// its NotFound error, as EC2 does for IDs it cannot find (an assumption; AWS does not
// document which of the two errors comes first).

// authzRequest is one authorization: an action on one resource with that resource's
// request context.
type authzRequest struct {
	action   string
	resource string
	context  iamContext
}

// authzBuilder collects the authorizations of one call. Callers hold s.mu.
type authzBuilder struct {
	s *Simulator
	// call is the EC2 action called, e.g. "CreateVpcEndpoint".
	call     string
	globals  iamContext
	requests []authzRequest
}

func (b *authzBuilder) add(action, resource string, keys iamContext) {
	ctx := iamContext{}
	for k, v := range b.globals {
		ctx[k] = v
	}
	for k, v := range keys {
		ctx[k] = append(ctx[k], v...)
	}
	b.requests = append(b.requests, authzRequest{action: action, resource: resource, context: ctx})
}

// authorizationsByAction lists the actions whose resources are not simply "*".
var authorizationsByAction = map[string]func(b *authzBuilder, q query){
	"CreateVpc":                     (*authzBuilder).createVpc,
	"CreateSubnet":                  (*authzBuilder).createSubnet,
	"CreateSecurityGroup":           (*authzBuilder).createSecurityGroup,
	"DeleteSecurityGroup":           (*authzBuilder).onGroup,
	"AuthorizeSecurityGroupIngress": (*authzBuilder).authorizeIngress,
	"RevokeSecurityGroupIngress":    (*authzBuilder).onGroup,
	"CreateVpcEndpoint":             (*authzBuilder).createVpcEndpoint,
	"ModifyVpcEndpoint":             (*authzBuilder).modifyVpcEndpoint,
	"DeleteVpcEndpoints":            (*authzBuilder).deleteVpcEndpoints,
	"CreateTags":                    (*authzBuilder).tagResources,
	"DeleteTags":                    (*authzBuilder).tagResources,
	"ModifyVpcAttribute":            (*authzBuilder).onVPC,
}

// authorizations returns what EC2 authorizes for one call of action. Callers hold s.mu.
func (s *Simulator) authorizations(a *iamAuthorizer, action string, q query) []authzRequest {
	b := &authzBuilder{s: s, call: action, globals: a.globalContext(s)}
	if build, ok := authorizationsByAction[action]; ok {
		build(b, q)
	} else {
		// Describe calls, and anything the table does not name, on every resource.
		b.add("ec2:"+action, "*", nil)
	}
	return b.requests
}

// ec2ARN is the ARN of an EC2 resource of this account and region.
func (s *Simulator) ec2ARN(resourceType, id string) string {
	return fmt.Sprintf("arn:%s:ec2:%s:%s:%s/%s", partitionOf(s.region), s.region, s.accountID, resourceType, id)
}

// partitionOf is the ARN partition of a region
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html).
func partitionOf(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	}
	return "aws"
}

// serviceOwner is ec2:VpceServiceOwner: "amazon" for AWS services, whose names start with
// com.amazonaws. (https://docs.aws.amazon.com/vpc/latest/privatelink/vpc-endpoints-iam.html
// documents the values amazon, aws-marketplace or an account ID). The simulator offers no
// other owner's services, so any other name has no owner key.
func (s *Simulator) serviceOwner(serviceName string) string {
	if serviceName == s.service.name || strings.HasPrefix(serviceName, "com.amazonaws.") {
		return "amazon"
	}
	return ""
}

// requestTags reads the tags a request sets on one resource type from its
// TagSpecification.N parameters (tagList "") or from a Tag.N list. Malformed tags are left
// for the action to refuse.
func requestTags(q query, resourceType, tagList string) []tagParam {
	if tagList != "" {
		tags, _ := parseTags(q, tagList)
		return tags
	}
	var out []tagParam
	for _, spec := range q.members("TagSpecification") {
		if q.get(spec+".ResourceType") == resourceType {
			tags, _ := parseTags(q, spec+".Tag")
			out = append(out, tags...)
		}
	}
	return out
}

// tagKeys adds aws:RequestTag/<key> for every tag and aws:TagKeys for the set of keys. A
// tag without a value is set with an empty value, except by DeleteTags, where it means
// "whatever the value".
func (b *authzBuilder) tagKeys(ctx iamContext, tags []tagParam) iamContext {
	seen := map[string]bool{}
	for _, t := range tags {
		if t.hasValue || b.call != "DeleteTags" {
			ctx.add("aws:RequestTag/"+t.key, t.value)
		}
		if !seen[t.key] {
			seen[t.key] = true
			ctx.add("aws:TagKeys", t.key)
		}
	}
	return ctx
}

// newResource authorizes a create on the new resource's type, and the ec2:CreateTags its
// tags imply.
func (b *authzBuilder) newResource(action, resourceType string, tags []tagParam, extra iamContext) {
	arn := b.s.ec2ARN(resourceType, "*")
	ctx := b.tagKeys(iamContext{}, tags)
	ctx.add("ec2:Region", b.s.region)
	for k, v := range extra {
		ctx[k] = append(ctx[k], v...)
	}
	b.add("ec2:"+action, arn, ctx)
	if len(tags) > 0 {
		tagCtx := b.tagKeys(iamContext{}, tags)
		tagCtx.add("ec2:CreateAction", action)
		tagCtx.add("ec2:Region", b.s.region)
		b.add("ec2:CreateTags", arn, tagCtx)
	}
}

// existing authorizes action on an existing resource named by id; nothing when the
// simulator holds no such resource.
func (b *authzBuilder) existing(action, id string) {
	if arn, ctx, ok := b.resource(id); ok {
		b.add(action, arn, ctx)
	}
}

// resource is the ARN and the condition keys of an existing resource.
func (b *authzBuilder) resource(id string) (string, iamContext, bool) {
	s := b.s
	ctx := iamContext{}
	ctx.add("ec2:Region", s.region)
	var resourceType string
	var tags tagSet
	prefix, _, _ := strings.Cut(id, "-")
	switch prefix {
	case kindVPC.prefix:
		v, ok := s.vpcs[id]
		if !ok {
			return "", nil, false
		}
		resourceType, tags = "vpc", v.tags
	case kindSubnet.prefix:
		sn, ok := s.subnets[id]
		if !ok {
			return "", nil, false
		}
		resourceType, tags = "subnet", sn.tags
		ctx.add("ec2:Vpc", s.ec2ARN("vpc", sn.vpcID))
	case kindGroup.prefix:
		g, ok := s.groups[id]
		if !ok {
			return "", nil, false
		}
		resourceType, tags = "security-group", g.tags
		ctx.add("ec2:Vpc", s.ec2ARN("vpc", g.vpcID))
	case kindEndpoint.prefix:
		e, ok := s.endpoints[id]
		if !ok {
			return "", nil, false
		}
		resourceType, tags = "vpc-endpoint", e.tags
		ctx.add("ec2:VpceServiceName", e.serviceName)
		if owner := s.serviceOwner(e.serviceName); owner != "" {
			ctx.add("ec2:VpceServiceOwner", owner)
		}
	case kindInterface.prefix, kindRule.prefix:
		t, err := s.taggedResource(id)
		if err != nil {
			return "", nil, false
		}
		resourceType, tags = "network-interface", *t
		if prefix == kindRule.prefix {
			resourceType = "security-group-rule"
		}
	default:
		return "", nil, false
	}
	for k, v := range tags {
		ctx.add("aws:ResourceTag/"+k, v)
		ctx.add("ec2:ResourceTag/"+k, v)
	}
	return s.ec2ARN(resourceType, id), ctx, true
}

func (b *authzBuilder) createVpc(q query) {
	b.newResource("CreateVpc", "vpc", requestTags(q, "vpc", ""), nil)
}

func (b *authzBuilder) createSubnet(q query) {
	b.newResource("CreateSubnet", "subnet", requestTags(q, "subnet", ""), nil)
	b.existing("ec2:CreateSubnet", q.get("VpcId"))
}

// onVPC authorizes an action on the VPC it names (ModifyVpcAttribute: resource type vpc).
func (b *authzBuilder) onVPC(q query) {
	b.existing("ec2:"+b.call, q.get("VpcId"))
}

func (b *authzBuilder) createSecurityGroup(q query) {
	b.newResource("CreateSecurityGroup", "security-group", requestTags(q, "security-group", ""), nil)
	b.existing("ec2:CreateSecurityGroup", q.get("VpcId"))
}

// groupID finds the group a security-group action names, by GroupId or by GroupName as
// the action itself does.
func (b *authzBuilder) groupID(q query) string {
	if id := q.get("GroupId"); id != "" {
		return id
	}
	name := q.get("GroupName")
	for id, g := range b.s.groups {
		if name != "" && g.name == name && g.name != defaultGroupName {
			return id
		}
	}
	return ""
}

// onGroup authorizes DeleteSecurityGroup and RevokeSecurityGroupIngress on their group.
func (b *authzBuilder) onGroup(q query) {
	b.existing("ec2:"+b.call, b.groupID(q))
}

func (b *authzBuilder) authorizeIngress(q query) {
	b.existing("ec2:AuthorizeSecurityGroupIngress", b.groupID(q))
	if tags := requestTags(q, "security-group-rule", ""); len(tags) > 0 {
		ctx := b.tagKeys(iamContext{}, tags)
		ctx.add("ec2:CreateAction", "AuthorizeSecurityGroupIngress")
		b.add("ec2:CreateTags", b.s.ec2ARN("security-group-rule", "*"), ctx)
	}
}

func (b *authzBuilder) createVpcEndpoint(q query) {
	const action = "CreateVpcEndpoint"
	serviceName := q.get("ServiceName")
	keys := iamContext{}
	keys.add("ec2:VpceServiceName", serviceName)
	if owner := b.s.serviceOwner(serviceName); owner != "" {
		keys.add("ec2:VpceServiceOwner", owner)
	}
	b.newResource(action, "vpc-endpoint", requestTags(q, "vpc-endpoint", ""), keys)
	b.existing("ec2:"+action, q.get("VpcId"))
	for _, id := range q.strings("SubnetId") {
		b.existing("ec2:"+action, id)
	}
	for _, id := range q.strings("SecurityGroupId") {
		b.existing("ec2:"+action, id)
	}
	// EC2 turns private DNS on for an interface endpoint unless the request turns it off.
	privateDNS, set, err := q.boolean("PrivateDnsEnabled")
	if err == nil && q.get("VpcEndpointType") == endpointTypeInterface && (privateDNS || !set) {
		b.associateHostedZone()
	}
}

func (b *authzBuilder) modifyVpcEndpoint(q query) {
	const action = "ec2:ModifyVpcEndpoint"
	id := q.get("VpcEndpointId")
	b.existing(action, id)
	for _, list := range []string{"AddSubnetId", "RemoveSubnetId", "AddSecurityGroupId", "RemoveSecurityGroupId"} {
		for _, rid := range q.strings(list) {
			b.existing(action, rid)
		}
	}
	privateDNS, set, err := q.boolean("PrivateDnsEnabled")
	if e, ok := b.s.endpoints[id]; ok && err == nil && set && privateDNS && !e.privateDNS {
		b.associateHostedZone()
	}
}

// associateHostedZone is the Route 53 permission private DNS needs. The hosted zone is
// AWS's and unknown before the endpoint exists, so it is authorized on "*"; a policy must
// grant it on "*" (the Service Authorization Reference names no resource EC2 passes).
func (b *authzBuilder) associateHostedZone() {
	b.add("route53:AssociateVPCWithHostedZone", "*", nil)
}

func (b *authzBuilder) deleteVpcEndpoints(q query) {
	for _, id := range q.strings("VpcEndpointId") {
		b.existing("ec2:DeleteVpcEndpoints", id)
	}
}

// tagResources authorizes CreateTags and DeleteTags on every resource they name, each
// with its current tags and the tags of the request.
func (b *authzBuilder) tagResources(q query) {
	action := "ec2:" + b.call
	tags := requestTags(q, "", "Tag")
	for _, id := range q.strings("ResourceId") {
		arn, ctx, ok := b.resource(id)
		if !ok {
			continue
		}
		b.add(action, arn, b.tagKeys(ctx, tags))
	}
}
