package controllers

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/agentcore-io/vpce-operator/api/v1alpha1"
	"github.com/agentcore-io/vpce-operator/internal/policy"
)

// desiredPolicy is the endpoint policy document the accepted policies call
// for.
type desiredPolicy struct {
	// doc is the document to apply; the zero Document when tooLarge.
	doc policy.Document
	// statements are the accepted policies in the document (hash set,
	// appliedAt not yet).
	statements []v1alpha1.AppliedStatement
	// tooLarge is set when the merge exceeds EC2's limit.
	tooLarge *policy.TooLargeError
	// reason says where the document comes from.
	reason string
}

// desiredPolicy merges every accepted GatewayAccessPolicy attached to the
// endpoint; with none, whenNoPolicies decides between deny-all and AWS's full
// access.
func (r *GatewayEndpointReconciler) desiredPolicy(ctx context.Context, s *endpointScope) (*desiredPolicy, error) {
	var list v1alpha1.GatewayAccessPolicyList
	key := client.ObjectKeyFromObject(s.ge).String()
	if err := r.List(ctx, &list, client.MatchingFields{endpointRefIndex: key}); err != nil {
		return nil, fmt.Errorf("listing GatewayAccessPolicies of %s: %w", key, err)
	}
	namespaces := map[string]*corev1.Namespace{}
	var grants []policy.Grant
	d := &desiredPolicy{}
	for i := range list.Items {
		p := &list.Items[i]
		if !p.DeletionTimestamp.IsZero() {
			continue
		}
		ns, seen := namespaces[p.Namespace]
		if !seen {
			ns = &corev1.Namespace{}
			if err := r.Get(ctx, client.ObjectKey{Name: p.Namespace}, ns); err != nil {
				if !apierrors.IsNotFound(err) {
					return nil, fmt.Errorf("reading namespace %s: %w", p.Namespace, err)
				}
				ns = nil
			}
			namespaces[p.Namespace] = ns
		}
		if !evaluateAttachment(p, s.ge, ns, s.region).accepted {
			continue
		}
		grants = append(grants, policy.Grant{Namespace: p.Namespace, Name: p.Name, GatewayARNs: p.Spec.GatewayARNs})
		d.statements = append(d.statements, v1alpha1.AppliedStatement{
			Namespace: p.Namespace, Name: p.Name, Hash: statementHash(p.Spec.GatewayARNs),
		})
	}
	slices.SortFunc(d.statements, func(a, b v1alpha1.AppliedStatement) int {
		return strings.Compare(a.Namespace+"/"+a.Name, b.Namespace+"/"+b.Name)
	})

	if len(grants) == 0 {
		if s.ge.Spec.Access.WhenNoPolicies == v1alpha1.WhenNoPoliciesAllow {
			d.doc, d.reason = policy.FullAccess(), v1alpha1.ReasonNoPoliciesAllowAll
		} else {
			d.doc, d.reason = policy.DenyAll(), v1alpha1.ReasonNoPoliciesDenyAll
		}
		return d, nil
	}
	doc, err := policy.Build(grants)
	var tooLarge *policy.TooLargeError
	switch {
	case errors.As(err, &tooLarge):
		d.tooLarge = tooLarge
	case err != nil:
		return nil, stalled(v1alpha1.ReasonInvalidSpec, "Cannot build the endpoint policy: %v", err)
	default:
		d.doc, d.reason = doc, v1alpha1.ReasonPolicyInSync
	}
	return d, nil
}

// statementHash identifies the content of one policy's statement: its
// gateways, in any order.
func statementHash(arns []string) string {
	sorted := slices.Clone(arns)
	slices.Sort(sorted)
	sorted = slices.Compact(sorted)
	sum := sha256.Sum256([]byte(strings.Join(sorted, "\n")))
	return hex.EncodeToString(sum[:8])
}

// recordPolicy notes in status that doc now stands on the endpoint. A
// statement that was already applied keeps its time: the gateway never
// stopped admitting it.
func (r *GatewayEndpointReconciler) recordPolicy(s *endpointScope, d *desiredPolicy, doc policy.Document, applied []v1alpha1.AppliedStatement) {
	now := metav1.NewTime(s.now)
	previous := map[string]v1alpha1.AppliedStatement{}
	if p := s.ge.Status.Policy; p != nil {
		for _, st := range p.Statements {
			previous[st.Namespace+"/"+st.Name] = st
		}
	}
	statements := make([]v1alpha1.AppliedStatement, 0, len(applied))
	for _, st := range applied {
		st.AppliedAt = now
		if prev, ok := previous[st.Namespace+"/"+st.Name]; ok && prev.Hash == st.Hash {
			st.AppliedAt = prev.AppliedAt
		}
		statements = append(statements, st)
	}
	effective := metav1.NewTime(s.now.Add(r.PropagationDelay))
	s.ge.Status.Policy = &v1alpha1.EndpointPolicyStatus{
		Hash: doc.Hash(), AppliedAt: &now, EffectiveAt: &effective,
		AttachedPolicies: int32(len(statements)), Statements: statements,
	}
}

// policyCondition reports the policy phase once the document stands (or,
// when too large, why it does not).
func (r *GatewayEndpointReconciler) policyCondition(s *endpointScope, d *desiredPolicy) {
	if d.tooLarge != nil {
		s.condition(v1alpha1.ConditionPolicyApplied, metav1.ConditionFalse, v1alpha1.ReasonPolicyTooLarge,
			"Nothing applied, the previous document stays: the "+d.tooLarge.Error()+".")
		return
	}
	p := s.ge.Status.Policy
	var when string
	if p != nil && p.EffectiveAt != nil && s.now.Before(p.EffectiveAt.Time) {
		when = fmt.Sprintf(" Written at %s; the gateway caches access policies for up to %s, so it is certain to be enforced from %s.",
			p.AppliedAt.UTC().Format(time.RFC3339), r.PropagationDelay, p.EffectiveAt.UTC().Format(time.RFC3339))
	}
	var msg string
	switch d.reason {
	case v1alpha1.ReasonNoPoliciesDenyAll:
		msg = "No GatewayAccessPolicy is attached; the endpoint policy denies every gateway (access.whenNoPolicies: Deny)."
	case v1alpha1.ReasonNoPoliciesAllowAll:
		msg = "No GatewayAccessPolicy is attached; the endpoint policy is AWS's full access (access.whenNoPolicies: Allow)."
	default:
		msg = fmt.Sprintf("The endpoint policy admits the gateways of %d GatewayAccessPolicies.", len(d.statements))
	}
	s.condition(v1alpha1.ConditionPolicyApplied, metav1.ConditionTrue, d.reason, msg+when)
}
