package gatewaysim

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"syscall"
	"time"
)

// Endpoint is an interface VPC endpoint as the gateway sees it: its ID, whose policy
// decides its requests, and the private addresses of its network interfaces, one per
// subnet (DescribeNetworkInterfaces' PrivateIpAddress).
type Endpoint struct {
	ID        string
	Addresses []string
}

// listener is the loopback listener standing in for one endpoint network interface.
type listener struct {
	endpointID string
	address    string // the interface's private address
	ln         net.Listener
	server     *http.Server
}

func (l *listener) close() error {
	err := l.server.Close()
	if errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}

// AddEndpoint registers an endpoint, or replaces the addresses of one registered before:
// a listener opens for each new address and closes for each address it no longer has. An
// address registered for another endpoint moves to this one.
func (s *Simulator) AddEndpoint(e Endpoint) error {
	if e.ID == "" {
		return errors.New("endpoint without ID")
	}
	for _, a := range e.Addresses {
		if _, err := netip.ParseAddr(a); err != nil {
			return fmt.Errorf("endpoint %s: interface address %q: %w", e.ID, a, err)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errors.New("simulator closed")
	}
	var errs []error
	for _, a := range s.endpoints[e.ID] {
		if !slices.Contains(e.Addresses, a) {
			errs = append(errs, s.closeListenerLocked(a, e.ID))
		}
	}
	for _, a := range e.Addresses {
		l, ok := s.listeners[a]
		if ok && l.endpointID == e.ID {
			continue
		}
		if ok {
			// The address was another endpoint's (released and reused): it is no longer.
			s.endpoints[l.endpointID] = slices.DeleteFunc(s.endpoints[l.endpointID], func(x string) bool { return x == a })
			errs = append(errs, s.closeListenerLocked(a, l.endpointID))
		}
		if err := s.openListenerLocked(e.ID, a); err != nil {
			errs = append(errs, err)
		}
	}
	s.endpoints[e.ID] = slices.Clone(e.Addresses)
	return errors.Join(errs...)
}

// RemoveEndpoint closes an endpoint's listeners and forgets its cached policy, as its
// deletion does.
func (s *Simulator) RemoveEndpoint(id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var errs []error
	for _, a := range s.endpoints[id] {
		errs = append(errs, s.closeListenerLocked(a, id))
	}
	delete(s.endpoints, id)
	s.cache.forget(id)
	return errors.Join(errs...)
}

// SetEndpoints makes the registered endpoints exactly these: new ones are added, changed
// ones updated, missing ones removed. A poller of EC2 calls it with what it read.
func (s *Simulator) SetEndpoints(endpoints []Endpoint) error {
	keep := map[string]bool{}
	var errs []error
	for _, e := range endpoints {
		keep[e.ID] = true
		errs = append(errs, s.AddEndpoint(e))
	}
	s.mu.Lock()
	registered := slices.Collect(maps.Keys(s.endpoints))
	s.mu.Unlock()
	for _, id := range registered {
		if !keep[id] {
			errs = append(errs, s.RemoveEndpoint(id))
		}
	}
	return errors.Join(errs...)
}

// Endpoints returns the registered endpoints, sorted by ID.
func (s *Simulator) Endpoints() []Endpoint {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Endpoint
	for id, addrs := range s.endpoints {
		out = append(out, Endpoint{ID: id, Addresses: slices.Clone(addrs)})
	}
	slices.SortFunc(out, func(a, b Endpoint) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// openListenerLocked listens for one interface address. Callers hold s.mu.
func (s *Simulator) openListenerLocked(endpointID, address string) error {
	ln, err := net.Listen("tcp", net.JoinHostPort(s.host, "0"))
	if err != nil {
		return fmt.Errorf("listening for %s of %s: %w", address, endpointID, err)
	}
	l := &listener{endpointID: endpointID, address: address, ln: ln}
	l.server = &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			s.serve(w, r, l.endpointID, l.address)
		}),
		TLSConfig: &tls.Config{
			MinVersion:     tls.VersionTLS12,
			GetCertificate: s.certificateFor,
		},
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(s.logger.Handler(), slog.LevelDebug),
	}
	s.listeners[address] = l
	go func() {
		if err := l.server.ServeTLS(ln, "", ""); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.logger.Error("gateway listener stopped", "address", address, "endpointID", endpointID, "error", err)
		}
	}()
	return nil
}

// closeListenerLocked closes the listener of an address if it is the endpoint's.
// Callers hold s.mu.
func (s *Simulator) closeListenerLocked(address, endpointID string) error {
	l, ok := s.listeners[address]
	if !ok || l.endpointID != endpointID {
		return nil
	}
	delete(s.listeners, address)
	return l.close()
}

// certificateFor serves the wildcard certificate to a client that asks for a name under
// the gateway service's domain, and refuses the handshake otherwise (no server name, an IP
// address, another region).
func (s *Simulator) certificateFor(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
	if _, ok := gatewayIDFromHost(hello.ServerName, s.region); !ok {
		return nil, fmt.Errorf("no certificate for server name %q", hello.ServerName)
	}
	return &s.certs.server, nil
}

// ListenerAddr returns the host:port of the listener that stands for an interface address.
func (s *Simulator) ListenerAddr(interfaceAddress string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	l, ok := s.listeners[interfaceAddress]
	if !ok {
		return "", false
	}
	return l.ln.Addr().String(), true
}

// Listeners returns every listener by the interface address it stands for.
func (s *Simulator) Listeners() map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]string, len(s.listeners))
	for a, l := range s.listeners {
		out[a] = l.ln.Addr().String()
	}
	return out
}

// gatewayPort is the port an interface endpoint serves HTTPS on.
const gatewayPort = "443"

// DialContext dials the listener standing for an interface address, given as
// "<address>:443", for an http.Transport's DialContext. Any other address or port is
// refused as a connection to an address nothing listens on would be (ECONNREFUSED).
func (s *Simulator) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(address)
	if err != nil {
		return nil, &net.OpError{Op: "dial", Net: network, Err: err}
	}
	target, ok := s.ListenerAddr(host)
	if !ok || port != gatewayPort {
		return nil, &net.OpError{Op: "dial", Net: network, Err: syscall.ECONNREFUSED}
	}
	var d net.Dialer
	return d.DialContext(ctx, network, target)
}
