package aws

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// waitObserved is RateLimitWait's sample count and sum for a class and
// result.
func waitObserved(t *testing.T, class, result string) (count uint64, sum float64) {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(RateLimitWait)
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		for _, m := range f.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["class"] == class && labels["result"] == result {
				return m.GetHistogram().GetSampleCount(), m.GetHistogram().GetSampleSum()
			}
		}
	}
	return 0, 0
}

// observation is what RateLimitWait gained for a class and result while
// a test did something.
type observation struct {
	count uint64
	sum   float64
}

func observeDelta(t *testing.T, class, result string, do func()) observation {
	t.Helper()
	c0, s0 := waitObserved(t, class, result)
	do()
	c1, s1 := waitObserved(t, class, result)
	return observation{count: c1 - c0, sum: s1 - s0}
}

// DeleteVpcEndpoints has EC2's smallest bucket: 4 at once, then one token
// every 1/(0.3*0.9) = 3.7 s at the client's margin.
const deleteRefill = time.Second * 1000 / 270

func TestEveryTokenWaitIsObservedIncludingTheZeroOnes(t *testing.T) {
	l := newRequestLimiter(1, time.Hour)
	var asked []time.Duration
	l.after = func(d time.Duration) <-chan time.Time {
		asked = append(asked, d)
		done := make(chan time.Time, 1)
		done <- time.Time{}
		return done
	}
	ctx := context.Background()

	burst := observeDelta(t, "DeleteVpcEndpoints", "OK", func() {
		for range 4 {
			if err := l.wait(ctx, "DeleteVpcEndpoints"); err != nil {
				t.Fatal(err)
			}
		}
	})
	if burst.count != 4 || burst.sum != 0 || len(asked) != 0 {
		t.Fatalf("the burst's four calls: observed %d waits totalling %vs (timers %v), want 4 waits of 0s and no timer", burst.count, burst.sum, asked)
	}

	fifth := observeDelta(t, "DeleteVpcEndpoints", "OK", func() {
		if err := l.wait(ctx, "DeleteVpcEndpoints"); err != nil {
			t.Fatal(err)
		}
	})
	if len(asked) != 1 || fifth.count != 1 || math.Abs(fifth.sum-asked[0].Seconds()) > 1e-6 {
		t.Fatalf("fifth call: observed %d waits totalling %vs, timers %v; want one wait as long as its timer", fifth.count, fifth.sum, asked)
	}
	if asked[0] < deleteRefill-100*time.Millisecond || asked[0] > deleteRefill {
		t.Fatalf("fifth call waited %v, want about %v (one refill)", asked[0], deleteRefill)
	}

	others := observeDelta(t, "NonMutating", "OK", func() {
		if err := l.wait(ctx, "DescribeVpcEndpoints"); err != nil {
			t.Fatal(err)
		}
	})
	if others.count != 1 || others.sum != 0 {
		t.Fatalf("a Describe after the delete bucket ran dry: observed %+v in class NonMutating, want one wait of 0s", others)
	}
}

func TestAWaitTheCallerAbandonsIsObservedAsCanceledAndGivesItsTokenBack(t *testing.T) {
	l := newRequestLimiter(1, time.Hour)
	never := make(chan time.Time)
	var asked []time.Duration
	l.after = func(d time.Duration) <-chan time.Time {
		asked = append(asked, d)
		return never
	}
	for range 4 {
		if err := l.wait(context.Background(), "ModifyVpcEndpoint"); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	canceled := observeDelta(t, "ModifyVpcEndpoint", "Canceled", func() {
		if err := l.wait(ctx, "ModifyVpcEndpoint"); !errors.Is(err, context.Canceled) {
			t.Fatalf("got %v, want context.Canceled", err)
		}
	})
	if canceled.count != 1 || canceled.sum > 1 {
		t.Fatalf("observed %+v as Canceled, want one wait of about 0s (the caller had already given up)", canceled)
	}

	// The abandoned reservation was returned: the next caller waits one
	// refill, not two.
	l.after = func(d time.Duration) <-chan time.Time {
		asked = append(asked, d)
		done := make(chan time.Time, 1)
		done <- time.Time{}
		return done
	}
	if err := l.wait(context.Background(), "ModifyVpcEndpoint"); err != nil {
		t.Fatal(err)
	}
	if len(asked) != 2 || asked[1] > deleteRefill {
		t.Fatalf("timers %v: the call after the abandoned one should wait at most one refill (%v)", asked, deleteRefill)
	}
}

func TestATokenBeyondMaxClientWaitIsRefusedAtOnceAndObservedAsClientThrottled(t *testing.T) {
	l := newRequestLimiter(1, time.Second)
	l.after = func(d time.Duration) <-chan time.Time {
		t.Fatalf("the limiter set a %v timer; a token more than MaxClientWait away must not be waited for", d)
		return nil
	}
	for range 4 {
		if err := l.wait(context.Background(), "CreateVpcEndpoint"); err != nil {
			t.Fatal(err)
		}
	}
	var err error
	refused := observeDelta(t, "CreateVpcEndpoint", CodeClientThrottled, func() {
		err = l.wait(context.Background(), "CreateVpcEndpoint")
	})
	var ct *ClientThrottledError
	if !errors.As(err, &ct) || ct.RetryAfter <= time.Second {
		t.Fatalf("got %v, want a ClientThrottledError asking to come back after more than MaxClientWait", err)
	}
	if refused.count != 1 || refused.sum != 0 {
		t.Fatalf("observed %+v as ClientThrottled, want one wait of 0s: the call did not wait", refused)
	}
	if got := callCode(err); got != CodeClientThrottled {
		t.Fatalf("the refusal is counted in APICalls with code %q, want %q", got, CodeClientThrottled)
	}
}

func TestATimeScaleRefillsFasterButKeepsTheBurst(t *testing.T) {
	for _, tc := range []struct {
		timeScale float64
		// the fifth CreateVpcEndpoint: one refill of 0.3*0.9 per second,
		// scaled
		wantWait float64
	}{
		{timeScale: 1, wantWait: 1 / (0.3 * refillMargin)},
		{timeScale: 10, wantWait: 1 / (3 * refillMargin)},
	} {
		l := newRequestLimiter(1, time.Hour)
		l.timeScale = tc.timeScale
		var asked []time.Duration
		l.after = func(d time.Duration) <-chan time.Time {
			asked = append(asked, d)
			done := make(chan time.Time, 1)
			done <- time.Time{}
			return done
		}
		for range 5 {
			if err := l.wait(context.Background(), "CreateVpcEndpoint"); err != nil {
				t.Fatal(err)
			}
		}
		// The burst of 4 is not scaled: only the fifth call waits, one
		// refill.
		if len(asked) != 1 || asked[0].Seconds() < tc.wantWait*0.9 || asked[0].Seconds() > tc.wantWait {
			t.Errorf("time scale %g: waits %v, want one of about %.2fs", tc.timeScale, asked, tc.wantWait)
		}
	}
}
