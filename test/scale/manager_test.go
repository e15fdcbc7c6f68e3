package scale

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// managerStopTimeout is how long the manager has to exit after SIGTERM before it is killed.
const managerStopTimeout = 30 * time.Second

// managerProc is the manager binary running as a child process, its output in a log file.
type managerProc struct {
	cmd         *exec.Cmd
	metricsAddr string
	logPath     string
	started     time.Time
	done        chan struct{}
	err         error // Wait's result, once done is closed
}

// startManager runs binary with args and env added to this process's environment and
// waits until its metrics endpoint answers with the GatewayEndpoint controller started.
func startManager(ctx context.Context, binary string, args, env []string, metricsAddr, logPath string) (*managerProc, error) {
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, fmt.Errorf("creating the manager's log: %w", err)
	}
	cmd := exec.Command(binary, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = childProcAttr()
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("starting the manager: %w", err)
	}
	m := &managerProc{cmd: cmd, metricsAddr: metricsAddr, logPath: logPath, started: time.Now(), done: make(chan struct{})}
	go func() {
		m.err = cmd.Wait()
		logFile.Close()
		close(m.done)
	}()
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		// controller-runtime sets the controller's reconcile counts to 0 when it starts it.
		if mfs, err := m.scrape(ctx); err == nil && hasSeries(mfs[metricReconcileTotal]) {
			return m, nil
		}
		select {
		case <-m.done:
			err := m.err
			if err == nil {
				err = errors.New("exit status 0")
			}
			return nil, fmt.Errorf("the manager exited while starting: %w\n%s", err, logTail(logPath, 40))
		case <-ctx.Done():
			_ = m.stop()
			return nil, fmt.Errorf("waiting for the manager's metrics at %s: %w\n%s", metricsAddr, ctx.Err(), logTail(logPath, 40))
		case <-tick.C:
		}
	}
}

// stop asks the manager to exit with SIGTERM and kills it if it has not within
// managerStopTimeout.
func (m *managerProc) stop() error {
	select {
	case <-m.done:
		return nil
	default:
	}
	if err := m.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		_ = m.cmd.Process.Kill()
	}
	select {
	case <-m.done:
		return nil
	case <-time.After(managerStopTimeout):
	}
	_ = m.cmd.Process.Kill()
	<-m.done
	return fmt.Errorf("the manager did not exit within %s of SIGTERM and was killed", managerStopTimeout)
}

// scrape reads the manager's metrics in Prometheus' text format.
func (m *managerProc) scrape(ctx context.Context) (map[string]*dto.MetricFamily, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+m.metricsAddr+"/metrics", nil)
	if err != nil {
		return nil, err
	}
	// Plain text, not OpenMetrics or protobuf: what expfmt's text parser reads.
	req.Header.Set("Accept", "text/plain;version=0.0.4")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET /metrics: %s", resp.Status)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	return parser.TextToMetricFamilies(resp.Body)
}

// freeAddr returns a loopback address with a port that was free a moment ago.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("finding a free port: %w", err)
	}
	addr := ln.Addr().String()
	return addr, ln.Close()
}

// logTail returns the last n lines of the file at path.
func logTail(path string, n int) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Sprintf("(cannot read %s: %v)", path, err)
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
