package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"regexp"

	"github.com/agentcore-io/vpce-operator/controllers"
	"github.com/agentcore-io/vpce-operator/internal/verify"
)

var vpcIDPattern = regexp.MustCompile(`^vpc-([0-9a-f]{8}|[0-9a-f]{17})$`)

// verificationFlags are the manager's verification flags, as given.
type verificationFlags struct {
	maxConcurrent                    int
	vpcID, resolver, caFile, dialMap string
}

// verificationOptions turns the verification flags into the controllers'
// options, refusing values that would make the probe misreport. There is no
// flag that skips TLS verification: --verify-ca-file replaces the roots, it
// does not remove the check, and --verify-dial-map changes only where a
// connection to an interface address goes, not the name TLS is checked for.
func verificationOptions(f verificationFlags) (controllers.VerificationOptions, error) {
	var problems []error
	o := controllers.VerificationOptions{MaxConcurrent: f.maxConcurrent, OperatorVPCID: f.vpcID}
	if f.maxConcurrent < 1 {
		problems = append(problems, fmt.Errorf("--max-concurrent-verifications=%d: must be at least 1", f.maxConcurrent))
	}
	if f.vpcID != "" && !vpcIDPattern.MatchString(f.vpcID) {
		problems = append(problems, fmt.Errorf("--vpc-id=%s: must look like vpc-0a1b2c3d (vpc- followed by 8 or 17 hex digits), or be empty", f.vpcID))
	}
	if err := verify.ResolverOptions(f.resolver, &o.Probe); err != nil {
		problems = append(problems, err)
	}
	if f.caFile != "" {
		roots, err := verify.LoadRootCAs(f.caFile)
		if err != nil {
			problems = append(problems, fmt.Errorf("--verify-ca-file=%s: %w", f.caFile, err))
		}
		o.Probe.RootCAs = roots
	}
	if f.dialMap != "" {
		if _, err := readDialMap(f.dialMap); err != nil {
			problems = append(problems, fmt.Errorf("--verify-dial-map=%s: %w", f.dialMap, err))
		}
		o.Probe.Dial = (&dialMap{path: f.dialMap}).dial
	}
	return o, errors.Join(problems...)
}

// dialMap is --verify-dial-map, for the local run and tests: the endpoint's
// interface addresses that EC2 (the simulator) reports, 10.0.x.y, are served
// by the gateway simulator on loopback listeners, one per address, which it
// lists in its --listeners-file. The probe still decides which interface
// address to connect to (only one EC2 reports for the endpoint); the map only
// says where that address is reached. An address the map does not list is
// refused, and a mapped address must be a loopback one: the map cannot send a
// probe, and its token, off the machine. The file is read at every
// connection, because the simulator rewrites it as endpoints come and go.
type dialMap struct {
	path   string
	dialer net.Dialer
}

// gatewayPort is the only port the probe connects to.
const gatewayPort = "443"

func (m *dialMap) dial(ctx context.Context, network, address string) (net.Conn, error) {
	refuse := func(format string, args ...any) (net.Conn, error) {
		return nil, &net.OpError{Op: "dial", Net: network, Err: fmt.Errorf(format, args...)}
	}
	host, port, err := net.SplitHostPort(address)
	if err != nil {
		return refuse("%s: %v", address, err)
	}
	addr, err := netip.ParseAddr(host)
	if err != nil || port != gatewayPort {
		return refuse("--verify-dial-map maps only interface addresses on port %s, not %s", gatewayPort, address)
	}
	table, err := readDialMap(m.path)
	if err != nil {
		return refuse("--verify-dial-map=%s: %v", m.path, err)
	}
	target, ok := table[addr.Unmap()]
	if !ok {
		return refuse("%s is not in --verify-dial-map=%s: nothing serves that interface address", host, m.path)
	}
	return m.dialer.DialContext(ctx, network, target)
}

// readDialMap reads a JSON object of interface address → loopback host:port,
// as the gateway simulator writes its --listeners-file.
func readDialMap(path string) (map[netip.Addr]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var raw map[string]string
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("want a JSON object of interface address to loopback host:port: %w", err)
	}
	table := make(map[netip.Addr]string, len(raw))
	for from, to := range raw {
		addr, err := netip.ParseAddr(from)
		if err != nil {
			return nil, fmt.Errorf("%q is not an IP address", from)
		}
		target, err := netip.ParseAddrPort(to)
		if err != nil || !target.Addr().IsLoopback() {
			return nil, fmt.Errorf("%s maps to %q, which is not a loopback address:port", from, to)
		}
		table[addr.Unmap()] = target.String()
	}
	return table, nil
}
