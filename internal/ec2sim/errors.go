package ec2sim

import (
	"fmt"
	"net/http"
)

// EC2 error codes the simulator answers with. Clients branch on these exact strings.
const (
	codeOK                          = "OK"
	codeInvalidAction               = "InvalidAction"
	codeMissingAction               = "MissingAction"
	codeMissingParameter            = "MissingParameter"
	codeInvalidParameter            = "InvalidParameter"
	codeInvalidParameterValue       = "InvalidParameterValue"
	codeInvalidParameterCombination = "InvalidParameterCombination"
	codeInvalidPaginationToken      = "InvalidPaginationToken"
	codeDryRunOperation             = "DryRunOperation"
	codeRequestLimitExceeded        = "RequestLimitExceeded"
	codeInternalError               = "InternalError"
	codeUnavailable                 = "Unavailable"
	codeRequestCanceled             = "RequestCanceled"
	codeIdempotentParameterMismatch = "IdempotentParameterMismatch"
	codeInvalidServiceName          = "InvalidServiceName"
	codeDuplicateSubnetsInSameZone  = "DuplicateSubnetsInSameZone"
	codeVpcEndpointLimitExceeded    = "VpcEndpointLimitExceeded"
	codeIncorrectState              = "IncorrectState"
	codeInsufficientFreeAddresses   = "InsufficientFreeAddressesInSubnet"
	codeInvalidPermissionDuplicate  = "InvalidPermission.Duplicate"
	codeInvalidPermissionNotFound   = "InvalidPermission.NotFound"
	codeInvalidPermissionMalformed  = "InvalidPermission.Malformed"
	codeRulesLimitExceeded          = "RulesPerSecurityGroupLimitExceeded"
	codeInvalidGroupDuplicate       = "InvalidGroup.Duplicate"
	codeInvalidGroupReserved        = "InvalidGroup.Reserved"
	codeCannotDelete                = "CannotDelete"
	codeDependencyViolation         = "DependencyViolation"
	codeVPCIDNotSpecified           = "VPCIdNotSpecified"
	codeInvalidVpcRange             = "InvalidVpc.Range"
	codeInvalidSubnetRange          = "InvalidSubnet.Range"
	codeInvalidSubnetConflict       = "InvalidSubnet.Conflict"
	codeInvalidID                   = "InvalidID"
	codeTagLimitExceeded            = "TagLimitExceeded"
)

// apiError is an EC2 error response: the code clients branch on, a message for people, and
// the HTTP status EC2 sends it with.
type apiError struct {
	status  int
	code    string
	message string
}

func (e *apiError) Error() string { return e.code + ": " + e.message }

func clientError(code, format string, args ...any) *apiError {
	return &apiError{status: http.StatusBadRequest, code: code, message: fmt.Sprintf(format, args...)}
}

func missingParameter(name string) *apiError {
	return clientError(codeMissingParameter, "The request must contain the parameter %s", name)
}

func invalidValue(name, value string) *apiError {
	return clientError(codeInvalidParameterValue, "Value (%s) for parameter %s is invalid.", value, name)
}

func invalidFilter(name string) *apiError {
	return clientError(codeInvalidParameterValue, "The filter '%s' is invalid", name)
}

var errRequestLimitExceeded = &apiError{
	status:  http.StatusServiceUnavailable,
	code:    codeRequestLimitExceeded,
	message: "Request limit exceeded.",
}

var errDryRun = &apiError{
	status:  http.StatusPreconditionFailed,
	code:    codeDryRunOperation,
	message: "Request would have succeeded, but DryRun flag is set.",
}

// injectedError builds the error a Fault answers with, using the status EC2 sends for that
// code so the SDK classifies it (retryable or not) as it would in AWS.
func injectedError(code string) *apiError {
	switch code {
	case "", codeInternalError:
		return &apiError{status: http.StatusInternalServerError, code: codeInternalError,
			message: "An internal error has occurred"}
	case codeUnavailable:
		return &apiError{status: http.StatusServiceUnavailable, code: codeUnavailable,
			message: "The service is unavailable. Please try again shortly."}
	case codeRequestLimitExceeded:
		return errRequestLimitExceeded
	case "UnauthorizedOperation":
		return &apiError{status: http.StatusForbidden, code: code,
			message: "You are not authorized to perform this operation."}
	default:
		return clientError(code, "Injected fault %s.", code)
	}
}
