package controllers

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/agentcore-io/vpce-operator/api/v1alpha1"
	awsclient "github.com/agentcore-io/vpce-operator/internal/aws"
)

// adoptEndpointIndex indexes GatewayEndpoints by spec.adoptEndpointID, so
// that the oldest of several objects naming one endpoint is found.
const adoptEndpointIndex = "spec.adoptEndpointID"

// ownedBy reports whether an AWS resource's tags make it the owner's: its
// UID and its cluster. Status can be written by anyone with rights on the
// API group's status subresource, so a resource named there is changed only
// once its tags say it is this object's.
func ownedBy(tags map[string]string, o awsclient.Owner) bool {
	return tags[v1alpha1.TagUID] == o.UID && tags[v1alpha1.TagCluster] == o.Cluster
}

// describeOwner says who the tags make the owner of a resource, for
// messages.
func describeOwner(tags map[string]string) string {
	cluster, uid := tags[v1alpha1.TagCluster], tags[v1alpha1.TagUID]
	switch {
	case cluster == "" && uid == "":
		return "nobody the operator knows (no vpce.agentcore.io tags)"
	case uid == "":
		return fmt.Sprintf("no GatewayEndpoint yet (cluster %s)", cluster)
	}
	return fmt.Sprintf("GatewayEndpoint %s/%s (uid %s) of cluster %s",
		tags[v1alpha1.TagNamespace], tags[v1alpha1.TagName], uid, cluster)
}

// findEndpoint returns this object's live endpoint: the one recorded in
// status when its tags say it is this object's, else the one tagged with its
// UID and cluster. foreign is the endpoint status names when it is someone
// else's (status forged or stale); it is never changed.
func (r *GatewayEndpointReconciler) findEndpoint(ctx context.Context, s *endpointScope) (ep *awsclient.Endpoint, foreign *awsclient.Endpoint, err error) {
	if id := s.ge.Status.EndpointID; id != "" {
		recorded, err := s.inv.EndpointByID(ctx, id)
		if err != nil {
			return nil, nil, err
		}
		if recorded != nil && !recorded.Gone() {
			if ownedBy(recorded.Tags, s.owner) {
				return recorded, nil, nil
			}
			foreign = recorded
		}
	}
	ep, err = s.inv.EndpointByOwner(ctx, s.owner.UID)
	if err != nil {
		return nil, nil, err
	}
	if ep != nil && !ownedBy(ep.Tags, s.owner) {
		ep = nil
	}
	return ep, foreign, nil
}

// notOwned is the stall for a status that names someone else's endpoint.
func notOwned(ep *awsclient.Endpoint) error {
	return stalled(v1alpha1.ReasonNotOwned,
		"Status names endpoint %s, which is owned by %s, not by this GatewayEndpoint; the operator changes nothing on it. If status was edited by hand, clear status.endpointID (kubectl edit --subresource=status) or recreate the GatewayEndpoint.",
		ep.ID, describeOwner(ep.Tags))
}

// adoptEndpoint takes over spec.adoptEndpointID, or refuses with
// AdoptionRefused and changes nothing. Only an endpoint of the object's VPC
// and service that a person has tagged with this cluster's tag, and that no
// other object owns, is adopted, and only by the oldest GatewayEndpoint
// naming it: an ID alone must never hand one team another's endpoint.
func (r *GatewayEndpointReconciler) adoptEndpoint(ctx context.Context, s *endpointScope, want *awsclient.EndpointSpec) (*awsclient.Endpoint, error) {
	id := s.ge.Spec.AdoptEndpointID
	refuse := func(format string, args ...any) error {
		return stalled(v1alpha1.ReasonAdoptionRefused, "Not adopting endpoint "+id+" (spec.adoptEndpointID): "+format, args...)
	}
	if rival, err := r.olderClaimant(ctx, s.ge); err != nil {
		return nil, err
	} else if rival != "" {
		return nil, refuse("GatewayEndpoint %s, created earlier, names it too; only the oldest GatewayEndpoint naming an endpoint may adopt it.", rival)
	}
	ep, err := s.inv.ReadEndpoint(ctx, id)
	if err != nil {
		return nil, err
	}
	switch {
	case ep == nil || ep.Gone():
		return nil, refuse("it does not exist in %s. Create the GatewayEndpoint again with the right ID, or without adoptEndpointID to get a new endpoint.", s.region)
	case ep.VpcID != want.VpcID || ep.ServiceName != want.ServiceName:
		// Checked before tagging: the tag would make deletion of this
		// object delete an endpoint that was never its own.
		return nil, refuse("it connects VPC %s to %s, not VPC %s to %s; only an endpoint of the same VPC and service can be adopted.",
			ep.VpcID, ep.ServiceName, want.VpcID, want.ServiceName)
	}
	switch cluster := ep.Tags[v1alpha1.TagCluster]; {
	case cluster == "":
		return nil, refuse("it has no %[1]s tag. Only an endpoint a person has tagged for this cluster can be adopted; tag it with aws ec2 create-tags --resources %[2]s --tags Key=%[1]s,Value=%[3]s and the operator adopts it at its next attempt.",
			v1alpha1.TagCluster, id, r.ClusterName)
	case cluster != r.ClusterName:
		return nil, refuse("it belongs to cluster %s (tag %s), not to this cluster, %s.", cluster, v1alpha1.TagCluster, r.ClusterName)
	}
	if uid := ep.Tags[v1alpha1.TagUID]; uid != "" && uid != s.owner.UID {
		return nil, refuse("it is owned by %s.", describeOwner(ep.Tags))
	}
	if ownedBy(ep.Tags, s.owner) {
		// Adopted by an earlier pass whose status write was lost: ownership
		// tags are never written twice (the IAM policy forbids it).
		return ep, nil
	}
	tagErr := s.inv.TagResource(ctx, id, s.owner.Tags(endpointName(s.ge), s.ge.Spec.Tags))
	// Read the tags back: the endpoint is this object's only once EC2 says
	// so, whoever else tagged it meanwhile.
	ep, err = s.inv.ReadEndpoint(ctx, id)
	if err != nil {
		return nil, errors.Join(tagErr, err)
	}
	if tagErr != nil && (ep == nil || !ownedBy(ep.Tags, s.owner)) {
		// Refused, and not because a first attempt whose answer was lost
		// already tagged it (a retry is refused once the uid is there).
		return nil, tagErr
	}
	if ep == nil || ep.Tags[v1alpha1.TagUID] == "" {
		return nil, fmt.Errorf("adopting endpoint %s: its new tags are not visible yet", id)
	}
	if !ownedBy(ep.Tags, s.owner) {
		return nil, refuse("it was claimed meanwhile by %s.", describeOwner(ep.Tags))
	}
	r.Recorder.Eventf(s.ge, nil, corev1.EventTypeNormal, "EndpointAdopted", "Adopt", "Adopted existing endpoint %s", id)
	return ep, nil
}

// olderClaimant names the oldest other GatewayEndpoint whose
// spec.adoptEndpointID is the same as ge's, if it is older than ge.
func (r *GatewayEndpointReconciler) olderClaimant(ctx context.Context, ge *v1alpha1.GatewayEndpoint) (string, error) {
	var list v1alpha1.GatewayEndpointList
	if err := r.List(ctx, &list, client.MatchingFields{adoptEndpointIndex: ge.Spec.AdoptEndpointID}); err != nil {
		return "", fmt.Errorf("listing GatewayEndpoints adopting %s: %w", ge.Spec.AdoptEndpointID, err)
	}
	claimants := slices.DeleteFunc(list.Items, func(o v1alpha1.GatewayEndpoint) bool { return o.UID == ge.UID })
	claimants = append(claimants, *ge)
	slices.SortFunc(claimants, func(a, b v1alpha1.GatewayEndpoint) int {
		if c := a.CreationTimestamp.Compare(b.CreationTimestamp.Time); c != 0 {
			return c
		}
		return strings.Compare(a.Namespace+"/"+a.Name, b.Namespace+"/"+b.Name)
	})
	if oldest := claimants[0]; oldest.UID != ge.UID {
		return oldest.Namespace + "/" + oldest.Name, nil
	}
	return "", nil
}

// withoutOwnershipTags drops the ownership tags from tags to re-apply: they
// are set at creation or adoption and never rewritten (the IAM policy
// forbids it).
func withoutOwnershipTags(tags map[string]string) map[string]string {
	for k := range tags {
		if strings.HasPrefix(k, v1alpha1.TagPrefix) {
			delete(tags, k)
		}
	}
	return tags
}

// checkStatusRegion keeps status.region, for an object without spec.region,
// only while something of this object's is found there: status can be
// written by others, and a forged region would make the operator look for
// (and create) the object's resources elsewhere, stalled, while its real
// endpoint got no revocation. Otherwise the operator's region applies.
func (r *GatewayEndpointReconciler) checkStatusRegion(ctx context.Context, s *endpointScope) error {
	ge := s.ge
	if ge.Spec.Region != "" || ge.Status.Region == "" || r.DefaultRegion == "" || ge.Status.Region == r.DefaultRegion {
		return nil
	}
	if region, ok := r.verifiedRegions.Load(ge.UID); ok && region == ge.Status.Region {
		return nil
	}
	cloud, err := r.Clouds.ForRegion(ctx, ge.Status.Region)
	if err != nil {
		return err
	}
	ep, err := cloud.EndpointByOwner(ctx, s.owner.UID)
	if err != nil {
		return err
	}
	owned := ep != nil && ownedBy(ep.Tags, s.owner)
	if !owned {
		group, err := cloud.SecurityGroupByOwner(ctx, ge.Spec.VPCID, s.owner.UID)
		if err != nil {
			return err
		}
		owned = group != nil && ownedBy(group.Tags, s.owner)
	}
	if owned {
		r.verifiedRegions.Store(ge.UID, ge.Status.Region)
		return nil
	}
	r.Recorder.Eventf(ge, nil, corev1.EventTypeWarning, v1alpha1.ReasonNotOwned, "Reconcile",
		"Ignored status.region %s: nothing of this object's is there; using the operator's region %s", ge.Status.Region, r.DefaultRegion)
	s.region, ge.Status.Region = r.DefaultRegion, r.DefaultRegion
	return nil
}
