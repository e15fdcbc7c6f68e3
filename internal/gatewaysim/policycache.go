package gatewaysim

import (
	"sync"
	"time"
)

// policyCache keeps each endpoint's policy document for ttl after it was read, so that a
// policy change reaches the gateway only when the entry expires: "a policy change is not
// effective until then" (AWS_FACTS.md, "The service": the gateway caches access policies
// for up to 15 minutes). The entry is per endpoint, not per gateway: once read, the
// document decides every gateway's requests through that endpoint until it expires.
//
// How AgentCore keys and refreshes its cache is not documented; a document read at the
// first request and kept for a fixed time makes "up to" the worst case a test can reach.
type policyCache struct {
	source PolicySource
	ttl    time.Duration
	clock  func() time.Time

	mu      sync.Mutex
	entries map[string]cachedPolicy
}

type cachedPolicy struct {
	document string
	readAt   time.Time
}

func newPolicyCache(source PolicySource, ttl time.Duration, clock func() time.Time) *policyCache {
	return &policyCache{source: source, ttl: ttl, clock: clock, entries: map[string]cachedPolicy{}}
}

// policy returns the endpoint's document as the gateway currently sees it. A failed read is
// not cached: the next request tries again.
func (c *policyCache) policy(endpointID string) (string, error) {
	now := c.clock()
	c.mu.Lock()
	e, ok := c.entries[endpointID]
	c.mu.Unlock()
	if ok && now.Before(e.readAt.Add(c.ttl)) {
		return e.document, nil
	}
	document, err := c.source.EndpointPolicy(endpointID)
	if err != nil {
		return "", err
	}
	if c.ttl > 0 {
		c.mu.Lock()
		c.entries[endpointID] = cachedPolicy{document: document, readAt: now}
		c.mu.Unlock()
	}
	return document, nil
}

// forget drops an endpoint's entry, as its deletion does.
func (c *policyCache) forget(endpointID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.entries, endpointID)
}
