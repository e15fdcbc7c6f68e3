package aws

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/smithy-go"
)

// EC2 error codes the operator reacts to.
const (
	CodeVpcEndpointNotFound = "InvalidVpcEndpointId.NotFound"
	CodeGroupNotFound       = "InvalidGroup.NotFound"
	CodeGroupDuplicate      = "InvalidGroup.Duplicate"
	CodePermissionDuplicate = "InvalidPermission.Duplicate"
	CodePermissionNotFound  = "InvalidPermission.NotFound"
	// CodePrefixListNotFound is spelled InvalidPrefixListID.NotFound in
	// some of EC2's answers; compare with strings.EqualFold.
	CodePrefixListNotFound          = "InvalidPrefixListId.NotFound"
	CodeDependencyViolation         = "DependencyViolation"
	CodeIdempotentParameterMismatch = "IdempotentParameterMismatch"
	CodeRequestLimitExceeded        = "RequestLimitExceeded"
	CodeThrottling                  = "Throttling"
	CodeInternalError               = "InternalError"
	CodeUnavailable                 = "Unavailable"
	CodeServiceUnavailable          = "ServiceUnavailable"
	CodeIncorrectState              = "IncorrectState"
	CodeRequestExpired              = "RequestExpired"
	CodeUnauthorizedOperation       = "UnauthorizedOperation"
	CodeAuthFailure                 = "AuthFailure"
	CodeVpcEndpointLimitExceeded    = "VpcEndpointLimitExceeded"
	CodeConflictingDomainExists     = "ConflictingDomainExists"
)

// Class is what retrying can do about an EC2 error.
type Class int

const (
	// Transient errors are retried with backoff: throttling, server errors,
	// states that pass (IncorrectState, DependencyViolation), and NotFound,
	// which right after a create may be EC2's eventual consistency. Where a
	// NotFound is the user's mistake (a subnet, a prefix list, a source
	// group of the spec), the caller knows it and stalls instead.
	Transient Class = iota
	// Terminal errors need a person: validation errors, quotas.
	Terminal
	// Denied errors mean the operator's IAM role lacks a permission.
	Denied
	// AlreadyDone is the answer to a retried call whose first attempt took
	// effect although its response was lost: the wanted state is there.
	AlreadyDone
)

func (c Class) String() string {
	return [...]string{"transient", "terminal", "denied", "already done"}[c]
}

// codeClasses is the one table of what the operator does about each EC2
// code it knows (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html).
// A code not listed is Terminal when EC2 blames the request (a 4xx) and
// Transient when it blames itself (a 5xx).
var codeClasses = map[string]Class{
	CodeRequestLimitExceeded:        Transient,
	CodeThrottling:                  Transient,
	CodeInternalError:               Transient,
	CodeUnavailable:                 Transient,
	CodeServiceUnavailable:          Transient,
	CodeIncorrectState:              Transient,
	CodeRequestExpired:              Transient,
	CodeDependencyViolation:         Transient,
	CodeIdempotentParameterMismatch: Transient,
	CodeUnauthorizedOperation:       Denied,
	CodeAuthFailure:                 Denied,
	"AccessDenied":                  Denied,
	"AccessDeniedException":         Denied,
	CodePermissionDuplicate:         AlreadyDone,
	CodePermissionNotFound:          AlreadyDone,
}

// Classify says what retrying can do about err. Errors that are not EC2's
// (network, context) are Transient.
func Classify(err error) Class {
	code := Code(err)
	if code == "" {
		return Transient
	}
	if c, ok := codeClasses[code]; ok {
		return c
	}
	if strings.HasSuffix(code, ".NotFound") {
		return Transient
	}
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) && apiErr.ErrorFault() == smithy.FaultServer {
		return Transient
	}
	return Terminal
}

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

// IsTerminal says whether retrying err cannot help until a person changes
// the spec or the account.
func IsTerminal(err error) bool {
	c := Classify(err)
	return c == Terminal || c == Denied
}

// IsAccessDenied says whether the operator's IAM role lacks a permission.
func IsAccessDenied(err error) bool {
	return Classify(err) == Denied
}

// ClientThrottledError is returned instead of waiting long for a token of
// the client-side copy of EC2's request buckets: the reconcile gives its
// worker back and comes again after RetryAfter, so that other objects are
// served meanwhile.
type ClientThrottledError struct {
	Operation  string
	RetryAfter time.Duration
}

func (e *ClientThrottledError) Error() string {
	return fmt.Sprintf("%s waits %s for the client-side share of EC2's request budget", e.Operation, e.RetryAfter.Round(time.Millisecond))
}

// RetryAfter is how long err asks the caller to wait before trying again,
// or 0.
func RetryAfter(err error) time.Duration {
	var ct *ClientThrottledError
	if errors.As(err, &ct) {
		return ct.RetryAfter
	}
	return 0
}
