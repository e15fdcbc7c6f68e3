package ec2sim

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
)

// IAMConfig makes the simulator authorize every EC2 call against an identity-based
// policy, as EC2 does for the caller's role.
type IAMConfig struct {
	// Policy is the identity-based policy document (JSON) of the caller. Only String*,
	// Arn*, Bool and Null condition operators (with IfExists, ForAllValues and
	// ForAnyValue) are evaluated; a document using others is refused by SetIAM.
	Policy []byte
	// PrincipalTags are the tags of the caller's session, aws:PrincipalTag/<key>: for
	// EKS Pod Identity, eks-cluster-name and the other session tags it adds. IRSA
	// sessions carry none.
	PrincipalTags map[string]string
	// PrincipalARN is the caller (aws:PrincipalArn, and the "User:" of the
	// UnauthorizedOperation message). Default: the assumed role GetCallerIdentity answers.
	PrincipalARN string
	// AccessKeyID, when set, is the access key of the principal the policy belongs to:
	// only requests signed with it (SigV4's Credential) are checked, and every other
	// caller is an administrator. On AWS each principal has its own policies; this lets a
	// test act as a person or another tool beside the operator. Empty: every request is
	// checked.
	AccessKeyID string
}

// iamAuthorizer is a parsed IAMConfig.
type iamAuthorizer struct {
	doc           *iamDocument
	principalARN  string
	principalTags map[string]string
	accessKeyID   string
}

type accessKeyContextKey struct{}

// withAccessKey notes in ctx the access key a request was signed with: the Credential of
// its SigV4 Authorization header, AKID/date/region/service/aws4_request
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html).
func withAccessKey(ctx context.Context, r *http.Request) context.Context {
	_, credential, _ := strings.Cut(r.Header.Get("Authorization"), "Credential=")
	key, _, _ := strings.Cut(credential, "/")
	return context.WithValue(ctx, accessKeyContextKey{}, key)
}

// checks says whether the policy applies to the request in ctx.
func (a *iamAuthorizer) checks(ctx context.Context) bool {
	if a.accessKeyID == "" {
		return true
	}
	key, _ := ctx.Value(accessKeyContextKey{}).(string)
	return key == a.accessKeyID
}

// iamDeniedCode is the error EC2 answers a call the caller may not make
// (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html,
// https://docs.aws.amazon.com/ec2/latest/devguide/query-api-troubleshooting.html#unauthorized-operation),
// "a Client.UnauthorizedOperation response (an HTTP 403 response)"
// (https://docs.aws.amazon.com/STS/latest/APIReference/API_DecodeAuthorizationMessage.html).
const iamDeniedCode = "UnauthorizedOperation"

// SetIAM makes every later call be authorized against cfg's policy; nil turns
// authorization off, and every call is allowed again (the default). GetCallerIdentity
// is never authorized: STS needs no permission for it. It returns an error, and changes
// nothing, when the policy is not a document the simulator can evaluate.
func (s *Simulator) SetIAM(cfg *IAMConfig) error {
	if cfg == nil {
		s.iam.Store(nil)
		return nil
	}
	doc, err := parseIAMDocument(cfg.Policy)
	if err != nil {
		return fmt.Errorf("ec2sim: IAM policy: %w", err)
	}
	a := &iamAuthorizer{doc: doc, principalARN: cfg.PrincipalARN, principalTags: maps.Clone(cfg.PrincipalTags), accessKeyID: cfg.AccessKeyID}
	if a.principalARN == "" {
		a.principalARN = s.defaultPrincipalARN()
	}
	s.iam.Store(a)
	return nil
}

// mustSetIAM applies Options.IAM; a policy the simulator cannot evaluate is a mistake in
// the test that passed it.
func (s *Simulator) mustSetIAM(cfg *IAMConfig) {
	if err := s.SetIAM(cfg); err != nil {
		panic(err)
	}
}

func (s *Simulator) defaultPrincipalARN() string {
	return "arn:" + partitionOf(s.region) + ":sts::" + s.accountID + ":assumed-role/agentcore-vpce-operator/simulated"
}

// principalARN is the caller GetCallerIdentity reports.
func (s *Simulator) principalARN() string {
	if a := s.iam.Load(); a != nil {
		return a.principalARN
	}
	return s.defaultPrincipalARN()
}

// globalContext holds the keys every authorization of the caller carries
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html).
func (a *iamAuthorizer) globalContext(s *Simulator) iamContext {
	ctx := iamContext{}
	ctx.add("aws:RequestedRegion", s.region)
	ctx.add("aws:PrincipalArn", a.principalARN)
	ctx.add("aws:PrincipalAccount", s.accountID)
	for k, v := range a.principalTags {
		ctx.add("aws:PrincipalTag/"+k, v)
	}
	return ctx
}

// authorize decides a call before it runs: every authorization EC2 makes for it must be
// allowed, or the call answers UnauthorizedOperation and changes nothing. It runs after
// throttling and before DryRun is looked at, since a DryRun call answers
// UnauthorizedOperation when the caller lacks the permission ("DryRun: Checks whether
// you have the required permissions for the action ... If you have the required
// permissions, the error response is DryRunOperation. Otherwise, it is
// UnauthorizedOperation", e.g. https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateVpcEndpoint.html).
func (s *Simulator) authorize(ctx context.Context, action string, q query) *apiError {
	a := s.iam.Load()
	if a == nil || !a.checks(ctx) {
		return nil
	}
	s.mu.Lock()
	requests := s.authorizations(a, action, q)
	s.mu.Unlock()
	for _, r := range requests {
		if d := a.doc.decide(r); !d.allowed {
			return a.denied(r, d)
		}
	}
	return nil
}

// denied is EC2's answer to a refused authorization. The message names the caller, the
// action and the resource in IAM's access-denied form
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html) and
// ends with the encoded authorization failure message EC2 adds
// (https://docs.aws.amazon.com/STS/latest/APIReference/API_DecodeAuthorizationMessage.html).
// Clients must not parse it; the simulator's encoding is base64url of the JSON
// DecodeAuthorizationMessage would return, not encrypted as AWS's is.
func (a *iamAuthorizer) denied(r authzRequest, d iamDecision) *apiError {
	reason := "because no identity-based policy allows the " + r.action + " action"
	if d.explicitDeny {
		reason = "with an explicit deny in an identity-based policy"
	}
	return &apiError{
		status: http.StatusForbidden,
		code:   iamDeniedCode,
		message: fmt.Sprintf("You are not authorized to perform this operation. User: %s is not authorized to perform: %s on resource: %s %s. Encoded authorization failure message: %s",
			a.principalARN, r.action, r.resource, reason, a.encodeFailure(r, d)),
	}
}

// authorizationMessage has the fields of a decoded authorization failure message.
type authorizationMessage struct {
	Allowed           bool                        `json:"allowed"`
	ExplicitDeny      bool                        `json:"explicitDeny"`
	MatchedStatements itemsJSON[matchedStatement] `json:"matchedStatements"`
	Failures          itemsJSON[string]           `json:"failures"`
	Context           struct {
		Principal struct {
			Arn string `json:"arn"`
		} `json:"principal"`
		Action     string               `json:"action"`
		Resource   string               `json:"resource"`
		Conditions itemsJSON[keyValues] `json:"conditions"`
	} `json:"context"`
}

type itemsJSON[T any] struct {
	Items []T `json:"items"`
}

type matchedStatement struct {
	StatementID string `json:"statementId"`
}

type keyValues struct {
	Key    string                 `json:"key"`
	Values itemsJSON[valueObject] `json:"values"`
}

type valueObject struct {
	Value string `json:"value"`
}

func (a *iamAuthorizer) encodeFailure(r authzRequest, d iamDecision) string {
	m := authorizationMessage{ExplicitDeny: d.explicitDeny}
	m.MatchedStatements.Items, m.Failures.Items = []matchedStatement{}, []string{}
	for _, sid := range d.statements {
		m.MatchedStatements.Items = append(m.MatchedStatements.Items, matchedStatement{StatementID: sid})
	}
	m.Context.Principal.Arn, m.Context.Action, m.Context.Resource = a.principalARN, r.action, r.resource
	for _, k := range slices.Sorted(maps.Keys(r.context)) {
		kv := keyValues{Key: k}
		for _, v := range r.context[k] {
			kv.Values.Items = append(kv.Values.Items, valueObject{Value: v})
		}
		m.Context.Conditions.Items = append(m.Context.Conditions.Items, kv)
	}
	raw, err := json.Marshal(m)
	if err != nil {
		return ""
	}
	return base64.RawURLEncoding.EncodeToString(raw)
}
