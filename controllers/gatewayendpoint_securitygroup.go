package controllers

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/agentcore-io/vpce-operator/api/v1alpha1"
	awsclient "github.com/agentcore-io/vpce-operator/internal/aws"
)

// reconcileSecurityGroup makes sure the endpoint's security groups exist and,
// for a managed group, that its inbound rules are exactly HTTPS from the
// allowed sources. It returns the groups to attach to the endpoint.
func (r *GatewayEndpointReconciler) reconcileSecurityGroup(ctx context.Context, s *endpointScope) ([]string, error) {
	spec := s.ge.Spec.SecurityGroup
	if spec.Managed == nil {
		for _, id := range spec.IDs {
			g, err := s.inv.SecurityGroupByID(ctx, id)
			if err != nil {
				return nil, err
			}
			if g == nil {
				return nil, stalled(v1alpha1.ReasonSecurityGroupError, "Security group %s (spec.securityGroup.ids) does not exist in %s; fix the ID or create the group.", id, s.region)
			}
			if g.VpcID != s.ge.Spec.VPCID {
				return nil, stalled(v1alpha1.ReasonSecurityGroupError, "Security group %s (spec.securityGroup.ids) is in %s, not in %s; use a group of the endpoint's VPC.", id, g.VpcID, s.ge.Spec.VPCID)
			}
		}
		// Only a pass that did not end on ExistingGroups (the first, or one
		// after managed mode or an error) looks for a group of its own to
		// release: steady state in this mode costs no extra read.
		if c := meta.FindStatusCondition(s.ge.Status.Conditions, v1alpha1.ConditionSecurityGroupReady); c == nil || c.Reason != v1alpha1.ReasonExistingGroups {
			held, err := r.releaseManagedGroup(ctx, s)
			if err != nil {
				return nil, err
			}
			if held != "" {
				s.condition(v1alpha1.ConditionSecurityGroupReady, metav1.ConditionTrue, v1alpha1.ReasonReleasingManagedGroup,
					fmt.Sprintf("Using the existing security groups %s; the group the operator made, %s, is deleted once the endpoint lets go of it.", strings.Join(spec.IDs, ", "), held))
				return spec.IDs, nil
			}
		}
		s.condition(v1alpha1.ConditionSecurityGroupReady, metav1.ConditionTrue, v1alpha1.ReasonExistingGroups,
			fmt.Sprintf("Using the existing security groups %s as they are.", strings.Join(spec.IDs, ", ")))
		return spec.IDs, nil
	}

	group, err := r.ownedGroup(ctx, s)
	if err != nil {
		return nil, err
	}
	if group == nil {
		name := managedGroupName(s.ge)
		created, err := s.inv.CreateSecurityGroup(ctx, s.ge.Spec.VPCID, name,
			fmt.Sprintf("HTTPS from agents to the AgentCore Gateway endpoint of %s/%s", s.ge.Namespace, s.ge.Name),
			s.owner.Tags(name, s.ge.Spec.Tags))
		if err != nil {
			if awsclient.Code(err) == "InvalidVpcID.NotFound" {
				return nil, stalled(v1alpha1.ReasonInvalidSpec, "VPC %s does not exist in %s; fix spec.vpcID.", s.ge.Spec.VPCID, s.region)
			}
			return nil, err
		}
		if !ownedBy(created.Tags, s.owner) {
			// EC2 answered InvalidGroup.Duplicate with a group that is not
			// this object's: never take it over.
			return nil, stalled(v1alpha1.ReasonSecurityGroupNameTaken, "A security group named %s (%s) already exists in %s and is owned by %s, not by this GatewayEndpoint; the operator does not take it over. Delete or rename it.",
				name, created.ID, s.ge.Spec.VPCID, describeOwner(created.Tags))
		}
		s.log.Info("created security group", "securityGroupID", created.ID)
		r.Recorder.Eventf(s.ge, nil, corev1.EventTypeNormal, "SecurityGroupCreated", "Create", "Created security group %s", created.ID)
		group = created
	}

	src := spec.Managed.AllowedSources
	if wait := group.SettlesIn; wait > 0 {
		// Right after CreateSecurityGroup, EC2's reads may not show the
		// group yet, and AuthorizeSecurityGroupIngress would answer
		// InvalidGroup.NotFound: a wasted write. The rules, then the
		// endpoint (never one without its group's rules), follow.
		s.requeue(wait)
		s.condition(v1alpha1.ConditionSecurityGroupReady, metav1.ConditionFalse, v1alpha1.ReasonCreating,
			fmt.Sprintf("Security group %s was created; its inbound rules are written once EC2 lists it, in %s at most (--ec2-consistency-lag).", group.ID, wait.Round(time.Second)))
		s.progressing = "Waiting for EC2 to list security group " + group.ID + " before writing its rules."
		return nil, nil
	}
	authorize, revoke := awsclient.DiffIngress(awsclient.DesiredIngress(src.SecurityGroupIDs, src.CIDRs, src.PrefixListIDs), group.Ingress)
	// Missing rules first: revoking first would cut the agents off for a
	// moment when a source is replaced.
	if err := s.inv.AuthorizeIngress(ctx, group.ID, authorize); err != nil {
		// Right after creation our own group may not be visible yet (eventual
		// consistency); a missing source group needs a human.
		switch code := awsclient.Code(err); {
		case code == awsclient.CodeGroupNotFound:
			if !strings.Contains(awsclient.Message(err), group.ID) {
				return nil, stalled(v1alpha1.ReasonSecurityGroupError, "A source security group in spec.securityGroup.managed.allowedSources does not exist (or is in another VPC without peering): %s", awsclient.Message(err))
			}
		case strings.EqualFold(code, awsclient.CodePrefixListNotFound):
			return nil, stalled(v1alpha1.ReasonSecurityGroupError, "A prefix list in spec.securityGroup.managed.allowedSources does not exist: %s", awsclient.Message(err))
		}
		return nil, err
	}
	if err := s.inv.RevokeIngress(ctx, group.ID, revoke); err != nil {
		return nil, err
	}
	if len(authorize)+len(revoke) > 0 {
		s.log.Info("converged security group rules", "securityGroupID", group.ID, "authorized", len(authorize), "revoked", len(revoke))
		r.Recorder.Eventf(s.ge, nil, corev1.EventTypeNormal, "SecurityGroupUpdated", "Update",
			"Security group %s: authorized %d and revoked %d inbound rules", group.ID, len(authorize), len(revoke))
	}
	if missing := withoutOwnershipTags(awsclient.MissingTags(s.owner.Tags(managedGroupName(s.ge), s.ge.Spec.Tags), group.Tags)); len(group.Tags) > 0 && len(missing) > 0 {
		if err := s.inv.TagResource(ctx, group.ID, missing); err != nil {
			return nil, err
		}
	}
	s.condition(v1alpha1.ConditionSecurityGroupReady, metav1.ConditionTrue, v1alpha1.ReasonRulesInSync,
		fmt.Sprintf("Security group %s admits HTTPS (443/tcp) from %d sources and nothing else.", group.ID, len(awsclient.DesiredIngress(src.SecurityGroupIDs, src.CIDRs, src.PrefixListIDs))))
	return []string{group.ID}, nil
}

// managedGroupName is unique per object (UID prefix) so that a repeated
// create answers InvalidGroup.Duplicate instead of creating a twin.
func managedGroupName(ge *v1alpha1.GatewayEndpoint) string {
	name := fmt.Sprintf("vpce-agentcore-%s-%s", ge.Namespace, ge.Name)
	if len(name) > 200 {
		name = name[:200]
	}
	uid := string(ge.UID)
	if len(uid) > 8 {
		uid = uid[:8]
	}
	return name + "-" + uid
}

// releaseManagedGroup deletes the group the operator made for this object
// when the spec has switched to existing groups, once the endpoint no longer
// uses it, so that it does not linger in AWS until the object is deleted (or
// for ever, with deletionPolicy Retain). It returns the group's ID while the
// endpoint still holds it, and "" once there is nothing left to release.
func (r *GatewayEndpointReconciler) releaseManagedGroup(ctx context.Context, s *endpointScope) (string, error) {
	group, err := r.ownedGroup(ctx, s)
	if err != nil || group == nil || slices.Contains(s.ge.Spec.SecurityGroup.IDs, group.ID) {
		// None, or the spec names it among the existing groups to use.
		return "", err
	}
	if slices.Contains(s.ge.Status.SecurityGroupIDs, group.ID) {
		// Still on the endpoint as last seen: the endpoint step detaches
		// it, and a pass soon after deletes it.
		s.requeue(minPendingRecheck)
		return group.ID, nil
	}
	if err := s.inv.DeleteSecurityGroup(ctx, group.ID); err != nil {
		if awsclient.IsDependencyViolation(err) {
			// The network interfaces let go of it a little after the
			// endpoint did.
			return group.ID, r.groupStillHeld(ctx, s, group.ID)
		}
		return "", err
	}
	s.log.Info("deleted security group no longer in the spec", "securityGroupID", group.ID)
	r.Recorder.Eventf(s.ge, nil, corev1.EventTypeNormal, "SecurityGroupDeleted", "Update",
		"Deleted security group %s: the spec now names existing groups", group.ID)
	return "", nil
}

// ownedGroup is the managed security group tagged with this object's UID and
// cluster, or nil.
func (r *GatewayEndpointReconciler) ownedGroup(ctx context.Context, s *endpointScope) (*awsclient.SecurityGroup, error) {
	group, err := s.inv.SecurityGroupByOwner(ctx, s.ge.Spec.VPCID, s.owner.UID)
	if err != nil || group == nil || !ownedBy(group.Tags, s.owner) {
		return nil, err
	}
	return group, nil
}
