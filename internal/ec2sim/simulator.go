package ec2sim

import (
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

const (
	defaultRegion        = "us-east-1"
	defaultAccountID     = "123456789012"
	defaultPendingDelay  = 60 * time.Second
	defaultDeletingDelay = 30 * time.Second
	// defaultInterfaceLinger stands in for a duration AWS does not document: how long an
	// endpoint's network interfaces outlive it (AWS_FACTS.md: DeleteSecurityGroup answers
	// DependencyViolation "until they are gone"). Two minutes is long enough that a client
	// deleting the endpoint's group as soon as the endpoint reads deleted meets
	// DependencyViolation on several retries, as on AWS, and short enough for the local demo.
	defaultInterfaceLinger = 2 * time.Minute
)

// Options configures a Simulator. The zero value simulates us-east-1 with AWS's timings,
// AWS's throttling and every AWS behaviour the simulator knows switched on.
type Options struct {
	// Region is the region the simulator answers for. Default "us-east-1".
	Region string
	// AccountID owns every resource. Default "123456789012".
	AccountID string
	// Seed makes IDs, DNS names and private IPs repeat from run to run; 0 means 1.
	Seed uint64
	// PendingDelay is how long a new interface endpoint stays pending before it is
	// available, and how long a ModifyVpcEndpoint that re-provisions it (see ReprovisionOn)
	// keeps it pending again: 0 means 60s, negative means at once.
	PendingDelay time.Duration
	// DeletingDelay is how long a deleted endpoint stays deleting before it is deleted: 0
	// means 30s, negative means at once.
	DeletingDelay time.Duration
	// DeletedRetention is how long an endpoint is still listed in state deleted before it
	// is gone: 0 means as long as DeletingDelay, negative means not at all.
	DeletedRetention time.Duration
	// InterfaceLinger is how long an endpoint's network interfaces (and the addresses and
	// security groups they hold) outlive the endpoint once it is deleted. AWS documents no
	// duration: 0 means 2 minutes, negative means they go with the endpoint.
	InterfaceLinger time.Duration
	// RepeatedModify is ModifyVpcEndpoint's answer to adding a subnet or security group the
	// endpoint already has, or removing one it no longer has, as a retried call does when
	// its first attempt took effect. AWS does not document it: RepeatedModifySucceed (the
	// default, "") or RepeatedModifyInvalidParameter.
	RepeatedModify string
	// ReprovisionOn lists the ModifyVpcEndpoint changes that send an endpoint back to
	// pending (Reprovision* constants). AWS does not document which changes do; nil means
	// subnets, IP address type and private DNS (AWS_FACTS.md), an empty non-nil slice none.
	ReprovisionOn []string
	// ServiceZones are the names of the Availability Zones the gateway endpoint service is
	// offered in, as DescribeVpcEndpointServices lists them; endpoint subnets elsewhere are
	// refused. nil means all six of the region's zones; names of other zones are ignored.
	ServiceZones []string
	// ServiceIPAddressTypes are the IP address types the service supports ("ipv4",
	// "ipv6"), as DescribeVpcEndpointServices lists them. nil means both.
	ServiceIPAddressTypes []string
	// HostedZoneConflict is the error for turning on private DNS in a VPC that has a
	// customer private hosted zone of the service's name (see AddPrivateHostedZone). EC2
	// does not document it: HostedZoneConflictDomainExists (the default, "") or
	// HostedZoneConflictInvalidParameter.
	HostedZoneConflict string
	// Throttle configures AWS's token buckets; the zero value turns them on.
	Throttle ThrottleConfig
	// Clock is the time the simulator lives in. Endpoint states, eventual consistency and
	// token-bucket refills all follow it, so a stopped test clock also stops refills.
	// Default time.Now.
	Clock func() time.Time
	// IAM, when set, authorizes every call against an identity-based policy (see SetIAM).
	IAM *IAMConfig
	// IgnoreModify names ModifyVpcEndpoint parameters ("PrivateDnsEnabled",
	// "IpAddressType", "AddSubnetId", ...) that are accepted and never applied: the call
	// succeeds as if they had not been sent. Fault injection that emulates an EC2-compatible
	// API that is not AWS (see compat.go); AWS applies what it accepts. nil: none.
	IgnoreModify []string
	// OmitFields names fields DescribeVpcEndpoints leaves out of its answers
	// (FieldIPAddressType, FieldPrivateDNSEnabled). Fault injection that emulates an
	// EC2-compatible API that is not AWS (see compat.go); AWS sends them. nil: none.
	OmitFields []string
}

// Simulator is an in-memory EC2 account in one region that serves EC2's Query protocol.
// It is safe for concurrent use; all methods may be called while it serves requests.
type Simulator struct {
	region                string
	accountID             string
	pendingDelay          time.Duration
	deletingDelay         time.Duration
	deletedRetention      time.Duration
	interfaceLinger       time.Duration
	repeatedModify        string
	reprovisionOn         []string
	hostedZoneConflict    string
	ignoreModify          []string
	omitFields            []string
	clock                 func() time.Time
	zones                 []availabilityZone
	serviceZones          []availabilityZone
	serviceIPAddressTypes []string
	service               endpointService

	throttle   *throttler
	faults     *faultInjector
	iam        atomic.Pointer[iamAuthorizer]
	calls      *callCounter
	requestIDs *requestIDSource

	// mu guards everything below. Handlers do their work under it and encode the
	// response after releasing it.
	mu  sync.Mutex
	rng *rand.Rand
	seq uint64
	// consistencyLag is how long changes made from now on take to reach reads (see
	// SetEventualConsistency).
	consistencyLag time.Duration
	vpcs           map[string]*vpc
	subnets        map[string]*subnet
	groups         map[string]*securityGroup
	rules          map[string]*securityGroupRule
	endpoints      map[string]*vpcEndpoint
	interfaces     map[string]*networkInterface
	clientTokens   map[string]clientTokenUse
	prefixLists    map[string]string
	// hostedZones are the customer private hosted zones associated with each VPC, by name.
	hostedZones map[string][]string
	// peerings holds both orders of every peered pair of VPCs.
	peerings map[[2]string]bool
}

// New returns a simulator with no resources; see SeedVPC to add a network to work in.
// Settings outside the values Options documents fall back to their defaults; see
// Options.Validate.
func New(opts Options) *Simulator {
	if opts.Region == "" {
		opts.Region = defaultRegion
	}
	if opts.AccountID == "" {
		opts.AccountID = defaultAccountID
	}
	if opts.Seed == 0 {
		opts.Seed = 1
	}
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	pending := resolveDelay(opts.PendingDelay, defaultPendingDelay)
	deleting := resolveDelay(opts.DeletingDelay, defaultDeletingDelay)
	zones := regionZones(opts.Region)
	s := &Simulator{
		region:                opts.Region,
		accountID:             opts.AccountID,
		pendingDelay:          pending,
		deletingDelay:         deleting,
		deletedRetention:      resolveDelay(opts.DeletedRetention, deleting),
		interfaceLinger:       resolveDelay(opts.InterfaceLinger, defaultInterfaceLinger),
		repeatedModify:        opts.RepeatedModify,
		reprovisionOn:         reprovisioningChanges(opts.ReprovisionOn),
		hostedZoneConflict:    opts.HostedZoneConflict,
		ignoreModify:          slices.Clone(opts.IgnoreModify),
		omitFields:            slices.Clone(opts.OmitFields),
		clock:                 opts.Clock,
		zones:                 zones,
		serviceZones:          offeredZones(zones, opts.ServiceZones),
		serviceIPAddressTypes: serviceIPAddressTypes(opts.ServiceIPAddressTypes),
		service:               gatewayService(opts.Region),
		throttle:              newThrottler(opts.Throttle),
		faults:                &faultInjector{byAction: map[string]Fault{}, rng: newRand(opts.Seed, streamFaults)},
		calls:                 &callCounter{counts: map[string]map[string]int{}},
		requestIDs:            &requestIDSource{rng: newRand(opts.Seed, streamRequestIDs)},
		rng:                   newRand(opts.Seed, streamResources),
		vpcs:                  map[string]*vpc{},
		subnets:               map[string]*subnet{},
		groups:                map[string]*securityGroup{},
		rules:                 map[string]*securityGroupRule{},
		endpoints:             map[string]*vpcEndpoint{},
		interfaces:            map[string]*networkInterface{},
		clientTokens:          map[string]clientTokenUse{},
		prefixLists:           map[string]string{},
		hostedZones:           map[string][]string{},
		peerings:              map[[2]string]bool{},
	}
	s.mustSetIAM(opts.IAM)
	return s
}

func resolveDelay(d, whenZero time.Duration) time.Duration {
	switch {
	case d == 0:
		return whenZero
	case d < 0:
		return 0
	default:
		return d
	}
}

// actionHandler serves one EC2 action. It runs with s.mu held, after settle(now).
type actionHandler func(s *Simulator, q query, now time.Time) (response, *apiError)

var actions = map[string]actionHandler{
	"CreateVpc":                     (*Simulator).createVpc,
	"DescribeVpcs":                  (*Simulator).describeVpcs,
	"DescribeVpcAttribute":          (*Simulator).describeVpcAttribute,
	"ModifyVpcAttribute":            (*Simulator).modifyVpcAttribute,
	"CreateSubnet":                  (*Simulator).createSubnet,
	"DescribeSubnets":               (*Simulator).describeSubnets,
	"CreateSecurityGroup":           (*Simulator).createSecurityGroup,
	"DescribeSecurityGroups":        (*Simulator).describeSecurityGroups,
	"DeleteSecurityGroup":           (*Simulator).deleteSecurityGroup,
	"AuthorizeSecurityGroupIngress": (*Simulator).authorizeSecurityGroupIngress,
	"RevokeSecurityGroupIngress":    (*Simulator).revokeSecurityGroupIngress,
	"DescribeSecurityGroupRules":    (*Simulator).describeSecurityGroupRules,
	"CreateVpcEndpoint":             (*Simulator).createVpcEndpoint,
	"DescribeVpcEndpoints":          (*Simulator).describeVpcEndpoints,
	"ModifyVpcEndpoint":             (*Simulator).modifyVpcEndpoint,
	"DeleteVpcEndpoints":            (*Simulator).deleteVpcEndpoints,
	"DescribeVpcEndpointServices":   (*Simulator).describeVpcEndpointServices,
	"DescribeNetworkInterfaces":     (*Simulator).describeNetworkInterfaces,
	"CreateTags":                    (*Simulator).createTags,
	"DeleteTags":                    (*Simulator).deleteTags,
}
