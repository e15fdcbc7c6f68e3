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
	// doc is the document to apply.
	doc policy.Document
	// statements are the policies whose statements doc holds (hash of what
	// is written, appliedAt not yet).
	statements []v1alpha1.AppliedStatement
	// refused are the accepted policies whose statement is not in doc as
	// asked.
	refused []v1alpha1.RefusedPolicy
	// reason says where the document comes from.
	reason string
}

// desiredPolicy merges the accepted GatewayAccessPolicies attached to the
// endpoint, in a fixed order: those whose statement the endpoint's current
// document (current, as AWS returns it; "" before creation) already holds
// unchanged keep their place ahead of new or changed ones, then oldest
// first, then namespace/name. A policy that does not fit EC2's limit is
// refused alone (a changed one keeps its previous gateways, less any it
// dropped), the rest are applied. With no accepted policy, whenNoPolicies
// decides between deny-all and AWS's full access.
func (r *GatewayEndpointReconciler) desiredPolicy(ctx context.Context, s *endpointScope, current string) (*desiredPolicy, error) {
	var list v1alpha1.GatewayAccessPolicyList
	key := client.ObjectKeyFromObject(s.ge).String()
	if err := r.List(ctx, &list, client.MatchingFields{endpointRefIndex: key}); err != nil {
		return nil, fmt.Errorf("listing GatewayAccessPolicies of %s: %w", key, err)
	}
	namespaces := map[string]*corev1.Namespace{}
	applied := policy.AllowedResources(current)
	type candidate struct {
		policy.Candidate
		unchanged bool
		created   metav1.Time
	}
	var candidates []candidate
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
		// A policy whose gatewayRefs cannot be read is left out (fail
		// closed), not allowed to hold up the other policies' changes; its
		// own reconciler retries and reports it.
		a, err := r.ackGateways.attach(ctx, p, s.ge, ns, s.region, s.account)
		if err != nil || !a.accepted {
			continue
		}
		kept := applied[policy.StatementID(p.Namespace, p.Name)]
		candidates = append(candidates, candidate{
			Candidate: policy.Candidate{
				Grant: policy.Grant{Namespace: p.Namespace, Name: p.Name, GatewayARNs: a.gatewayARNs},
				Kept:  kept,
			},
			unchanged: kept != nil && statementHash(kept) == statementHash(a.gatewayARNs),
			created:   p.CreationTimestamp,
		})
	}
	d := &desiredPolicy{}
	if len(candidates) == 0 {
		if s.ge.Spec.Access.WhenNoPolicies == v1alpha1.WhenNoPoliciesAllow {
			d.doc, d.reason = policy.FullAccess(), v1alpha1.ReasonNoPoliciesAllowAll
		} else {
			d.doc, d.reason = policy.DenyAll(), v1alpha1.ReasonNoPoliciesDenyAll
		}
		return d, nil
	}
	slices.SortStableFunc(candidates, func(a, b candidate) int {
		if a.unchanged != b.unchanged {
			if a.unchanged {
				return -1
			}
			return 1
		}
		if c := a.created.Compare(b.created.Time); c != 0 {
			return c
		}
		return strings.Compare(a.Namespace+"/"+a.Name, b.Namespace+"/"+b.Name)
	})
	packed := make([]policy.Candidate, len(candidates))
	for i, c := range candidates {
		packed[i] = c.Candidate
	}
	doc, outcomes := policy.Pack(packed)
	for i, o := range outcomes {
		c := packed[i]
		if len(o.Resource) > 0 {
			d.statements = append(d.statements, v1alpha1.AppliedStatement{Namespace: c.Namespace, Name: c.Name, Hash: statementHash(o.Resource)})
		}
		if o.Refused != nil {
			reason := v1alpha1.ReasonPolicyTooLarge
			var noRoom *policy.NoRoomError
			if !errors.As(o.Refused, &noRoom) {
				reason = v1alpha1.ReasonInvalidSpec
			}
			d.refused = append(d.refused, v1alpha1.RefusedPolicy{Namespace: c.Namespace, Name: c.Name, Reason: reason,
				Message: fmt.Sprintf("Not in the endpoint policy of %s as asked: %v.", key, o.Refused)})
		}
	}
	sortByKey := func(ns, name string) string { return ns + "/" + name }
	slices.SortFunc(d.statements, func(a, b v1alpha1.AppliedStatement) int {
		return strings.Compare(sortByKey(a.Namespace, a.Name), sortByKey(b.Namespace, b.Name))
	})
	slices.SortFunc(d.refused, func(a, b v1alpha1.RefusedPolicy) int {
		return strings.Compare(sortByKey(a.Namespace, a.Name), sortByKey(b.Namespace, b.Name))
	})
	d.doc, d.reason = doc, v1alpha1.ReasonPolicyInSync
	if doc.JSON() == "" {
		// Every accepted policy was refused: admit nothing rather than
		// fall back to whenNoPolicies, which may be full access.
		d.doc = policy.DenyAll()
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
func (r *GatewayEndpointReconciler) recordPolicy(s *endpointScope, d *desiredPolicy) {
	doc, applied := d.doc, d.statements
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
		RefusedPolicies: int32(len(d.refused)), Refused: d.refused,
	}
}

// policyCondition reports the policy phase once the document stands. A
// refused policy is reported on the policy itself, not here: it never makes
// the endpoint Stalled or not Ready.
func (r *GatewayEndpointReconciler) policyCondition(s *endpointScope, d *desiredPolicy) {
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
	if n := len(d.refused); n > 0 {
		names := make([]string, 0, n)
		for _, rp := range d.refused {
			names = append(names, rp.Namespace+"/"+rp.Name)
		}
		msg += fmt.Sprintf(" %d refused (see status.policy.refused): %s.", n, strings.Join(names, ", "))
	}
	reason := d.reason
	if s.policyQueued != "" {
		reason, msg, when = v1alpha1.ReasonPolicyWriteQueued, "The document last written stays in force for now. "+s.policyQueued, ""
	}
	s.condition(v1alpha1.ConditionPolicyApplied, metav1.ConditionTrue, reason, msg+when)
}
