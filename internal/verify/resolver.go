package verify

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
)

// SystemResolver resolves with the pod's own resolver (its /etc/resolv.conf: in a pod of a
// VPC, the VPC's resolver, which is where private DNS answers), as an agent's would.
func SystemResolver() Resolver {
	return hostLookup(net.DefaultResolver)
}

// DNSServerResolver sends every query to one DNS server, host:port, instead of the pod's
// resolver: for the local run and tests, pointed at a server that answers the gateway's
// names as the VPC's resolver would.
func DNSServerResolver(server string) (Resolver, error) {
	if _, _, err := net.SplitHostPort(server); err != nil {
		return nil, fmt.Errorf("DNS server %q is not host:port: %w", server, err)
	}
	r := &net.Resolver{
		PreferGo: true,
		Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, network, server)
		},
	}
	return hostLookup(r), nil
}

func hostLookup(r *net.Resolver) Resolver {
	return func(ctx context.Context, host string) ([]string, error) {
		addrs, err := r.LookupNetIP(ctx, "ip", host)
		if err != nil {
			return nil, err
		}
		out := make([]string, 0, len(addrs))
		for _, a := range addrs {
			out = append(out, a.Unmap().String())
		}
		return out, nil
	}
}

// SimulatedResolver is the --verify-resolver value that sets Options.SimulatePrivateDNS, for
// the local run against the simulators.
const SimulatedResolver = "simulated"

// ResolverOptions turn the manager's --verify-resolver flag into Options: "" for the pod's
// resolver, SimulatedResolver, or host:port of a DNS server.
func ResolverOptions(flag string, opts *Options) error {
	switch flag {
	case "":
		opts.Resolve = SystemResolver()
	case SimulatedResolver:
		opts.SimulatePrivateDNS = true
	default:
		r, err := DNSServerResolver(flag)
		if err != nil {
			return fmt.Errorf("--verify-resolver: %w", err)
		}
		opts.Resolve = r
	}
	return nil
}

// LoadRootCAs reads a PEM bundle: the only certificate authorities the probe then trusts,
// instead of the system's (the manager's --verify-ca-file, for the local run and tests
// against the gateway simulator).
func LoadRootCAs(path string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading CA bundle: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, errors.New("CA bundle " + path + " holds no PEM certificate")
	}
	return pool, nil
}
