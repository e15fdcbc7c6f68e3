package controllers

import (
	"testing"
	"time"
)

func TestTheWriteGuardStopsAChangeThatNeverTakesEffect(t *testing.T) {
	const lag = 200 * time.Millisecond
	g := newWriteGuard()
	start := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	now := start
	for i := 1; i <= maxRepeatedWrites; i++ {
		if v := g.check("u", "IP address type ipv4", now, lag); v.stuck || v.wait != 0 {
			t.Fatalf("write %d: %+v, want to write", i, v)
		}
		g.wrote("u", "IP address type ipv4", now)
		if v := g.check("u", "IP address type ipv4", now.Add(lag/2), lag); v.wait != lag/2 {
			t.Fatalf("a read within the consistency lag must not count: %+v", v)
		}
		now = now.Add(lag)
	}
	if v := g.check("u", "IP address type ipv4", now, lag); !v.stuck || v.times != maxRepeatedWrites {
		t.Fatalf("after %d writes to no effect: %+v, want stuck", maxRepeatedWrites, v)
	}
	if v := g.check("u", "add subnets subnet-1", now, lag); v.stuck {
		t.Fatalf("another change is judged on its own: %+v", v)
	}
	if v := g.check("other", "IP address type ipv4", now, lag); v.stuck {
		t.Fatalf("another object is judged on its own: %+v", v)
	}
	g.converged("u")
	if v := g.check("u", "IP address type ipv4", now, lag); v.stuck {
		t.Fatalf("a converged object starts afresh: %+v", v)
	}
}
