package aws_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/aws/smithy-go"

	awsclient "github.com/agentcore-io/vpce-operator/internal/aws"
)

func TestErrorsAreClassifiedByWhatRetryingCanFix(t *testing.T) {
	apiErr := func(code string, fault smithy.ErrorFault) error {
		// Wrapped as the client wraps every call's error.
		return fmt.Errorf("doing something: %w", &smithy.GenericAPIError{Code: code, Message: "m", Fault: fault})
	}
	cases := []struct {
		name                              string
		err                               error
		terminal, notFound, throttle, dep bool
		accessDenied                      bool
	}{
		{"a network error is retried", errors.New("connection reset"), false, false, false, false, false},
		{"throttling is retried", apiErr("RequestLimitExceeded", smithy.FaultClient), false, false, true, false, false},
		{"a server error is retried", apiErr("InternalError", smithy.FaultServer), false, false, false, false, false},
		{"an unknown server-side code is retried", apiErr("SomethingNew", smithy.FaultServer), false, false, false, false, false},
		{"a group still in use is retried", apiErr("DependencyViolation", smithy.FaultClient), false, false, false, true, false},
		{"NotFound may be eventual consistency and is retried", apiErr("InvalidGroup.NotFound", smithy.FaultClient), false, true, false, false, false},
		{"an endpoint EC2 does not list yet is retried", apiErr("InvalidVpcEndpointId.NotFound", smithy.FaultClient), false, true, false, false, false},
		{"a validation error needs a human", apiErr("InvalidParameter", smithy.FaultClient), true, false, false, false, false},
		{"a missing permission needs a human", apiErr("UnauthorizedOperation", smithy.FaultClient), true, false, false, false, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := []bool{awsclient.IsTerminal(c.err), awsclient.IsNotFound(c.err), awsclient.IsThrottle(c.err),
				awsclient.IsDependencyViolation(c.err), awsclient.IsAccessDenied(c.err)}
			want := []bool{c.terminal, c.notFound, c.throttle, c.dep, c.accessDenied}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("terminal, notFound, throttle, dependency, accessDenied = %v, want %v", got, want)
			}
		})
	}
}

func TestEveryEC2CodeTheOperatorKnowsHasOneClass(t *testing.T) {
	apiErr := func(code string, fault smithy.ErrorFault) error {
		return fmt.Errorf("calling EC2: %w", &smithy.GenericAPIError{Code: code, Message: "m", Fault: fault})
	}
	cases := []struct {
		code  string
		fault smithy.ErrorFault
		want  awsclient.Class
	}{
		{"IncorrectState", smithy.FaultClient, awsclient.Transient},
		{"RequestExpired", smithy.FaultClient, awsclient.Transient},
		{"IdempotentParameterMismatch", smithy.FaultClient, awsclient.Transient},
		{"InvalidPrefixListId.NotFound", smithy.FaultClient, awsclient.Transient},
		{"InvalidPermission.Duplicate", smithy.FaultClient, awsclient.AlreadyDone},
		{"InvalidPermission.NotFound", smithy.FaultClient, awsclient.AlreadyDone},
		{"UnauthorizedOperation", smithy.FaultClient, awsclient.Denied},
		{"InvalidParameter", smithy.FaultClient, awsclient.Terminal},
		{"VpcEndpointLimitExceeded", smithy.FaultClient, awsclient.Terminal},
		{"SomethingNewFromTheClientSide", smithy.FaultClient, awsclient.Terminal},
		{"SomethingNewFromTheServerSide", smithy.FaultServer, awsclient.Transient},
	}
	for _, c := range cases {
		t.Run(c.code, func(t *testing.T) {
			if got := awsclient.Classify(apiErr(c.code, c.fault)); got != c.want {
				t.Fatalf("Classify(%s) = %s, want %s", c.code, got, c.want)
			}
		})
	}
	if got := awsclient.Classify(&awsclient.ClientThrottledError{Operation: "ModifyVpcEndpoint", RetryAfter: time.Second}); got != awsclient.Transient {
		t.Errorf("a client-side wait is %s, want transient", got)
	}
}
