package ec2sim

import (
	"math/rand/v2"
	"sync"
	"time"
)

const (
	defaultRegion        = "us-east-1"
	defaultAccountID     = "123456789012"
	defaultPendingDelay  = 60 * time.Second
	defaultDeletingDelay = 30 * time.Second
)

// Options configures a Simulator. The zero value simulates us-east-1 with AWS's timings and
// AWS's throttling.
type Options struct {
	// Region is the region the simulator answers for. Default "us-east-1".
	Region string
	// AccountID owns every resource. Default "123456789012".
	AccountID string
	// Seed makes IDs, DNS names and private IPs repeat from run to run; 0 means 1.
	Seed uint64
	// PendingDelay is how long a new interface endpoint stays pending before it is
	// available: 0 means 60s, negative means at once.
	PendingDelay time.Duration
	// DeletingDelay is how long a deleted endpoint stays deleting before it is deleted and
	// its network interfaces are released: 0 means 30s, negative means at once.
	DeletingDelay time.Duration
	// DeletedRetention is how long an endpoint is still listed in state deleted before it
	// is gone: 0 means as long as DeletingDelay, negative means not at all.
	DeletedRetention time.Duration
	// Throttle configures AWS's token buckets; the zero value turns them on.
	Throttle ThrottleConfig
	// Clock is the time the simulator lives in. Endpoint states, eventual consistency and
	// token-bucket refills all follow it, so a stopped test clock also stops refills.
	// Default time.Now.
	Clock func() time.Time
}

// Simulator is an in-memory EC2 account in one region that serves EC2's Query protocol.
// It is safe for concurrent use; all methods may be called while it serves requests.
type Simulator struct {
	region           string
	accountID        string
	pendingDelay     time.Duration
	deletingDelay    time.Duration
	deletedRetention time.Duration
	clock            func() time.Time
	zones            []availabilityZone
	service          endpointService

	throttle   *throttler
	faults     *faultInjector
	calls      *callCounter
	requestIDs *requestIDSource

	// mu guards everything below. Handlers do their work under it and encode the
	// response after releasing it.
	mu                  sync.Mutex
	rng                 *rand.Rand
	seq                 uint64
	eventualConsistency time.Duration
	// consistencySince: only what is created from then on is hidden.
	consistencySince time.Time
	vpcs             map[string]*vpc
	subnets          map[string]*subnet
	groups           map[string]*securityGroup
	rules            map[string]*securityGroupRule
	endpoints        map[string]*vpcEndpoint
	interfaces       map[string]*networkInterface
	clientTokens     map[string]clientTokenUse
}

// New returns a simulator with no resources; see SeedVPC to add a network to work in.
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
	s := &Simulator{
		region:           opts.Region,
		accountID:        opts.AccountID,
		pendingDelay:     pending,
		deletingDelay:    deleting,
		deletedRetention: resolveDelay(opts.DeletedRetention, deleting),
		clock:            opts.Clock,
		zones:            regionZones(opts.Region),
		service:          gatewayService(opts.Region),
		throttle:         newThrottler(opts.Throttle),
		faults:           &faultInjector{byAction: map[string]Fault{}, rng: newRand(opts.Seed, streamFaults)},
		calls:            &callCounter{counts: map[string]map[string]int{}},
		requestIDs:       &requestIDSource{rng: newRand(opts.Seed, streamRequestIDs)},
		rng:              newRand(opts.Seed, streamResources),
		vpcs:             map[string]*vpc{},
		subnets:          map[string]*subnet{},
		groups:           map[string]*securityGroup{},
		rules:            map[string]*securityGroupRule{},
		endpoints:        map[string]*vpcEndpoint{},
		interfaces:       map[string]*networkInterface{},
		clientTokens:     map[string]clientTokenUse{},
	}
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

// SetEventualConsistency makes security groups and endpoints created from now on invisible
// to Describe calls for d after their creation, as EC2 sometimes is: described by ID they
// answer NotFound, and lists leave them out. What existed before stays visible. Zero turns
// it off.
func (s *Simulator) SetEventualConsistency(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.eventualConsistency = d
	s.consistencySince = s.clock()
}

// visible reports whether a resource created at createdAt has propagated. Callers hold s.mu.
func (s *Simulator) visible(createdAt, now time.Time) bool {
	return createdAt.Before(s.consistencySince) || !now.Before(createdAt.Add(s.eventualConsistency))
}
