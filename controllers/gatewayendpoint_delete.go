package controllers

import (
	"context"
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	"github.com/agentcore-io/vpce-operator/api/v1alpha1"
	awsclient "github.com/agentcore-io/vpce-operator/internal/aws"
)

// reconcileDelete cleans up AWS according to the deletion policy: the
// endpoint first, then (once it is gone and no longer holds the group) the
// managed security group, then the finalizer.
func (r *GatewayEndpointReconciler) reconcileDelete(ctx context.Context, s *endpointScope) (ctrl.Result, error) {
	ge := s.ge
	if !controllerutil.ContainsFinalizer(ge, v1alpha1.Finalizer) {
		return ctrl.Result{}, nil
	}
	if ge.Spec.DeletionPolicy == v1alpha1.DeletionPolicyRetain {
		r.Recorder.Eventf(ge, nil, corev1.EventTypeNormal, "Retained", "Delete",
			"Deletion policy Retain: left endpoint %s and its security group in AWS", ge.Status.EndpointID)
		return ctrl.Result{}, r.removeFinalizer(ctx, ge)
	}
	done, err := r.deleteAWSResources(ctx, s)
	if err != nil {
		reason, message, terminal := classify(err)
		s.condition(v1alpha1.ConditionReady, metav1.ConditionFalse, reason, "Deleting: "+message)
		r.Recorder.Eventf(ge, nil, corev1.EventTypeWarning, "DeleteFailed", "Delete", "%s", message)
		if terminal {
			s.condition(v1alpha1.ConditionStalled, metav1.ConditionTrue, reason, "Deleting: "+message)
			s.condition(v1alpha1.ConditionReconciling, metav1.ConditionFalse, reason, "Stalled: deleting: "+message)
			return ctrl.Result{RequeueAfter: stalledRetry}, nil
		}
		s.condition(v1alpha1.ConditionReconciling, metav1.ConditionTrue, reason, "Deleting: "+message)
		return ctrl.Result{}, err
	}
	if !done {
		s.condition(v1alpha1.ConditionReady, metav1.ConditionFalse, v1alpha1.ReasonDeleting, s.progressing)
		s.condition(v1alpha1.ConditionReconciling, metav1.ConditionTrue, v1alpha1.ReasonDeleting, s.progressing)
		return ctrl.Result{RequeueAfter: s.requeueAfter}, nil
	}
	return ctrl.Result{}, r.removeFinalizer(ctx, ge)
}

// deleteAWSResources advances the clean-up by one step; done reports that
// nothing is left. Only what carries this object's UID and cluster tags is
// deleted: an endpoint status names that is someone else's is ignored, so a
// forged status can neither delete another team's endpoint nor hold this
// object's deletion forever.
func (r *GatewayEndpointReconciler) deleteAWSResources(ctx context.Context, s *endpointScope) (done bool, err error) {
	for _, region := range r.deletionRegions(s) {
		s.region = region
		found, err := r.deleteInRegion(ctx, s)
		if err != nil || found {
			return false, err
		}
	}
	r.Recorder.Eventf(s.ge, nil, corev1.EventTypeNormal, "Deleted", "Delete", "Deleted the endpoint and its security group")
	return true, nil
}

// deletionRegions are where this object's resources may be: its region and,
// when that comes from status alone (which anyone with status rights can
// write), the operator's region too.
func (r *GatewayEndpointReconciler) deletionRegions(s *endpointScope) []string {
	regions := []string{}
	if s.region != "" {
		regions = append(regions, s.region)
	}
	if s.ge.Spec.Region == "" && r.DefaultRegion != "" && r.DefaultRegion != s.region {
		regions = append(regions, r.DefaultRegion)
	}
	return regions
}

// deleteInRegion deletes this object's endpoint, then its managed group, in
// s.region; found reports that something of it was still there.
func (r *GatewayEndpointReconciler) deleteInRegion(ctx context.Context, s *endpointScope) (found bool, err error) {
	ge := s.ge
	cloud, err := r.Clouds.ForRegion(ctx, s.region)
	if err != nil {
		return false, err
	}
	s.cloud, s.inv = cloud, r.inventory(cloud)

	ep, foreign, err := r.findEndpoint(ctx, s)
	if err != nil {
		return false, err
	}
	if foreign != nil {
		r.Recorder.Eventf(ge, nil, corev1.EventTypeWarning, v1alpha1.ReasonNotOwned, "Delete",
			"Left endpoint %s named in status alone: it is owned by %s; only resources tagged with this object's UID are deleted", foreign.ID, describeOwner(foreign.Tags))
	}
	if ep == nil && foreign == nil && r.waitForLostEndpointOnDelete(ctx, s) {
		return true, nil
	}
	if ep != nil {
		if ep.Unlisted {
			// EC2 would answer NotFound and delete nothing: the endpoint is
			// deleted once EC2 lists it.
			s.progressing = fmt.Sprintf("Waiting for EC2 to list endpoint %s, created a moment ago, before deleting it.", ep.ID)
			s.requeue(pendingRecheck(reconcilingSince(ge, s), s.now))
			return true, nil
		}
		if ep.State != "deleting" {
			if err := s.inv.DeleteEndpoint(ctx, ep.ID); err != nil {
				return false, err
			}
			s.log.Info("deleting vpc endpoint", "endpointID", ep.ID)
			r.Recorder.Eventf(ge, nil, corev1.EventTypeNormal, "EndpointDeleting", "Delete", "Deleting endpoint %s", ep.ID)
		}
		ge.Status.State = "deleting"
		s.progressing = fmt.Sprintf("Waiting for endpoint %s to be deleted before its security group.", ep.ID)
		s.requeue(pendingRecheck(reconcilingSince(ge, s), s.now))
		return true, nil
	}

	// Look the group up by tag whatever the spec says now: a GatewayEndpoint
	// switched from managed to existing groups still owns the old one.
	group, err := r.ownedGroup(ctx, s)
	if err != nil || group == nil {
		return false, err
	}
	if err := s.inv.DeleteSecurityGroup(ctx, group.ID); err != nil {
		if awsclient.IsDependencyViolation(err) {
			return true, r.groupStillHeld(ctx, s, group.ID)
		}
		return false, err
	}
	s.log.Info("deleted security group", "securityGroupID", group.ID)
	r.Recorder.Eventf(ge, nil, corev1.EventTypeNormal, "SecurityGroupDeleted", "Delete", "Deleted security group %s", group.ID)
	return false, nil
}

func (r *GatewayEndpointReconciler) removeFinalizer(ctx context.Context, ge *v1alpha1.GatewayEndpoint) error {
	r.lost.forget(ge.UID)
	r.spentTokens.forget(ge.UID)
	r.tokenSalts.Delete(ge.UID)
	r.created.Delete(ge.UID)
	r.policyWrites.forget(ge.UID)
	r.verifiedRegions.Delete(ge.UID)
	r.writes.converged(ge.UID)
	patch := client.MergeFrom(ge.DeepCopy())
	controllerutil.RemoveFinalizer(ge, v1alpha1.Finalizer)
	if err := r.Patch(ctx, ge, patch); err != nil {
		return client.IgnoreNotFound(fmt.Errorf("removing finalizer: %w", err))
	}
	return nil
}

// waitForLostEndpointOnDelete reports whether to wait before treating the
// endpoint recorded in status as gone: EC2 may not list an endpoint created
// a moment ago yet (eventual consistency), and removing the finalizer then
// would orphan it. An endpoint EC2 lists as deleted, or one this object
// already saw deleting, is gone; one EC2 does not list at all is waited for
// LostEndpointGrace, as the create path does.
func (r *GatewayEndpointReconciler) waitForLostEndpointOnDelete(ctx context.Context, s *endpointScope) bool {
	id := s.ge.Status.EndpointID
	if id == "" {
		// A status write may not have reached the cache yet: the endpoint
		// this process created for the object counts as recorded.
		if created, ok := r.created.Load(s.ge.UID); ok {
			id = created.(string)
		}
	}
	if id == "" || s.ge.Status.State == "deleting" || s.region != r.deletionRegions(s)[0] {
		return false
	}
	if recorded, err := s.inv.EndpointByID(ctx, id); err != nil || recorded != nil {
		// Listed (deleted, or someone else's), or unknown for now: the
		// caller's lookups decide.
		return err != nil
	}
	return r.waitForLostEndpointID(s, id)
}

// maxCleanupRetry caps the growing wait between attempts to delete a group
// EC2 still holds: an endpoint's interfaces may linger for minutes.
const maxCleanupRetry = 2 * time.Minute

// groupStillHeld handles EC2 refusing to delete the managed group
// (DependencyViolation): it says what still holds it and comes back after a
// wait that grows with the time spent (capped), instead of polling every few
// seconds. A group only another group's rules hold is for a person to free:
// that stalls.
func (r *GatewayEndpointReconciler) groupStillHeld(ctx context.Context, s *endpointScope, groupID string) error {
	interfaces, referencing, err := s.cloud.GroupHolders(ctx, groupID)
	if err != nil {
		return err
	}
	if len(interfaces) == 0 && len(referencing) > 0 {
		return stalled(v1alpha1.ReasonSecurityGroupInUse, "Security group %s cannot be deleted: the inbound rules of %s refer to it. Remove those rules; or, to leave the group in AWS, set spec.deletionPolicy: Retain (docs/troubleshooting.md).",
			groupID, strings.Join(referencing, ", "))
	}
	since := reconcilingSince(s.ge, s)
	wait := min(max(s.now.Sub(since)/2, minPendingRecheck), maxCleanupRetry)
	holder := "its network interfaces"
	if len(interfaces) > 0 {
		holder = "network interfaces " + strings.Join(interfaces, ", ") + " (an endpoint's outlive it for a while)"
	}
	s.progressing = fmt.Sprintf("Security group %s is still in use by %s (DependencyViolation); trying again at %s.",
		groupID, holder, s.now.Add(wait).UTC().Format(time.RFC3339))
	s.requeue(wait)
	return nil
}
