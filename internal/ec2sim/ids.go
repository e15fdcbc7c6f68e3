package ec2sim

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
)

const (
	hexDigits   = "0123456789abcdef"
	lowerAlnum  = "abcdefghijklmnopqrstuvwxyz0123456789"
	upperAlnum  = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	idHexLength = 17
)

// Streams of the seeded generator: resource IDs, request IDs and fault rolls draw from
// separate streams so that Describe traffic or faults never shift the IDs a test sees.
const (
	streamResources uint64 = iota + 1
	streamRequestIDs
	streamFaults
)

func newRand(seed, stream uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, stream))
}

func randomString(r *rand.Rand, alphabet string, n int) string {
	var b strings.Builder
	b.Grow(n)
	for range n {
		b.WriteByte(alphabet[r.IntN(len(alphabet))])
	}
	return b.String()
}

// newID returns an EC2 long-format ID such as vpce-0a1b2c3d4e5f60718. Callers hold s.mu.
func (s *Simulator) newID(prefix string) string {
	return prefix + "-0" + randomString(s.rng, hexDigits, idHexLength-1)
}

// nextSeq orders resources by creation, which is the order Describe lists them in and what
// pagination tokens point into. Callers hold s.mu.
func (s *Simulator) nextSeq() uint64 {
	s.seq++
	return s.seq
}

// requestIDSource hands out the UUID-shaped request IDs EC2 puts in every response.
type requestIDSource struct {
	mu  sync.Mutex
	rng *rand.Rand
}

func (r *requestIDSource) next() string {
	r.mu.Lock()
	hi, lo := r.rng.Uint64(), r.rng.Uint64()
	r.mu.Unlock()
	return fmt.Sprintf("%08x-%04x-%04x-%04x-%012x",
		hi>>32, (hi>>16)&0xffff, hi&0xffff, lo>>48, lo&0xffffffffffff)
}

// idKind is one family of EC2 IDs with the error codes EC2 uses for them.
type idKind struct {
	prefix    string
	notFound  string
	malformed string
	// message is the not-found message, with %s for the ID.
	message string
}

var (
	kindVPC       = idKind{"vpc", "InvalidVpcID.NotFound", "InvalidVpcID.Malformed", "The vpc ID '%s' does not exist"}
	kindSubnet    = idKind{"subnet", "InvalidSubnetID.NotFound", "InvalidSubnetID.Malformed", "The subnet ID '%s' does not exist"}
	kindGroup     = idKind{"sg", "InvalidGroup.NotFound", "InvalidGroupId.Malformed", "The security group '%s' does not exist"}
	kindEndpoint  = idKind{"vpce", "InvalidVpcEndpointId.NotFound", "InvalidVpcEndpointId.Malformed", "The Vpc Endpoint Id '%s' does not exist"}
	kindInterface = idKind{"eni", "InvalidNetworkInterfaceID.NotFound", "InvalidNetworkInterfaceID.Malformed", "The networkInterface ID '%s' does not exist"}
	kindRule      = idKind{"sgr", "InvalidSecurityGroupRuleId.NotFound", "InvalidSecurityGroupRuleId.Malformed", "The security group rule ID '%s' does not exist"}
)

// wellFormed accepts EC2's short (8 hex digits) and long (17 hex digits) ID formats.
func (k idKind) wellFormed(id string) bool {
	rest, ok := strings.CutPrefix(id, k.prefix+"-")
	if !ok || (len(rest) != 8 && len(rest) != idHexLength) {
		return false
	}
	return strings.Trim(rest, hexDigits) == ""
}

func (k idKind) malformedError(id string) *apiError {
	return clientError(k.malformed, "Invalid id: \"%s\" (expecting \"%s-...\")", id, k.prefix)
}

func (k idKind) notFoundError(id string) *apiError {
	return clientError(k.notFound, k.message, id)
}

// check answers the error EC2 gives for an ID that is malformed, or that names nothing.
func (k idKind) check(id string, exists bool) *apiError {
	if !k.wellFormed(id) {
		return k.malformedError(id)
	}
	if !exists {
		return k.notFoundError(id)
	}
	return nil
}
