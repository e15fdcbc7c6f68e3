package main

import (
	"strings"
	"testing"
	"time"
)

func TestFlagsThatWouldMisleadAreRefusedWithTheReason(t *testing.T) {
	cases := []struct {
		name                    string
		propagation, syn, write time.Duration
		concurrent              int
		want                    []string
	}{
		{"the defaults are accepted", 15 * time.Minute, 10 * time.Minute, 30 * time.Second, 4, nil},
		{"a shorter propagation delay is the user's call", time.Minute, time.Minute, time.Second, 1, nil},
		{"no propagation delay would report Ready too early", 0, 10 * time.Minute, 30 * time.Second, 4, []string{"--policy-propagation-delay=0s: must be positive"}},
		{"a zero sync period never looks for drift", 15 * time.Minute, 0, 30 * time.Second, 4, []string{"--sync-period=0s"}},
		{"no policy write pacing would let one team spend the account's budget", 15 * time.Minute, 10 * time.Minute, 0, 4, []string{"--policy-write-interval=0s"}},
		{"every problem is named at once", -time.Second, -time.Second, -time.Second, 0,
			[]string{"--policy-propagation-delay=-1s", "--sync-period=-1s", "--policy-write-interval=-1s", "--max-concurrent-reconciles=0"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := checkFlags(c.propagation, c.syn, c.write, c.concurrent)
			if len(c.want) == 0 {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("accepted")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
}
