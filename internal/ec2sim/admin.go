package ec2sim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// faultJSON is a Fault as the control endpoints read and write it.
type faultJSON struct {
	Action    string  `json:"action,omitempty"`
	ErrorRate float64 `json:"errorRate,omitempty"`
	ErrorCode string  `json:"errorCode,omitempty"`
	// Latency is a Go duration such as "250ms".
	Latency    string `json:"latency,omitempty"`
	AfterApply bool   `json:"afterApply,omitempty"`
	Times      int    `json:"times,omitempty"`
}

type durationJSON struct {
	Duration string `json:"duration"`
}

type throttleJSON struct {
	Disabled bool    `json:"disabled"`
	Scale    float64 `json:"scale,omitempty"`
	// TimeScale multiplies the refill rates only (ThrottleConfig.TimeScale).
	TimeScale float64 `json:"timeScale,omitempty"`
}

// serveAdmin serves the simulator's control endpoints, for people and scripts driving a
// running simulator:
//
//	GET    /_sim/calls                 call counts by action and outcome
//	POST   /_sim/reset-calls           reset the counts
//	GET    /_sim/faults                injected faults by action
//	POST   /_sim/faults                {"action":"CreateVpcEndpoint","errorRate":0.5,"errorCode":"Unavailable","latency":"200ms","afterApply":true,"times":3}
//	DELETE /_sim/faults                remove every fault
//	POST   /_sim/eventual-consistency  {"duration":"5s"}
//	POST   /_sim/throttle              {"disabled":false,"scale":10,"timeScale":20}
func (s *Simulator) serveAdmin(w http.ResponseWriter, r *http.Request) {
	route := r.Method + " " + strings.TrimPrefix(r.URL.Path, adminPathPrefix)
	switch route {
	case "GET calls":
		writeJSON(w, http.StatusOK, s.Calls())
	case "POST reset-calls":
		s.ResetCalls()
		w.WriteHeader(http.StatusNoContent)
	case "GET faults":
		out := map[string]faultJSON{}
		for action, f := range s.Faults() {
			out[action] = faultJSON{ErrorRate: f.ErrorRate, ErrorCode: f.ErrorCode, Latency: durationString(f.Latency), AfterApply: f.AfterApply, Times: f.Times}
		}
		writeJSON(w, http.StatusOK, out)
	case "POST faults", "PUT faults":
		var in faultJSON
		if !readJSON(w, r, &in) {
			return
		}
		latency, err := parseDuration(in.Latency)
		if err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
			return
		}
		if in.Action == "" {
			in.Action = AllActions
		}
		s.SetFault(in.Action, Fault{ErrorRate: in.ErrorRate, ErrorCode: in.ErrorCode, Latency: latency, AfterApply: in.AfterApply, Times: in.Times})
		w.WriteHeader(http.StatusNoContent)
	case "DELETE faults":
		s.ClearFaults()
		w.WriteHeader(http.StatusNoContent)
	case "POST eventual-consistency":
		var in durationJSON
		if !readJSON(w, r, &in) {
			return
		}
		d, err := parseDuration(in.Duration)
		if err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
			return
		}
		s.SetEventualConsistency(d)
		w.WriteHeader(http.StatusNoContent)
	case "POST throttle":
		var in throttleJSON
		if !readJSON(w, r, &in) {
			return
		}
		s.SetThrottle(ThrottleConfig(in))
		w.WriteHeader(http.StatusNoContent)
	default:
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "no such control endpoint: " + route})
	}
}

func parseDuration(s string) (time.Duration, error) {
	if s == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("invalid duration %q: %w", s, err)
	}
	return d, nil
}

func durationString(d time.Duration) string {
	if d == 0 {
		return ""
	}
	return d.String()
}

func readJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid JSON body: " + err.Error()})
		return false
	}
	return true
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
