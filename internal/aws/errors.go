package aws

import (
	"errors"
	"strings"

	"github.com/aws/smithy-go"
)

// EC2 error codes the operator reacts to.
const (
	CodeVpcEndpointNotFound         = "InvalidVpcEndpointId.NotFound"
	CodeGroupNotFound               = "InvalidGroup.NotFound"
	CodeGroupDuplicate              = "InvalidGroup.Duplicate"
	CodePermissionDuplicate         = "InvalidPermission.Duplicate"
	CodePermissionNotFound          = "InvalidPermission.NotFound"
	CodeDependencyViolation         = "DependencyViolation"
	CodeIdempotentParameterMismatch = "IdempotentParameterMismatch"
	CodeRequestLimitExceeded        = "RequestLimitExceeded"
	CodeThrottling                  = "Throttling"
	CodeInternalError               = "InternalError"
	CodeUnavailable                 = "Unavailable"
	CodeServiceUnavailable          = "ServiceUnavailable"
	CodeUnauthorizedOperation       = "UnauthorizedOperation"
	CodeAuthFailure                 = "AuthFailure"
	CodeVpcEndpointLimitExceeded    = "VpcEndpointLimitExceeded"
)

// Code is the EC2 error code of err, or "" when err is not an API error.
func Code(err error) string {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorCode()
	}
	return ""
}

// Message is the EC2 error message of err, or err's text.
func Message(err error) string {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorMessage()
	}
	return err.Error()
}

// IsNotFound says whether err means the resource does not exist (which, right
// after a create, may also be EC2's eventual consistency).
func IsNotFound(err error) bool {
	return strings.HasSuffix(Code(err), ".NotFound")
}

// IsThrottle says whether EC2 refused the call for its request rate.
func IsThrottle(err error) bool {
	switch Code(err) {
	case CodeRequestLimitExceeded, CodeThrottling:
		return true
	}
	return false
}

// IsDependencyViolation says whether EC2 refused to delete something still
// in use (a security group on an endpoint's network interfaces).
func IsDependencyViolation(err error) bool {
	return Code(err) == CodeDependencyViolation
}

// IsTerminal says whether retrying err cannot help until a human changes the
// spec or the account: validation errors and missing permissions. Throttling,
// server errors, network errors and NotFound (possibly eventual consistency)
// are transient.
func IsTerminal(err error) bool {
	code := Code(err)
	switch {
	case code == "":
		return false
	case IsThrottle(err), code == CodeInternalError, code == CodeUnavailable, code == CodeServiceUnavailable:
		return false
	case code == CodeDependencyViolation, code == CodeIdempotentParameterMismatch:
		return false
	case IsNotFound(err):
		// Right after a create EC2 may not know its own resource yet. Where
		// NotFound is the user's mistake (a subnet or group of the spec), the
		// caller knows it and says so.
		return false
	}
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) && apiErr.ErrorFault() == smithy.FaultServer {
		return false
	}
	return true
}

// IsAccessDenied says whether the operator's IAM role lacks a permission.
func IsAccessDenied(err error) bool {
	switch Code(err) {
	case CodeUnauthorizedOperation, CodeAuthFailure, "AccessDenied", "AccessDeniedException":
		return true
	}
	return false
}
