package controllers

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/agentcore-io/vpce-operator/api/v1alpha1"
	awsclient "github.com/agentcore-io/vpce-operator/internal/aws"
	"github.com/agentcore-io/vpce-operator/internal/policy"
)

// reconcileEndpoint finds or creates the interface endpoint and converges it
// (subnets, groups, DNS, policy, tags) with at most one ModifyVpcEndpoint.
func (r *GatewayEndpointReconciler) reconcileEndpoint(ctx context.Context, s *endpointScope, groupIDs []string) error {
	ge := s.ge
	want, err := r.desiredEndpoint(s, groupIDs)
	if err != nil {
		return err
	}
	ep, foreign, err := r.findEndpoint(ctx, s)
	if err != nil {
		return err
	}
	if ep == nil && ge.Spec.AdoptEndpointID != "" && (foreign == nil || foreign.ID == ge.Spec.AdoptEndpointID) {
		if ep, err = r.adoptEndpoint(ctx, s, &want); err != nil {
			return err
		}
	}
	if ep == nil && foreign != nil {
		return notOwned(foreign)
	}
	if foreign != nil {
		r.Recorder.Eventf(ge, nil, corev1.EventTypeWarning, v1alpha1.ReasonNotOwned, "Reconcile",
			"Ignored endpoint %s named in status: it is owned by %s; this object's endpoint is %s", foreign.ID, describeOwner(foreign.Tags), ep.ID)
	}

	if ep == nil {
		if r.waitForLostEndpoint(s) {
			return nil
		}
		if err := r.preflight(ctx, s, want, ""); err != nil {
			return err
		}
		s.phase = v1alpha1.ConditionPolicyApplied
		d, err := r.desiredPolicy(ctx, s, "")
		if err != nil {
			return err
		}
		s.phase = v1alpha1.ConditionEndpointAvailable
		return r.createEndpoint(ctx, s, want, d)
	}
	r.lost.forget(ge.UID)
	observeEndpoint(ge, ep)

	s.phase = v1alpha1.ConditionPolicyApplied
	d, err := r.desiredPolicy(ctx, s, ep.PolicyDocument)
	if err != nil {
		return err
	}
	s.phase = v1alpha1.ConditionEndpointAvailable

	switch ep.State {
	case "available":
	case "pending", "pendingacceptance":
		s.condition(v1alpha1.ConditionEndpointAvailable, metav1.ConditionFalse, v1alpha1.ReasonPending,
			fmt.Sprintf("Endpoint %s is %s; AWS usually takes 2 to 5 minutes, and a change of subnets, IP address type or private DNS sends it back to pending for as long.", ep.ID, ep.State))
		s.progressing = "Waiting for endpoint " + ep.ID + " to become available."
		s.requeue(pendingRecheck(reconcilingSince(ge, s), s.now))
		if same, err := policy.Equivalent(ep.PolicyDocument, d.doc.JSON()); err != nil || !same {
			// Never claim a document AWS has not taken: it is written once
			// the endpoint is available again.
			s.condition(v1alpha1.ConditionPolicyApplied, metav1.ConditionFalse, v1alpha1.ReasonPending,
				fmt.Sprintf("The endpoint policy is written once endpoint %s is available; until then the document it has stays in force.", ep.ID))
			return nil
		}
		r.policyCondition(s, d)
		return nil
	case "deleting":
		s.condition(v1alpha1.ConditionEndpointAvailable, metav1.ConditionFalse, v1alpha1.ReasonDeleting,
			fmt.Sprintf("Endpoint %s is being deleted outside the operator; a new one is created once it is gone.", ep.ID))
		s.progressing = "Waiting for endpoint " + ep.ID + " to be deleted before recreating it."
		s.requeue(pendingRecheck(reconcilingSince(ge, s), s.now))
		return nil
	default: // failed, rejected, expired
		return stalled(v1alpha1.ReasonEndpointFailed, "Endpoint %s is %s in AWS; check its service and subnets, then delete and recreate the GatewayEndpoint.", ep.ID, ep.State)
	}

	// An existing endpoint is checked again after a spec change, and while
	// it is stalled (the fix may be outside the spec, e.g. a VPC attribute).
	if ge.Generation != ge.Status.ObservedGeneration || meta.IsStatusConditionTrue(ge.Status.Conditions, v1alpha1.ConditionStalled) {
		if err := r.preflight(ctx, s, want, ep.ID); err != nil {
			// The spec asks for something EC2 would refuse; a revocation
			// must land all the same.
			r.applyPolicyAlone(ctx, s)
			return err
		}
	}
	want.PolicyDocument = d.doc.JSON()
	same, err := policy.Equivalent(ep.PolicyDocument, d.doc.JSON())
	change := awsclient.DiffEndpoint(want, ep, err != nil || !same)
	stuck, err := r.guardWrite(s, ep, &change)
	if err != nil {
		return err
	}
	if change.PolicyDocument != nil {
		if wait := r.policyWrites.take(ge.UID, s.now); wait > 0 {
			change.PolicyDocument = nil
			s.requeue(wait)
			s.policyQueued = fmt.Sprintf("A policy change is queued and is written at %s: policy writes to one endpoint are paced (%d at once, then one every %s), each carrying every change made meanwhile.",
				s.now.Add(wait).UTC().Format(time.RFC3339), r.PolicyWriteBurst, r.PolicyWriteInterval)
			s.progressing = s.policyQueued
		}
	}
	if !change.Empty() {
		written, err := r.modifyEndpoint(ctx, s, ep.ID, change, want)
		if written {
			r.recordPolicy(s, d)
		}
		if err != nil {
			return err
		}
	}
	if stuck != nil {
		return stuck
	}
	if same && (ge.Status.Policy == nil || ge.Status.Policy.Hash != d.doc.Hash() || !slices.Equal(ge.Status.Policy.Refused, d.refused)) {
		r.recordPolicy(s, d)
	}
	if missing := withoutOwnershipTags(awsclient.MissingTags(want.Tags, ep.Tags)); len(missing) > 0 {
		if err := s.inv.TagResource(ctx, ep.ID, missing); err != nil {
			return err
		}
	}

	if change.Reprovisions() {
		// EC2 sends the endpoint back to pending for these changes; it is
		// not Ready until it is available again.
		s.condition(v1alpha1.ConditionEndpointAvailable, metav1.ConditionFalse, v1alpha1.ReasonPending,
			fmt.Sprintf("Endpoint %s was modified (%s); EC2 re-provisions it, which takes 2 to 5 minutes.", ep.ID, change.String()))
		r.policyCondition(s, d)
		return nil
	}
	msg := fmt.Sprintf("Endpoint %s is available in %d subnets.", ep.ID, len(ep.SubnetIDs))
	s.condition(v1alpha1.ConditionEndpointAvailable, metav1.ConditionTrue, v1alpha1.ReasonAvailable, msg)
	r.policyCondition(s, d)
	return nil
}

// modifyEndpoint sends change in one ModifyVpcEndpoint and reports whether
// the policy document it carries was written. When EC2 refuses a change
// that carries the policy with other parts (a subnet, a group), the policy
// is sent again alone: a revocation must never wait on a change someone got
// wrong. A refusal is checked against a fresh read first: the SDK retries a
// call whose response was lost, and the retry may be refused for a change
// the first attempt made.
func (r *GatewayEndpointReconciler) modifyEndpoint(ctx context.Context, s *endpointScope, id string, change awsclient.EndpointChange, want awsclient.EndpointSpec) (policyWritten bool, err error) {
	rest := change
	rest.PolicyDocument = nil
	if err := s.inv.ModifyEndpoint(ctx, id, change); err != nil {
		if awsclient.Classify(err) == awsclient.Terminal && r.changeTookEffect(ctx, s, id, rest, want) {
			s.log.Info("modified vpc endpoint (a retried call was refused, but the change is there)", "endpointID", id, "change", change.String())
			return change.PolicyDocument != nil, nil
		}
		policyOnly := awsclient.EndpointChange{PolicyDocument: change.PolicyDocument}
		if change.PolicyDocument != nil && !rest.Empty() && s.inv.ModifyEndpoint(ctx, id, policyOnly) == nil {
			s.log.Info("modified vpc endpoint", "endpointID", id, "change", policyOnly.String())
			r.Recorder.Eventf(s.ge, nil, corev1.EventTypeNormal, "EndpointModified", "Update",
				"Endpoint %s: %s, alone: EC2 refused the rest (%s)", id, policyOnly.String(), rest.String())
			policyWritten = true
		}
		return policyWritten, r.refusedModify(ctx, s, err, change, want)
	}
	if !rest.Empty() {
		r.writes.wrote(s.ge.UID, rest.String(), s.now)
	}
	s.log.Info("modified vpc endpoint", "endpointID", id, "change", change.String())
	r.Recorder.Eventf(s.ge, nil, corev1.EventTypeNormal, "EndpointModified", "Update", "Endpoint %s: %s", id, change.String())
	// The network interfaces follow the subnets; read them back soon.
	s.requeue(minPendingRecheck)
	if s.progressing == "" {
		s.progressing = "Endpoint " + id + " was modified; reading it back."
	}
	return change.PolicyDocument != nil, nil
}

// changeTookEffect reads the endpoint again and reports whether rest (the
// change less the policy) is no longer needed.
func (r *GatewayEndpointReconciler) changeTookEffect(ctx context.Context, s *endpointScope, id string, rest awsclient.EndpointChange, want awsclient.EndpointSpec) bool {
	if rest.Empty() {
		return false
	}
	ep, err := s.inv.ReadEndpoint(ctx, id)
	if err != nil || ep == nil {
		return false
	}
	again := awsclient.DiffEndpoint(want, ep, false)
	return again.Empty()
}

// guardWrite applies the write guard to the part of change that is not the
// policy: a change written maxRepeatedWrites times that EC2 still reports
// undone is dropped, and the pass ends NotConverging once the rest (the
// policy, which is never held back: a revocation must land) is written. A
// read-back younger than the consistency lag is not judged: the part waits.
func (r *GatewayEndpointReconciler) guardWrite(s *endpointScope, ep *awsclient.Endpoint, change *awsclient.EndpointChange) (stuck error, err error) {
	rest := *change
	rest.PolicyDocument = nil
	if rest.Empty() {
		// Only a read-back shows convergence: the inventory's copy of a
		// write (Assumed) shows what was asked.
		if !ep.Assumed {
			r.writes.converged(s.ge.UID)
		}
		return nil, nil
	}
	v := r.writes.check(s.ge.UID, rest.String(), s.now, r.ConsistencyLag)
	if v.wait == 0 && !v.stuck {
		return nil, nil
	}
	*change = awsclient.EndpointChange{PolicyDocument: change.PolicyDocument}
	if v.wait > 0 {
		s.requeue(v.wait)
		s.progressing = "Waiting for EC2's reads to show the last change (" + rest.String() + ") before judging it."
		return nil, nil
	}
	return stalled(v1alpha1.ReasonNotConverging, "EC2 was asked %d times to make this change and still reports it undone: %s. The operator stops writing it. An EC2-compatible API that does not apply or report the field? Check the endpoint, then change the spec (or the endpoint) to retry.",
		v.times, rest.String()), nil
}

// refusedModify is refusedEndpoint for a modify, naming the permission
// turning private DNS on needs and the private DNS conflicts.
func (r *GatewayEndpointReconciler) refusedModify(ctx context.Context, s *endpointScope, err error, change awsclient.EndpointChange, want awsclient.EndpointSpec) error {
	if change.PrivateDNSEnabled != nil && *change.PrivateDNSEnabled {
		code, msg := awsclient.Code(err), awsclient.Message(err)
		switch {
		case awsclient.IsAccessDenied(err):
			return stalled(v1alpha1.ReasonAccessDenied, "EC2 refused ModifyVpcEndpoint turning private DNS on (%s): the operator's IAM role needs %s (docs/install.md, The IAM policy).",
				code, strings.Join(awsclient.PermissionsFor("ModifyVpcEndpoint", true), ", "))
		case code == awsclient.CodeConflictingDomainExists, strings.Contains(msg, "conflicting DNS domain"):
			// Name the endpoint that holds the name, if one does; else it is
			// a private hosted zone.
			if others, lerr := s.cloud.PrivateDNSEndpoints(ctx, want.VpcID, want.ServiceName); lerr == nil {
				for _, o := range others {
					if o.ID != s.ge.Status.EndpointID {
						return privateDNSConflict(fmt.Sprintf("endpoint %s (owned by %s) took private DNS for %s in %s first", o.ID, describeOwner(o.Tags), want.ServiceName, want.VpcID))
					}
				}
			}
			return privateDNSConflict(fmt.Sprintf("EC2 answered %s: %s (a private hosted zone of the same name is associated with the VPC?)", code, msg))
		}
	}
	return refusedEndpoint("modify", err)
}

// applyPolicyAlone writes the endpoint's policy document on its own, for a
// pass where an earlier step failed: a revocation must reach AWS even when
// the security group step does not. Best effort: the step's own error is
// what the pass reports.
func (r *GatewayEndpointReconciler) applyPolicyAlone(ctx context.Context, s *endpointScope) {
	ep, _, err := r.findEndpoint(ctx, s)
	if err != nil || ep == nil || ep.State != "available" {
		return
	}
	d, err := r.desiredPolicy(ctx, s, ep.PolicyDocument)
	if err != nil {
		return
	}
	if same, err := policy.Equivalent(ep.PolicyDocument, d.doc.JSON()); err == nil && same {
		return
	}
	if wait := r.policyWrites.take(s.ge.UID, s.now); wait > 0 {
		s.requeue(wait)
		return
	}
	doc := d.doc.JSON()
	if err := s.inv.ModifyEndpoint(ctx, ep.ID, awsclient.EndpointChange{PolicyDocument: &doc}); err != nil {
		s.log.Error(err, "writing the endpoint policy alone after a failed step", "endpointID", ep.ID)
		return
	}
	r.Recorder.Eventf(s.ge, nil, corev1.EventTypeNormal, "EndpointModified", "Update", "Endpoint %s: policy document, alone: an earlier step failed", ep.ID)
	r.recordPolicy(s, d)
}

// createEndpoint creates the endpoint with its policy and tags in one call.
func (r *GatewayEndpointReconciler) createEndpoint(ctx context.Context, s *endpointScope, want awsclient.EndpointSpec, d *desiredPolicy) error {
	ge := s.ge
	want.PolicyDocument = d.doc.JSON()
	salt, _ := r.tokenSalts.Load(ge.UID)
	saltText, _ := salt.(string)
	want.ClientToken = clientToken(ge, ge.Status.EndpointID+saltText)
	// Private DNS is turned on once the endpoint is available: with it on
	// at creation, the gateway's name would resolve for 2 to 5 minutes to
	// interfaces that cannot serve yet, and agents using the public path
	// meanwhile would break.
	want.PrivateDNSEnabled = false
	ep, err := s.inv.CreateEndpoint(ctx, want)
	if err != nil {
		if awsclient.Code(err) == awsclient.CodeIdempotentParameterMismatch {
			// An earlier attempt created the endpoint with other parameters;
			// it becomes visible by tag and is then converged. If it never
			// does (it was deleted outside the operator before it was
			// seen), the token is spent: after the lost-endpoint grace a new
			// one is used, instead of asking EC2 for ever.
			since := r.spentTokens.since(ge.UID, want.ClientToken, s.now)
			if !s.now.Before(since.Add(r.LostEndpointGrace)) {
				r.tokenSalts.Store(ge.UID, "/"+since.UTC().Format(time.RFC3339Nano))
				s.progressing = "The endpoint an earlier attempt created never became visible; creating it again with a new client token."
				s.requeue(minPendingRecheck)
			} else {
				s.progressing = "An endpoint created by an earlier attempt is not visible yet; waiting for it."
				s.requeue(min(since.Add(r.LostEndpointGrace).Sub(s.now), pendingRecheck(since, s.now)))
			}
			s.condition(v1alpha1.ConditionEndpointAvailable, metav1.ConditionFalse, v1alpha1.ReasonCreating, s.progressing)
			return nil
		}
		return refusedEndpoint("create", err)
	}
	r.spentTokens.forget(ge.UID)
	r.created.Store(ge.UID, ep.ID)
	s.log.Info("created vpc endpoint", "endpointID", ep.ID)
	r.Recorder.Eventf(ge, nil, corev1.EventTypeNormal, "EndpointCreated", "Create", "Created endpoint %s in %s", ep.ID, strings.Join(want.SubnetIDs, ", "))
	observeEndpoint(ge, ep)
	r.recordPolicy(s, d)
	s.condition(v1alpha1.ConditionEndpointAvailable, metav1.ConditionFalse, v1alpha1.ReasonPending,
		fmt.Sprintf("Endpoint %s was created and is %s; AWS usually takes 2 to 5 minutes.", ep.ID, ep.State))
	s.progressing = "Waiting for endpoint " + ep.ID + " to become available."
	s.requeue(minPendingRecheck)
	r.policyCondition(s, d)
	return nil
}

// refusedEndpoint turns EC2's refusal of an endpoint request that only a
// change of spec can fix into a stall; anything else is retried.
func refusedEndpoint(verb string, err error) error {
	switch awsclient.Code(err) {
	case "InvalidSubnetID.NotFound", "InvalidVpcID.NotFound", "InvalidServiceName", "DuplicateSubnetsInSameZone",
		"InvalidParameter", "InvalidParameterValue", "InvalidParameterCombination", awsclient.CodeVpcEndpointLimitExceeded:
		return stalled(v1alpha1.ReasonInvalidSpec, "EC2 refused to %s the endpoint (%s): %s", verb, awsclient.Code(err), awsclient.Message(err))
	}
	return err
}

// waitForLostEndpoint reports whether to wait before replacing the endpoint
// recorded in status, which EC2 does not list. EC2's reads are eventually
// consistent: an endpoint created a moment ago may not be listed yet, and
// creating another then would leave two. Only once it has stayed unknown for
// LostEndpointGrace is it taken as deleted outside the operator.
func (r *GatewayEndpointReconciler) waitForLostEndpoint(s *endpointScope) bool {
	return r.waitForLostEndpointID(s, s.ge.Status.EndpointID)
}

// waitForLostEndpointID is waitForLostEndpoint for endpoint id.
func (r *GatewayEndpointReconciler) waitForLostEndpointID(s *endpointScope, id string) bool {
	if id == "" {
		return false
	}
	since := r.lost.since(s.ge.UID, id, s.now)
	replaceAt := since.Add(r.LostEndpointGrace)
	if !s.now.Before(replaceAt) {
		return false
	}
	then := "a new one is created"
	if !s.ge.DeletionTimestamp.IsZero() {
		then = "the deletion completes"
	}
	msg := fmt.Sprintf("EC2 does not list endpoint %s. If it was only just created, EC2 will list it shortly; if it was deleted outside the operator, %s at %s.",
		id, then, replaceAt.UTC().Format(time.RFC3339))
	s.condition(v1alpha1.ConditionEndpointAvailable, metav1.ConditionFalse, v1alpha1.ReasonEndpointNotFound, msg)
	s.progressing = msg
	s.requeue(min(replaceAt.Sub(s.now), pendingRecheck(since, s.now)))
	return true
}

// desiredEndpoint is the endpoint the spec asks for.
func (r *GatewayEndpointReconciler) desiredEndpoint(s *endpointScope, groupIDs []string) (awsclient.EndpointSpec, error) {
	spec := s.ge.Spec
	want := awsclient.EndpointSpec{
		VpcID:             spec.VPCID,
		ServiceName:       spec.ServiceName,
		SubnetIDs:         spec.SubnetIDs,
		SecurityGroupIDs:  groupIDs,
		PrivateDNSEnabled: spec.PrivateDNS.Enabled == nil || *spec.PrivateDNS.Enabled,
		IPAddressType:     string(spec.IPAddressType),
		Tags:              s.owner.Tags(endpointName(s.ge), spec.Tags),
	}
	if want.ServiceName == "" {
		want.ServiceName = awsclient.DefaultServiceName(s.region)
	}
	if want.IPAddressType == "" {
		want.IPAddressType = string(v1alpha1.IPAddressTypeIPv4)
	}
	if opt := spec.PrivateDNS.OnlyForInboundResolverEndpoint; opt != nil && *opt {
		// Admitted by an older CRD.
		return want, stalled(v1alpha1.ReasonInvalidSpec, "privateDNS.onlyForInboundResolverEndpoint cannot be true: EC2 allows it only for services that also have gateway endpoints (S3, DynamoDB), and %s has none. Set it to false or remove it.", want.ServiceName)
	}
	return want, nil
}

// observeEndpoint copies what AWS reports into status.
func observeEndpoint(ge *v1alpha1.GatewayEndpoint, ep *awsclient.Endpoint) {
	ge.Status.EndpointID = ep.ID
	ge.Status.State = ep.State
	ge.Status.SubnetIDs = ep.SubnetIDs
	ge.Status.SecurityGroupIDs = ep.SecurityGroupIDs
	ge.Status.NetworkInterfaceIDs = ep.NetworkInterfaceIDs
	ge.Status.DNSEntries = nil
	for _, e := range ep.DNSEntries {
		ge.Status.DNSEntries = append(ge.Status.DNSEntries, v1alpha1.DNSEntry{DNSName: e.Name, HostedZoneID: e.HostedZoneID})
	}
}

// clientToken makes CreateVpcEndpoint idempotent per object: a retry after a
// crash returns the endpoint already created. An endpoint deleted outside the
// operator (lostID) needs a new token, or EC2 would answer with the old one.
func clientToken(ge *v1alpha1.GatewayEndpoint, lostID string) string {
	token := "gwe-" + string(ge.UID)
	if lostID != "" {
		sum := sha256.Sum256([]byte(lostID))
		token += "-" + hex.EncodeToString(sum[:4])
	}
	return token
}

// endpointName is the Name tag of the endpoint.
func endpointName(ge *v1alpha1.GatewayEndpoint) string {
	return "agentcore-gateway-" + ge.Namespace + "-" + ge.Name
}

// reconcilingSince is when the current stretch of work began, for the
// growing recheck interval.
func reconcilingSince(ge *v1alpha1.GatewayEndpoint, s *endpointScope) time.Time {
	if c := meta.FindStatusCondition(ge.Status.Conditions, v1alpha1.ConditionReconciling); c != nil && c.Status == metav1.ConditionTrue {
		return c.LastTransitionTime.Time
	}
	return s.now
}
