package controllers

import (
	"context"
	"fmt"

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
	r.lost.forget(ge.UID)
	if ge.Spec.DeletionPolicy == v1alpha1.DeletionPolicyRetain {
		r.Recorder.Eventf(ge, nil, corev1.EventTypeNormal, "Retained", "Delete",
			"Deletion policy Retain: left endpoint %s and its security group in AWS", ge.Status.EndpointID)
		return ctrl.Result{}, r.removeFinalizer(ctx, ge)
	}
	done, err := r.deleteAWSResources(ctx, s)
	if err != nil {
		reason, message, _ := classify(err)
		s.condition(v1alpha1.ConditionReady, metav1.ConditionFalse, reason, "Deleting: "+message)
		s.condition(v1alpha1.ConditionReconciling, metav1.ConditionTrue, reason, "Deleting: "+message)
		r.Recorder.Eventf(ge, nil, corev1.EventTypeWarning, "DeleteFailed", "Delete", "%s", message)
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
// nothing is left.
func (r *GatewayEndpointReconciler) deleteAWSResources(ctx context.Context, s *endpointScope) (done bool, err error) {
	ge := s.ge
	if s.region == "" {
		// Nothing can have been created without a region.
		return true, nil
	}
	cloud, err := r.Clouds.ForRegion(ctx, s.region)
	if err != nil {
		return false, err
	}
	s.cloud = cloud

	ep, err := r.findEndpoint(ctx, s, nil)
	if err != nil {
		return false, err
	}
	if ep != nil && !ep.Gone() {
		if ep.State != "deleting" {
			if err := cloud.DeleteEndpoint(ctx, ep.ID); err != nil {
				return false, err
			}
			s.log.Info("deleting vpc endpoint", "endpointID", ep.ID)
			r.Recorder.Eventf(ge, nil, corev1.EventTypeNormal, "EndpointDeleting", "Delete", "Deleting endpoint %s", ep.ID)
		}
		ge.Status.State = "deleting"
		s.progressing = fmt.Sprintf("Waiting for endpoint %s to be deleted before its security group.", ep.ID)
		s.requeue(pendingRecheck(reconcilingSince(ge, s), s.now))
		return false, nil
	}

	// Look the group up by tag whatever the spec says now: a GatewayEndpoint
	// switched from managed to existing groups still owns the old one.
	group, err := cloud.SecurityGroupByOwner(ctx, ge.Spec.VPCID, string(ge.UID))
	if err != nil {
		return false, err
	}
	if group != nil {
		if err := cloud.DeleteSecurityGroup(ctx, group.ID); err != nil {
			if awsclient.IsDependencyViolation(err) {
				// The endpoint's network interfaces let go of the group a
				// little after the endpoint is gone.
				s.progressing = fmt.Sprintf("Security group %s is still in use (DependencyViolation); retrying.", group.ID)
				s.requeue(pendingRecheck(reconcilingSince(ge, s), s.now))
				return false, nil
			}
			return false, err
		}
		s.log.Info("deleted security group", "securityGroupID", group.ID)
		r.Recorder.Eventf(ge, nil, corev1.EventTypeNormal, "SecurityGroupDeleted", "Delete", "Deleted security group %s", group.ID)
	}
	r.Recorder.Eventf(ge, nil, corev1.EventTypeNormal, "Deleted", "Delete", "Deleted the endpoint and its security group")
	return true, nil
}

func (r *GatewayEndpointReconciler) removeFinalizer(ctx context.Context, ge *v1alpha1.GatewayEndpoint) error {
	patch := client.MergeFrom(ge.DeepCopy())
	controllerutil.RemoveFinalizer(ge, v1alpha1.Finalizer)
	if err := r.Patch(ctx, ge, patch); err != nil {
		return client.IgnoreNotFound(fmt.Errorf("removing finalizer: %w", err))
	}
	return nil
}
