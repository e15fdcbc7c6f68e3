package v1alpha1

// Condition types of a GatewayEndpoint.
const (
	// ConditionSecurityGroupReady: the endpoint's security group exists with
	// exactly the desired inbound rules (or the given groups exist).
	ConditionSecurityGroupReady = "SecurityGroupReady"
	// ConditionEndpointAvailable: the interface endpoint is available and
	// matches the spec (subnets, groups, DNS).
	ConditionEndpointAvailable = "EndpointAvailable"
	// ConditionPolicyApplied: the endpoint policy document is the merge of
	// the accepted GatewayAccessPolicies that fit EC2's limit (deny-all when
	// none does), or the whenNoPolicies document when none is accepted.
	ConditionPolicyApplied = "PolicyApplied"
	// ConditionReconciling (kstatus, on both kinds): work is under way.
	ConditionReconciling = "Reconciling"
	// ConditionStalled (kstatus, on both kinds): progress needs a human.
	// Never True together with Reconciling.
	ConditionStalled = "Stalled"
)

// Condition types of a GatewayAccessPolicy.
const (
	// ConditionAccepted: the policy is valid, its endpoint exists and admits
	// the policy's namespace, and every gateway it names is within the
	// endpoint's access.allowedGateways.
	ConditionAccepted = "Accepted"
	// ConditionApplied: the policy's statement is in the endpoint's document.
	ConditionApplied = "Applied"
)

// ConditionReady is on both kinds: for a GatewayEndpoint every other
// condition holds; for a GatewayAccessPolicy it is applied and the gateway's
// policy cache has had time to pick it up.
const ConditionReady = "Ready"

// Condition reasons.
const (
	ReasonReconciling    = "Reconciling"
	ReasonReady          = "Ready"
	ReasonNotReady       = "NotReady"
	ReasonCreating       = "Creating"
	ReasonDeleting       = "Deleting"
	ReasonPending        = "Pending"
	ReasonAvailable      = "Available"
	ReasonEndpointFailed = "EndpointFailed"
	ReasonRulesInSync    = "RulesInSync"
	ReasonExistingGroups = "ExistingGroups"
	// ReasonReleasingManagedGroup: switched to existing groups; the group
	// the operator made is deleted once the endpoint no longer holds it.
	ReasonReleasingManagedGroup = "ReleasingManagedGroup"
	ReasonSecurityGroupError    = "SecurityGroupError"
	// ReasonSecurityGroupNameTaken: the managed group's name is taken in the
	// VPC by a group that is not this object's.
	ReasonSecurityGroupNameTaken = "SecurityGroupNameTaken"
	// ReasonVPCDNSDisabled: private DNS needs the VPC's enableDnsSupport and
	// enableDnsHostnames, and one of them is off.
	ReasonVPCDNSDisabled = "VPCDNSDisabled"
	// ReasonPrivateDNSConflict: another endpoint of the service in the VPC
	// has private DNS, or a private hosted zone of the same name exists.
	ReasonPrivateDNSConflict = "PrivateDNSConflict"
	// ReasonNotConverging: the same change was written several times and
	// EC2 still reports the old value; the operator stops writing it.
	ReasonNotConverging = "NotConverging"
	// ReasonSecurityGroupInUse: the managed group cannot be deleted because
	// another group's rules refer to it.
	ReasonSecurityGroupInUse = "SecurityGroupInUse"
	ReasonInvalidSpec        = "InvalidSpec"
	ReasonAccessDenied       = "AccessDenied"
	ReasonAWSError           = "AWSError"
	ReasonThrottled          = "Throttled"
	ReasonEndpointNotFound   = "EndpointNotFound"
	// ReasonAdoptionRefused: spec.adoptEndpointID names an endpoint that
	// does not exist, is of another VPC or service, lacks this cluster's
	// tag, belongs to another cluster or object, or is claimed by an older
	// GatewayEndpoint. Its tags are never changed.
	ReasonAdoptionRefused = "AdoptionRefused"
	// ReasonNotOwned: the endpoint recorded in status carries ownership tags
	// that are not this object's (status can be written by others), and the
	// object has no endpoint of its own; nothing is changed on it.
	ReasonNotOwned           = "NotOwned"
	ReasonWaitingForEndpoint = "WaitingForEndpoint"
	ReasonPolicyInSync       = "PolicyInSync"
	ReasonPolicyTooLarge     = "PolicyTooLarge"
	// ReasonPolicyWriteQueued: a change to the endpoint policy waits for the
	// endpoint's write pacing (--policy-write-interval); the document last
	// written stays in force until then.
	ReasonPolicyWriteQueued  = "PolicyWriteQueued"
	ReasonNoPoliciesDenyAll  = "NoPoliciesDenyAll"
	ReasonNoPoliciesAllowAll = "NoPoliciesAllowAll"

	ReasonAccepted            = "Accepted"
	ReasonEndpointMissing     = "EndpointMissing"
	ReasonNamespaceNotAllowed = "NamespaceNotAllowed"
	ReasonRegionMismatch      = "RegionMismatch"
	// ReasonGatewayNotAllowed: the policy names a gateway of an account, or
	// a gateway/* wildcard, that the endpoint's access.allowedGateways does
	// not allow.
	ReasonGatewayNotAllowed = "GatewayNotAllowed"
	// ReasonGatewayRefsUnsupported: the policy has spec.gatewayRefs but the
	// cluster has no bedrockagentcorecontrol.services.k8s.aws Gateway kind
	// (AWS Controllers for Kubernetes is not installed); the operator looks
	// for it again every minute.
	ReasonGatewayRefsUnsupported = "GatewayRefsUnsupported"
	// ReasonWaitingForGatewayARN: a Gateway named in spec.gatewayRefs does
	// not exist yet, or has no status.ackResourceMetadata.arn yet; nothing
	// of the policy is merged until every reference has its ARN.
	ReasonWaitingForGatewayARN = "WaitingForGatewayARN"
	// ReasonConfigMapNameTaken (on Stalled): a ConfigMap named
	// <policy>-gateways exists that this policy does not own; the operator
	// leaves it alone and writes no connection details until it is gone.
	ReasonConfigMapNameTaken = "ConfigMapNameTaken"
	// ReasonEndpointStalled (on Stalled): the policy is accepted but its
	// GatewayEndpoint is Stalled before writing it; the endpoint's own
	// Stalled condition says what to fix.
	ReasonEndpointStalled     = "EndpointStalled"
	ReasonApplied             = "Applied"
	ReasonAwaitingPropagation = "AwaitingPropagation"
	ReasonEffective           = "Effective"
	ReasonNotAccepted         = "NotAccepted"
)

// ConditionVerified (GatewayAccessPolicy, with spec.verify): every gateway
// in spec.verify answered MCP tools/list through the endpoint, probed from
// the operator's pod. False names the first gateway that did not, Unknown
// means it could not be measured from there.
const ConditionVerified = "Verified"

// Reasons of the Verified condition; each but VerificationPending is also
// a per-gateway result in status.verification.gateways.
const (
	// ReasonReachable: tools/list through the endpoint succeeded.
	ReasonReachable = "Reachable"
	// ReasonDeniedByEndpointPolicy: refused (-32002 or 403) and the gateway
	// is not in the endpoint's policy document as EC2 reports it.
	ReasonDeniedByEndpointPolicy = "DeniedByEndpointPolicy"
	// ReasonDeniedByGateway: refused although the endpoint's document admits
	// the gateway and its grant has propagated: the gateway's own
	// authorization or resource policy.
	ReasonDeniedByGateway = "DeniedByGateway"
	// ReasonUnauthorized: the gateway answered 401 to the token.
	ReasonUnauthorized = "Unauthorized"
	// ReasonUnreachable: no connection to the endpoint's interface on 443
	// (timeout or refused): its security group must admit the operator.
	ReasonUnreachable = "Unreachable"
	// ReasonPrivateDNSNotInEffect: the gateway's name does not resolve to the
	// endpoint's interfaces; nothing was sent.
	ReasonPrivateDNSNotInEffect = "PrivateDNSNotInEffect"
	// ReasonNotVerifiable: the operator does not probe this gateway or
	// endpoint (gateway/*, SigV4, outside the allow-list or the operator's
	// VPC, a policy that is not accepted).
	ReasonNotVerifiable = "NotVerifiable"
	// ReasonEndpointNotAvailable: EC2 reports no available endpoint for the
	// GatewayEndpoint yet.
	ReasonEndpointNotAvailable = "EndpointNotAvailable"
	// ReasonTokenSecretForbidden: the operator may not read the token's
	// Secret; the message names the Role and RoleBinding to create.
	ReasonTokenSecretForbidden = "TokenSecretForbidden"
	// ReasonTokenSecretNotFound: the Secret or its key does not exist, or
	// the value is empty.
	ReasonTokenSecretNotFound = "TokenSecretNotFound"
	// ReasonProbeFailed: any other answer (TLS failure, redirect, 404, 5xx,
	// not MCP); the message quotes it.
	ReasonProbeFailed = "ProbeFailed"
	// ReasonVerificationPending: a gateway of spec.verify has no result yet.
	ReasonVerificationPending = "VerificationPending"
)
