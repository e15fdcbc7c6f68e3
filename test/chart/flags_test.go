/*
Copyright 2026 The agentcore-vpce-operator Authors.

Licensed under the Apache License, Version 2.0.
*/

package chart_test

import (
	"flag"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/agentcore-io/vpce-operator/internal/testenv"
)

// notForACluster are the manager's flags the chart deliberately offers no
// value for: the manager's help says each is for the local run, tests or
// benchmarks only (the simulators' DNS, CA and loopback addresses, and the
// simulator's faster clock). manager.extraArgs can still pass them.
var notForACluster = []string{"verify-resolver", "verify-ca-file", "verify-dial-map", "aws-rate-limit-time-scale"}

// everySetting sets every value that becomes a manager flag, to something
// other than the manager's default.
func everySetting() map[string]any {
	return with(baseValues(), map[string]any{
		"manager.policyPropagationDelay":     "20m",
		"manager.syncPeriod":                 "5m",
		"manager.policyWriteInterval":        "45s",
		"manager.missingReferenceGrace":      "10m",
		"manager.pendingPollInterval":        "3s",
		"manager.ec2ConsistencyLag":          "8s",
		"manager.maxConcurrentReconciles":    8,
		"manager.maxConcurrentVerifications": 2,
		"manager.awsRateLimitScale":          2.5,
		"manager.ec2Endpoint":                "https://ec2-proxy.example.com",
		"manager.vpcID":                      "vpc-0a1b2c3d4e5f60718",
		"manager.logLevel":                   "debug",
		"manager.extraArgs":                  []any{"--zap-encoder=console"},
		"metrics.port":                       9443,
		"metrics.secure":                     false,
		"metrics.enableHTTP2":                true,
		"healthProbe.port":                   9081,
	})
}

// TestEveryManagerFlagHasAValue reads the flags cmd/manager/main.go defines
// and renders the chart with every setting: each flag but the local-only
// ones must appear, and every argument the chart passes must be a flag the
// manager (or the zap logging options it binds) defines, so that a renamed
// flag fails here and not in a crash-looping pod.
func TestEveryManagerFlagHasAValue(t *testing.T) {
	defined, err := testenv.ManagerFlags()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range notForACluster {
		if !slices.Contains(defined, f) {
			t.Errorf("--%s is listed as local-only but the manager no longer defines it; update notForACluster", f)
		}
	}
	zapFlags := flag.NewFlagSet("zap", flag.ContinueOnError)
	(&zap.Options{}).BindFlags(zapFlags)

	out := mustRender(t, loadChart(t), everySetting())
	args := managerArgs(t, out)
	for name := range args {
		if !slices.Contains(defined, name) && zapFlags.Lookup(name) == nil {
			t.Errorf("the chart passes --%s, which the manager does not define", name)
		}
	}
	for _, name := range defined {
		if slices.Contains(notForACluster, name) {
			continue
		}
		if _, ok := args[name]; !ok {
			t.Errorf("no value of the chart sets --%s (the chart passes %v)", name, slices.Sorted(maps.Keys(args)))
		}
	}

	want := map[string]string{
		"policy-propagation-delay": "20m", "sync-period": "5m", "policy-write-interval": "45s",
		"missing-reference-grace": "10m", "pending-poll-interval": "3s", "ec2-consistency-lag": "8s",
		"max-concurrent-reconciles": "8", "max-concurrent-verifications": "2", "aws-rate-limit-scale": "2.5",
		"ec2-endpoint": "https://ec2-proxy.example.com", "vpc-id": "vpc-0a1b2c3d4e5f60718",
		"zap-log-level": "debug", "zap-encoder": "console", "metrics-bind-address": ":9443",
		"health-probe-bind-address": ":9081", "metrics-secure": "false", "enable-http2": "",
		"leader-elect": "", "region": "$(AWS_REGION)", "cluster-name": "$(CLUSTER_NAME)",
	}
	if diff := cmp.Diff(want, args); diff != "" {
		t.Errorf("manager arguments (-want +got):\n%s", diff)
	}
	d := mustFind[appsv1.Deployment](t, out, "the chart", "Deployment", deployment)
	ports := map[string]int32{}
	for _, p := range managerContainer(t, d).Ports {
		ports[p.Name] = p.ContainerPort
	}
	if ports["metrics"] != 9443 || ports["probes"] != 9081 {
		t.Errorf("container ports %v do not follow metrics.port and healthProbe.port", ports)
	}
}

// TestPlainHTTPMetricsNeedNoAuthRole: with metrics.secure=false the
// manager checks no token, so the TokenReview and SubjectAccessReview grant
// goes, and the Service and ServiceMonitor speak HTTP.
func TestPlainHTTPMetricsNeedNoAuthRole(t *testing.T) {
	out := mustRender(t, loadChart(t), with(baseValues(), map[string]any{"metrics.secure": false, "metrics.serviceMonitor.enabled": true}))
	for _, id := range []string{"ClusterRole/" + namePrefix + "metrics-auth-role", "ClusterRoleBinding/" + namePrefix + "metrics-auth-rolebinding"} {
		if slices.Contains(out.ids(), id) {
			t.Errorf("metrics.secure=false still renders %s", id)
		}
	}
	svc := mustFind[corev1.Service](t, out, "the chart", "Service", namePrefix+"controller-manager-metrics-service")
	if len(svc.Spec.Ports) != 1 || svc.Spec.Ports[0].Name != "http" {
		t.Errorf("metrics Service ports %v, want one named http", svc.Spec.Ports)
	}
	monitor := out.find("ServiceMonitor", namePrefix+"controller-manager-metrics-monitor")
	if monitor == nil {
		t.Fatal("metrics.serviceMonitor.enabled renders no ServiceMonitor")
	}
	endpoints, _, _ := unstructured.NestedSlice(monitor.Object, "spec", "endpoints")
	if len(endpoints) != 1 || endpoints[0].(map[string]any)["scheme"] != "http" || endpoints[0].(map[string]any)["tlsConfig"] != nil {
		t.Errorf("ServiceMonitor endpoints %v, want one plain http endpoint", endpoints)
	}
}

// TestUnsetSettingsLeaveTheManagersDefaults: a value left null passes no
// flag, so the manager's own default (the one docs/install.md states)
// applies, as with config/default.
func TestUnsetSettingsLeaveTheManagersDefaults(t *testing.T) {
	args := managerArgs(t, mustRender(t, loadChart(t), baseValues()))
	for _, name := range []string{"policy-propagation-delay", "sync-period", "policy-write-interval", "missing-reference-grace",
		"pending-poll-interval", "ec2-consistency-lag", "max-concurrent-reconciles",
		"max-concurrent-verifications", "aws-rate-limit-scale", "ec2-endpoint", "vpc-id", "metrics-secure", "enable-http2"} {
		if v, ok := args[name]; ok {
			t.Errorf("with default values the chart passes --%s=%s", name, v)
		}
	}
}

// TestTheSchemaRefusesWhatTheManagerRefuses: the manager refuses a zero or
// negative --policy-propagation-delay, --sync-period,
// --policy-write-interval, --missing-reference-grace,
// --pending-poll-interval and --ec2-consistency-lag, and a
// --max-concurrent-* below 1, at start-up.
// values.schema.json refuses them at install time instead, and for
// durations it must agree with Go's time.ParseDuration on every case.
func TestTheSchemaRefusesWhatTheManagerRefuses(t *testing.T) {
	ch := loadChart(t)
	durations := []string{
		"15m", "1h30m", "0.5s", "90s", "1.5h", "300ms", "1m0s", "0h1m", "10us", "2µs",
		"0", "0s", "0m0s", "0.0s", "00h", "-1m", "10", "abc", "1d", "", "1e3s", "m", "1.s",
	}
	for _, key := range []string{"policyPropagationDelay", "syncPeriod", "policyWriteInterval", "missingReferenceGrace", "pendingPollInterval", "ec2ConsistencyLag"} {
		for _, v := range durations {
			parsed, err := time.ParseDuration(v)
			managerAccepts := err == nil && parsed > 0
			_, _, renderErr := render(ch, with(baseValues(), map[string]any{"manager." + key: v}))
			if managerAccepts != (renderErr == nil) {
				t.Errorf("manager.%s=%q: the manager accepts it: %v, the chart renders it: %v (%v)", key, v, managerAccepts, renderErr == nil, renderErr)
			}
		}
	}
	for _, key := range []string{"maxConcurrentReconciles", "maxConcurrentVerifications"} {
		for v, accepted := range map[int]bool{-1: false, 0: false, 1: true, 16: true} {
			_, _, err := render(ch, with(baseValues(), map[string]any{"manager." + key: v}))
			if accepted != (err == nil) {
				t.Errorf("manager.%s=%d: rendered %v, want %v (%v)", key, v, err == nil, accepted, err)
			}
		}
	}
	for name, settings := range map[string]map[string]any{
		"a misspelt value":             {"clustername": placeholderCluster},
		"a region that is not one":     {"region": "us-east"},
		"a VPC ID that is not one":     {"manager.vpcID": "vpc-123"},
		"a role ARN with placeholders": {"serviceAccount.annotations": map[string]any{"eks.amazonaws.com/role-arn": "arn:aws:iam::<ACCOUNT_ID>:role/agentcore-vpce-operator"}},
		"a cluster name EKS refuses":   {"clusterName": "prod eks"},
		"an EC2 endpoint without URL":  {"manager.ec2Endpoint": "ec2.example.com"},
		"a prefix too long for names":  {"fullnameOverride": strings.Repeat("a", 28)},
	} {
		if _, _, err := render(ch, with(baseValues(), settings)); err == nil {
			t.Errorf("%s (%v) rendered", name, settings)
		}
	}
}

// managerArgs renders the manager's arguments as flag name to value ("" for
// a bare boolean flag), failing on anything that is not --name[=value] or
// on a flag passed twice.
func managerArgs(t *testing.T, out objects) map[string]string {
	t.Helper()
	d := mustFind[appsv1.Deployment](t, out, "the chart", "Deployment", deployment)
	args := map[string]string{}
	for _, a := range managerContainer(t, d).Args {
		name, value, _ := strings.Cut(strings.TrimPrefix(a, "--"), "=")
		if !strings.HasPrefix(a, "--") || name == "" {
			t.Errorf("argument %q is not --name[=value]", a)
			continue
		}
		if _, dup := args[name]; dup {
			t.Errorf("--%s is passed twice", name)
		}
		args[name] = value
	}
	return args
}
