package controllers

import (
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/predicate"

	"github.com/agentcore-io/vpce-operator/api/v1alpha1"
)

// setVerifiedCondition derives the Verified condition from
// status.verification, which the Verifier writes: the GatewayAccessPolicy
// reconciler owns every condition, so two writers never replace each other's
// list. True when every gateway of spec.verify is Reachable; Unknown while
// one has no result yet, or when none could be measured from the operator's
// pod (all NotVerifiable); False otherwise, with the first failing
// gateway's result as reason. No condition without spec.verify.
func setVerifiedCondition(p *v1alpha1.GatewayAccessPolicy) {
	if p.Spec.Verify == nil {
		meta.RemoveStatusCondition(&p.Status.Conditions, v1alpha1.ConditionVerified)
		return
	}
	results := map[string]v1alpha1.GatewayVerification{}
	if p.Status.Verification != nil {
		for _, g := range p.Status.Verification.Gateways {
			results[g.GatewayARN] = g
		}
	}
	var lines []string
	var pending, failing, unverifiable []v1alpha1.GatewayVerification
	for _, g := range p.Spec.Verify.Gateways {
		r, ok := results[g.GatewayARN]
		if !ok {
			pending = append(pending, v1alpha1.GatewayVerification{GatewayARN: g.GatewayARN})
			continue
		}
		line := fmt.Sprintf("%s: %s", gatewayIDOf(g.GatewayARN), r.Result)
		if r.ToolCount != nil {
			line += fmt.Sprintf(" (%d %s)", *r.ToolCount, map[bool]string{true: "tool", false: "tools"}[*r.ToolCount == 1])
		}
		lines = append(lines, line)
		switch r.Result {
		case v1alpha1.VerificationReachable:
		case v1alpha1.VerificationNotVerifiable:
			unverifiable = append(unverifiable, r)
		default:
			failing = append(failing, r)
		}
	}
	cond := func(status metav1.ConditionStatus, reason, msg string) {
		setCondition(&p.Status.Conditions, p.Generation, v1alpha1.ConditionVerified, status, reason, msg)
	}
	summary := strings.Join(lines, "; ")
	switch {
	case len(failing) > 0:
		first := failing[0]
		cond(metav1.ConditionFalse, string(first.Result), fmt.Sprintf("%s: %s (all: %s)", gatewayIDOf(first.GatewayARN), first.Message, summary))
	case len(pending) > 0:
		cond(metav1.ConditionUnknown, v1alpha1.ReasonVerificationPending,
			fmt.Sprintf("Not probed yet: %s. The operator probes spec.verify's gateways at once after a change, then every interval.", gatewayIDOf(pending[0].GatewayARN)))
	case len(unverifiable) == len(p.Spec.Verify.Gateways):
		cond(metav1.ConditionUnknown, v1alpha1.ReasonNotVerifiable, fmt.Sprintf("%s: %s", gatewayIDOf(unverifiable[0].GatewayARN), unverifiable[0].Message))
	default:
		msg := "Every gateway answered MCP tools/list through the endpoint, from the operator's pod: " + summary
		if len(unverifiable) > 0 {
			msg = "Every gateway the operator may probe answered MCP tools/list through the endpoint, from the operator's pod: " + summary
		}
		cond(metav1.ConditionTrue, v1alpha1.ReasonReachable, msg)
	}
}

// verificationChanged passes updates that change status.verification, so
// that the reconciler derives Verified as soon as the Verifier writes it;
// other status writes stay filtered out.
var verificationChanged = predicate.Funcs{
	UpdateFunc: func(e event.UpdateEvent) bool {
		oldP, ok1 := e.ObjectOld.(*v1alpha1.GatewayAccessPolicy)
		newP, ok2 := e.ObjectNew.(*v1alpha1.GatewayAccessPolicy)
		return ok1 && ok2 && !equality.Semantic.DeepEqual(oldP.Status.Verification, newP.Status.Verification)
	},
	CreateFunc:  func(event.CreateEvent) bool { return false },
	DeleteFunc:  func(event.DeleteEvent) bool { return false },
	GenericFunc: func(event.GenericEvent) bool { return false },
}
