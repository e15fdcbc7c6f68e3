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
	// ConditionReconciling (kstatus): work is under way.
	ConditionReconciling = "Reconciling"
	// ConditionStalled (kstatus): progress needs a human.
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
	ReasonGatewayNotAllowed   = "GatewayNotAllowed"
	ReasonApplied             = "Applied"
	ReasonAwaitingPropagation = "AwaitingPropagation"
	ReasonEffective           = "Effective"
	ReasonNotAccepted         = "NotAccepted"
)
