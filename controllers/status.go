package controllers

import (
	"errors"
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/agentcore-io/vpce-operator/api/v1alpha1"
	awsclient "github.com/agentcore-io/vpce-operator/internal/aws"
)

// setCondition records a condition for the object's current generation.
func setCondition(conds *[]metav1.Condition, generation int64, condType string, status metav1.ConditionStatus, reason, message string) {
	meta.SetStatusCondition(conds, metav1.Condition{
		Type: condType, Status: status, Reason: reason, Message: message, ObservedGeneration: generation,
	})
}

// initConditions writes Unknown conditions on the first visit, so that a
// freshly applied object says at once that the operator has seen it.
func initConditions(conds *[]metav1.Condition, generation int64, types ...string) {
	for _, t := range types {
		if meta.FindStatusCondition(*conds, t) == nil {
			setCondition(conds, generation, t, metav1.ConditionUnknown, v1alpha1.ReasonReconciling, "The operator has not finished its first reconcile yet.")
		}
	}
}

// stallError is an error that retrying cannot fix: bad input the CRD could
// not catch, or missing permissions. It carries the condition reason.
type stallError struct {
	reason  string
	message string
}

func (e *stallError) Error() string { return e.message }

func stalled(reason, format string, args ...any) error {
	return &stallError{reason: reason, message: fmt.Sprintf(format, args...)}
}

// classify turns an AWS error into a condition reason and message, and says
// whether it is terminal.
func classify(err error) (reason, message string, terminal bool) {
	var se *stallError
	switch {
	case errors.As(err, &se):
		return se.reason, se.message, true
	case awsclient.IsAccessDenied(err):
		call := awsclient.Operation(err)
		return v1alpha1.ReasonAccessDenied, fmt.Sprintf("EC2 refused %s (%s): the operator's IAM role needs %s (docs/install.md, The IAM policy).",
			call, awsclient.Code(err), strings.Join(awsclient.PermissionsFor(call, false), ", ")), true
	case awsclient.IsThrottle(err), awsclient.RetryAfter(err) > 0:
		return v1alpha1.ReasonThrottled, "EC2 is throttling the operator's requests, or the operator is keeping within EC2's request budget; retrying: " + err.Error(), false
	case awsclient.IsTerminal(err):
		return v1alpha1.ReasonInvalidSpec, "EC2 rejected the request; fix the spec: " + err.Error(), true
	default:
		return v1alpha1.ReasonAWSError, "Retrying after a transient error: " + err.Error(), false
	}
}
