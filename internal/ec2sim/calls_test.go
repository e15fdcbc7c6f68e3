package ec2sim_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/agentcore-io/vpce-operator/internal/ec2sim"
)

func TestCallsAreCountedByActionAndOutcome(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	group := h.createGroup(t, "vpce")
	h.createEndpoint(t, group)
	_, err := h.client.CreateVpcEndpoint(ctx, h.endpointInput("sg-0123456789abcdef0"))
	wantCode(t, err, "InvalidGroup.NotFound")
	mustOK(t, h.describeVpcs())
	mustOK(t, h.describeVpcs())

	want := map[string]map[string]int{
		"CreateSecurityGroup": {"OK": 1},
		"CreateVpcEndpoint":   {"OK": 1, "InvalidGroup.NotFound": 1},
		"DescribeVpcs":        {"OK": 2},
	}
	if got := h.sim.Calls(); !equalCounts(got, want) {
		t.Errorf("Calls() = %v, want %v", got, want)
	}
	if got := h.sim.MutatingCalls(); got != 3 {
		t.Errorf("MutatingCalls() = %d, want 3", got)
	}
	h.sim.ResetCalls()
	if got := h.sim.Calls(); len(got) != 0 || h.sim.MutatingCalls() != 0 {
		t.Errorf("after ResetCalls: %v", got)
	}
}

func TestCallCountsAreServedOverHTTP(t *testing.T) {
	h := newHarness(t, withThrottling(ec2sim.ThrottleConfig{}))
	call := h.createEndpointCall(h.createGroup(t, "vpce"))
	burst(7, call)

	resp, err := http.Get(h.url + "/_sim/calls")
	mustOK(t, err)
	defer resp.Body.Close()
	var got map[string]map[string]int
	mustOK(t, json.NewDecoder(resp.Body).Decode(&got))
	if c := got["CreateVpcEndpoint"]; c["OK"] != 4 || c["RequestLimitExceeded"] != 3 {
		t.Errorf("GET /_sim/calls CreateVpcEndpoint = %v, want 4 OK and 3 RequestLimitExceeded", c)
	}

	reset, err := http.Post(h.url+"/_sim/reset-calls", "", nil)
	mustOK(t, err)
	reset.Body.Close()
	if reset.StatusCode != http.StatusNoContent || len(h.sim.Calls()) != 0 {
		t.Errorf("POST /_sim/reset-calls: status %d, counts left %v", reset.StatusCode, h.sim.Calls())
	}
}

func TestFaultsAndSettingsCanBeChangedOverHTTP(t *testing.T) {
	h := newHarness(t)
	post := func(path, body string) {
		t.Helper()
		resp, err := http.Post(h.url+path, "application/json", strings.NewReader(body))
		mustOK(t, err)
		resp.Body.Close()
		if resp.StatusCode != http.StatusNoContent {
			t.Fatalf("POST %s: status %d", path, resp.StatusCode)
		}
	}
	post("/_sim/faults", `{"action":"DescribeVpcs","errorRate":1,"errorCode":"Unavailable","latency":"1ms"}`)
	if f := h.sim.Faults()["DescribeVpcs"]; f.ErrorCode != "Unavailable" || f.Latency != time.Millisecond {
		t.Errorf("fault set over HTTP = %+v", f)
	}
	wantCode(t, h.describeVpcs(), "Unavailable")

	req, _ := http.NewRequest(http.MethodDelete, h.url+"/_sim/faults", nil)
	resp, err := http.DefaultClient.Do(req)
	mustOK(t, err)
	resp.Body.Close()
	mustOK(t, h.describeVpcs())

	post("/_sim/eventual-consistency", `{"duration":"10s"}`)
	group := h.createGroup(t, "late")
	_, err = h.client.DescribeSecurityGroups(context.Background(), &ec2.DescribeSecurityGroupsInput{GroupIds: []string{group}})
	wantCode(t, err, "InvalidGroup.NotFound")

	post("/_sim/eventual-consistency", `{"duration":"0s"}`)
	post("/_sim/throttle", `{"disabled":false,"scale":0.5}`)
	codes := burst(3, h.createEndpointCall(h.createGroup(t, "vpce")))
	if codes[1] != "" || codes[2] != "RequestLimitExceeded" {
		t.Errorf("with half-size buckets: %q, want two calls then RequestLimitExceeded", codes)
	}

	bad, err := http.Post(h.url+"/_sim/faults", "application/json", strings.NewReader(`{"latency":"soon"}`))
	mustOK(t, err)
	bad.Body.Close()
	if bad.StatusCode != http.StatusBadRequest {
		t.Errorf("a bad latency answered %d, want 400", bad.StatusCode)
	}
}

func equalCounts(a, b map[string]map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for action, byCode := range a {
		if len(byCode) != len(b[action]) {
			return false
		}
		for code, n := range byCode {
			if b[action][code] != n {
				return false
			}
		}
	}
	return true
}
