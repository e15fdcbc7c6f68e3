package controllers

import (
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/types"
)

// lostEndpoints remembers since when EC2 has not listed the endpoint a
// GatewayEndpoint's status records. It lives in memory: after a restart the
// wait starts again, which errs on the side of never creating a duplicate.
type lostEndpoints struct {
	mu    sync.Mutex
	first map[types.UID]lostEndpoint
}

type lostEndpoint struct {
	id    string
	since time.Time
}

// since returns when endpoint id of object uid was first missed, recording
// now if this is the first time.
func (l *lostEndpoints) since(uid types.UID, id string, now time.Time) time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.first == nil {
		l.first = map[types.UID]lostEndpoint{}
	}
	if e, ok := l.first[uid]; ok && e.id == id {
		return e.since
	}
	l.first[uid] = lostEndpoint{id: id, since: now}
	return now
}

// forget drops what is remembered of uid: its endpoint was seen again, or
// the object is gone.
func (l *lostEndpoints) forget(uid types.UID) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.first, uid)
}
