/*
Copyright 2026 The agentcore-vpce-operator Authors.

Licensed under the Apache License, Version 2.0.
*/

package observability_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"
	"sigs.k8s.io/yaml"

	"github.com/agentcore-io/vpce-operator/controllers"
)

// repoRoot is the repository's top directory; go test runs in the
// package's own directory, test/observability.
const repoRoot = "../.."

const (
	dashboardPath = "config/grafana/agentcore-vpce-operator.json"
	rulesPath     = "config/prometheus/prometheusrule.yaml"
)

// prometheusOwn are the series Prometheus writes itself for every target.
var prometheusOwn = map[string]bool{"up": true}

// histogramSuffixes are the series a histogram (or summary) is exposed as.
var histogramSuffixes = []string{"_bucket", "_sum", "_count"}

func readRepoFile(t *testing.T, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot, filepath.FromSlash(rel)))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// served says which metric names the manager serves. It registers the
// operator's metrics as controllers.Setup does, on a registry of its own,
// and takes controller-runtime's from its registry, which its packages fill
// when they are imported (controllers imports them all, as the manager does).
type served struct {
	registries []prometheus.Registerer
}

func newServed(t *testing.T) *served {
	t.Helper()
	own := prometheus.NewRegistry()
	if err := controllers.RegisterMetrics(own); err != nil {
		t.Fatal(err)
	}
	return &served{registries: []prometheus.Registerer{own, ctrlmetrics.Registry}}
}

// registered says whether a registry holds a metric of that name. A vector
// without children is in no Gather, so the registry is asked instead: a
// probe gauge of that name, with a label no real metric has, registers on an
// empty registry but is refused by one that holds the name already.
func registered(t *testing.T, reg prometheus.Registerer, name string) bool {
	t.Helper()
	probe := func() prometheus.Collector {
		return prometheus.NewGauge(prometheus.GaugeOpts{Name: name, Help: "probe",
			ConstLabels: prometheus.Labels{"observability_test_probe": "1"}})
	}
	if err := prometheus.NewRegistry().Register(probe()); err != nil {
		t.Fatalf("%q is not a metric name: %v", name, err)
	}
	p := probe()
	if err := reg.Register(p); err != nil {
		return true
	}
	reg.Unregister(p)
	return false
}

// histogramOf is the histogram a series name of _bucket, _sum or _count
// belongs to, or the name itself.
func histogramOf(name string) string {
	for _, suffix := range histogramSuffixes {
		if base, ok := strings.CutSuffix(name, suffix); ok {
			return base
		}
	}
	return name
}

// has says whether the manager serves name: a Prometheus series of its own,
// a registered metric, or a series of a registered histogram.
func (s *served) has(t *testing.T, name string) bool {
	t.Helper()
	if prometheusOwn[name] {
		return true
	}
	// A name with a histogram's suffix is accepted when the histogram is
	// registered; the registry does not say whether it is a histogram.
	for _, c := range []string{name, histogramOf(name)} {
		for _, reg := range s.registries {
			if registered(t, reg, c) {
				return true
			}
		}
	}
	return false
}

// query is one PromQL expression of the dashboard or the rules, with where
// it comes from.
type query struct {
	where string
	expr  string
	// variable: a Grafana variable query (label_values(...)).
	variable bool
}

func (q query) metrics() ([]string, error) {
	if q.variable {
		return variableMetricNames(q.expr)
	}
	return metricNames(q.expr)
}

// dashboard is the Grafana dashboard as generic JSON.
func dashboard(t *testing.T) map[string]any {
	t.Helper()
	var d map[string]any
	if err := json.Unmarshal(readRepoFile(t, dashboardPath), &d); err != nil {
		t.Fatalf("%s: %v", dashboardPath, err)
	}
	return d
}

// dashboardQueries are every target's expr of every panel (rows' nested
// panels included) and every variable's query.
func dashboardQueries(t *testing.T) []query {
	t.Helper()
	d := dashboard(t)
	var out []query
	var walkPanels func(panels []any)
	walkPanels = func(panels []any) {
		for _, p := range panels {
			panel, _ := p.(map[string]any)
			title, _ := panel["title"].(string)
			targets, _ := panel["targets"].([]any)
			for _, tg := range targets {
				target, _ := tg.(map[string]any)
				if expr, ok := target["expr"].(string); ok {
					out = append(out, query{where: fmt.Sprintf("%s: panel %q", dashboardPath, title), expr: expr})
				}
			}
			nested, _ := panel["panels"].([]any)
			walkPanels(nested)
		}
	}
	panels, _ := d["panels"].([]any)
	walkPanels(panels)
	templating, _ := d["templating"].(map[string]any)
	variables, _ := templating["list"].([]any)
	for _, v := range variables {
		variable, _ := v.(map[string]any)
		if variable["type"] != "query" {
			continue
		}
		q := variable["query"]
		if obj, ok := q.(map[string]any); ok {
			q = obj["query"]
		}
		if s, ok := q.(string); ok {
			out = append(out, query{where: fmt.Sprintf("%s: variable %q", dashboardPath, variable["name"]), expr: s, variable: true})
		}
	}
	if len(out) == 0 {
		t.Fatalf("%s has no queries", dashboardPath)
	}
	return out
}

// rule is an alerting rule of the PrometheusRule.
type rule struct {
	Alert       string            `json:"alert"`
	Expr        string            `json:"expr"`
	For         string            `json:"for"`
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations"`
}

func rules(t *testing.T) []rule {
	t.Helper()
	var pr struct {
		APIVersion string         `json:"apiVersion"`
		Kind       string         `json:"kind"`
		Metadata   map[string]any `json:"metadata"`
		Spec       struct {
			Groups []struct {
				Name  string `json:"name"`
				Rules []rule `json:"rules"`
			} `json:"groups"`
		} `json:"spec"`
	}
	if err := yaml.UnmarshalStrict(readRepoFile(t, rulesPath), &pr); err != nil {
		t.Fatalf("%s: %v", rulesPath, err)
	}
	if pr.APIVersion != "monitoring.coreos.com/v1" || pr.Kind != "PrometheusRule" {
		t.Fatalf("%s is a %s %s, want a monitoring.coreos.com/v1 PrometheusRule", rulesPath, pr.APIVersion, pr.Kind)
	}
	var out []rule
	for _, g := range pr.Spec.Groups {
		out = append(out, g.Rules...)
	}
	if len(out) == 0 {
		t.Fatalf("%s has no rules", rulesPath)
	}
	return out
}

func ruleQueries(t *testing.T) []query {
	t.Helper()
	var out []query
	for _, r := range rules(t) {
		out = append(out, query{where: fmt.Sprintf("%s: alert %s", rulesPath, r.Alert), expr: r.Expr})
	}
	return out
}

// unservedMetrics lists, for each query, the metric names it selects that
// the manager does not serve.
func unservedMetrics(t *testing.T, s *served, queries []query) []string {
	t.Helper()
	var problems []string
	for _, q := range queries {
		names, err := q.metrics()
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", q.where, err))
			continue
		}
		if len(names) == 0 {
			problems = append(problems, fmt.Sprintf("%s: %q selects no metric", q.where, q.expr))
		}
		for _, n := range names {
			if !s.has(t, n) {
				problems = append(problems, fmt.Sprintf("%s: %s is not a metric the manager serves", q.where, n))
			}
		}
	}
	return problems
}

func TestEveryMetricTheDashboardAndTheAlertsQueryIsOneTheManagerServes(t *testing.T) {
	s := newServed(t)
	for _, p := range unservedMetrics(t, s, append(dashboardQueries(t), ruleQueries(t)...)) {
		t.Error(p)
	}
}

func TestTheCheckRefusesAMetricTheManagerDoesNotServe(t *testing.T) {
	s := newServed(t)
	got := unservedMetrics(t, s, []query{
		{where: "made up", expr: `sum(rate(controller_runtime_reconcile_time_seconds_bucket[5m])) + sum(agentcore_vpce_aws_api_calls_total)`},
		// A plausible name the operator never registered.
		{where: "made up", expr: `sum by (namespace) (agentcore_vpce_endpoints_stalled) > 0`},
		// controller-runtime declares this counter but never registers it.
		{where: "made up", expr: `rate(leader_election_slowpath_total[5m])`},
		// A typo.
		{where: "made up", expr: `max(workqueue_depths{controller="gatewayendpoint"})`},
	})
	want := []string{
		"made up: agentcore_vpce_endpoints_stalled is not a metric the manager serves",
		"made up: leader_election_slowpath_total is not a metric the manager serves",
		"made up: workqueue_depths is not a metric the manager serves",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("got %q,\nwant %q", got, want)
	}
}

// descName reads a descriptor's name from its String(), the only place
// client_golang shows it.
var descName = regexp.MustCompile(`^Desc\{fqName: "([^"]+)"`)

// ownMetrics are the names of the metrics controllers.RegisterMetrics
// registers, from their collectors' descriptors.
func ownMetrics(t *testing.T) []string {
	t.Helper()
	rec := &recordingRegisterer{}
	if err := controllers.RegisterMetrics(rec); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range rec.collectors {
		descs := make(chan *prometheus.Desc)
		go func() {
			c.Describe(descs)
			close(descs)
		}()
		for d := range descs {
			m := descName.FindStringSubmatch(d.String())
			if m == nil {
				t.Fatalf("cannot read the name of %s", d)
			}
			names = append(names, m[1])
		}
	}
	sort.Strings(names)
	if len(names) == 0 {
		t.Fatal("controllers.RegisterMetrics registers nothing")
	}
	return names
}

// recordingRegisterer keeps what is registered with it.
type recordingRegisterer struct{ collectors []prometheus.Collector }

func (r *recordingRegisterer) Register(c prometheus.Collector) error {
	r.collectors = append(r.collectors, c)
	return nil
}

func (r *recordingRegisterer) MustRegister(cs ...prometheus.Collector) {
	r.collectors = append(r.collectors, cs...)
}

func (r *recordingRegisterer) Unregister(prometheus.Collector) bool { return false }

func TestEveryMetricOfTheOperatorIsOnTheDashboard(t *testing.T) {
	onDashboard := map[string]bool{}
	for _, q := range dashboardQueries(t) {
		names, err := q.metrics()
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range names {
			onDashboard[n], onDashboard[histogramOf(n)] = true, true
		}
	}
	for _, name := range ownMetrics(t) {
		if !onDashboard[name] {
			t.Errorf("%s is on no panel of %s", name, dashboardPath)
		}
	}
}

// metricsSection is the Metrics section of docs/install.md.
func metricsSection(t *testing.T) string {
	t.Helper()
	text := string(readRepoFile(t, "docs/install.md"))
	_, after, ok := strings.Cut(text, "\n## Metrics\n")
	if !ok {
		t.Fatal("docs/install.md has no '## Metrics' section")
	}
	if end := strings.Index(after, "\n## "); end >= 0 {
		after = after[:end]
	}
	return after
}

func TestEveryMetricTheOperatorServesOrTheDashboardQueriesIsDocumented(t *testing.T) {
	section := metricsSection(t)
	documented := func(name string) bool {
		return strings.Contains(section, "`"+name+"`") || strings.Contains(section, "`"+name+"{")
	}
	reported := map[string]bool{}
	for _, name := range ownMetrics(t) {
		if !documented(name) {
			reported[name] = true
			t.Errorf("docs/install.md, Metrics, does not list %s (as `%s`)", name, name)
		}
	}
	for _, q := range append(dashboardQueries(t), ruleQueries(t)...) {
		names, err := q.metrics()
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range names {
			if prometheusOwn[n] || documented(n) || documented(histogramOf(n)) || reported[histogramOf(n)] {
				continue
			}
			reported[histogramOf(n)] = true
			t.Errorf("%s: docs/install.md, Metrics, does not list %s", q.where, histogramOf(n))
		}
	}
}
