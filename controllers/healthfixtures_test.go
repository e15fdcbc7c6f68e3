package controllers_test

import (
	"context"
	"flag"
	"fmt"
	"maps"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/apiutil"

	"github.com/agentcore-io/vpce-operator/api/v1alpha1"
	"github.com/agentcore-io/vpce-operator/internal/argocdhealth"
	"github.com/agentcore-io/vpce-operator/internal/testenv"
)

// The kstatus tests drive each kind into every condition state the
// controllers produce, read each object as the operator wrote it, and hold
// kstatus (what Flux and Helm 4 wait on) and the Argo CD health check to
// agree on it. The objects become the health check's test cases, in Argo
// CD's own layout (config/argocd/health/<group>/<Kind>/health_test.yaml and
// testdata/), which test/argocd runs: with -update the tests write them;
// without, they compare what the operator wrote with the committed ones, so
// that the fixtures cannot go stale.

var updateHealthFixtures = flag.Bool("update", false, "write the objects of the kstatus tests into config/argocd/health/"+argocdhealth.Group+"/<Kind>/ as the health check's test cases")

// argoFor is the Argo CD health that agrees with each kstatus status. A
// deleting object is Terminating for kstatus; Argo CD shows it Progressing
// ("Pending deletion") without running the script, and the script says
// Progressing too.
var argoFor = map[status.Status]string{
	status.CurrentStatus:     argocdhealth.Healthy,
	status.InProgressStatus:  argocdhealth.Progressing,
	status.FailedStatus:      argocdhealth.Degraded,
	status.TerminatingStatus: argocdhealth.Progressing,
}

// fixtureEpoch is where the fixtures' times start: every time the operator
// wrote is moved by the same amount, from the test's fake clock start.
var fixtureEpoch = time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)

// healthFixtures records the objects of one kind for one test, which owns
// that kind's test cases.
type healthFixtures struct {
	t    *testing.T
	g    Gomega
	kind string
	// script is the kind's health.lua.
	script string
	// start is the test's fake clock start, moved to fixtureEpoch.
	start time.Time
	// names maps the test's namespaces to the fixtures' (longest first).
	names [][2]string
	cases []healthFixture
}

type healthFixture struct {
	name   string
	object map[string]any
	health argocdhealth.Health
}

// newHealthFixtures starts recording kind's objects; when the test ends
// (and passed), they are written (-update) or compared with the committed
// ones. namespaces maps the test's namespaces to stable names.
func newHealthFixtures(t *testing.T, kind string, start time.Time, namespaces map[string]string) *healthFixtures {
	t.Helper()
	script, err := argocdhealth.ReadScript(testenv.RepoRoot(), kind)
	if err != nil {
		t.Fatal(err)
	}
	f := &healthFixtures{t: t, g: NewWithT(t), kind: kind, script: script, start: start}
	for from, to := range namespaces {
		f.names = append(f.names, [2]string{from, to})
	}
	sort.Slice(f.names, func(i, j int) bool { return len(f.names[i][0]) > len(f.names[j][0]) })
	t.Cleanup(func() {
		if t.Failed() {
			return
		}
		if *updateHealthFixtures {
			f.write()
			return
		}
		f.compare()
	})
	return f
}

// record reads obj as the API server has it, wants kstatus to compute want
// for it and the health check to agree, and keeps it as the test case name.
func (f *healthFixtures) record(name string, obj client.Object, want status.Status) {
	f.t.Helper()
	gvk, err := apiutil.GVKForObject(obj, env.Scheme)
	f.g.Expect(err).NotTo(HaveOccurred())
	f.g.Expect(gvk.Kind).To(Equal(f.kind))
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(gvk)
	f.g.Expect(env.Client.Get(context.Background(), client.ObjectKeyFromObject(obj), u)).To(Succeed())

	res, err := status.Compute(u)
	f.g.Expect(err).NotTo(HaveOccurred())
	f.g.Expect(res.Status).To(Equal(want), "%s %s: kstatus says %s (%s); conditions: %s", f.kind, name, res.Status, res.Message, conditionsOf(u.Object))
	f.expectKstatusConventions(name, u)

	live, err := argocdhealth.Evaluate(f.script, u.Object)
	f.g.Expect(err).NotTo(HaveOccurred())
	f.g.Expect(live.Status).To(Equal(argoFor[want]), "%s %s: Argo CD says %s (%s) where kstatus says %s; conditions: %s",
		f.kind, name, live.Status, live.Message, want, conditionsOf(u.Object))

	object := f.sanitize(u.Object)
	fixture, err := argocdhealth.Evaluate(f.script, object)
	f.g.Expect(err).NotTo(HaveOccurred())
	f.g.Expect(fixture.Status).To(Equal(live.Status), "%s %s: the fixture's health differs from the object's", f.kind, name)
	f.g.Expect(slices.ContainsFunc(f.cases, func(c healthFixture) bool { return c.name == name })).To(BeFalse(), "fixture %s recorded twice", name)
	f.cases = append(f.cases, healthFixture{name: name, object: object, health: fixture})
}

// expectKstatusConventions holds the operator to kstatus' conventions:
// Reconciling and Stalled never both True, Stalled present only while True,
// and a Ready object with nothing under way says so with Reconciling False.
func (f *healthFixtures) expectKstatusConventions(name string, u *unstructured.Unstructured) {
	f.t.Helper()
	conds := conditionMap(u.Object)
	f.g.Expect(conds[v1alpha1.ConditionReconciling] == "True" && conds[v1alpha1.ConditionStalled] == "True").To(BeFalse(),
		"%s %s: Reconciling and Stalled are both True: %s", f.kind, name, conditionsOf(u.Object))
	if s, ok := conds[v1alpha1.ConditionStalled]; ok {
		f.g.Expect(s).To(Equal("True"), "%s %s: Stalled is present only while True", f.kind, name)
	}
	if u.GetDeletionTimestamp() == nil {
		f.g.Expect(conds).To(HaveKey(v1alpha1.ConditionReconciling), "%s %s: every pass writes Reconciling", f.kind, name)
		observed, _, _ := unstructured.NestedInt64(u.Object, "status", "observedGeneration")
		f.g.Expect(observed).To(Equal(u.GetGeneration()), "%s %s: status.observedGeneration", f.kind, name)
	}
}

// conditionMap is type → status of an object's conditions.
func conditionMap(object map[string]any) map[string]string {
	out := map[string]string{}
	list, _, _ := unstructured.NestedSlice(object, "status", "conditions")
	for _, item := range list {
		c, _ := item.(map[string]any)
		t, _ := c["type"].(string)
		s, _ := c["status"].(string)
		out[t] = s
	}
	return out
}

// conditionsOf is type=status/reason of each condition, sorted: what the
// fixtures are compared on.
func conditionsOf(object map[string]any) []string {
	var out []string
	list, _, _ := unstructured.NestedSlice(object, "status", "conditions")
	for _, item := range list {
		c, _ := item.(map[string]any)
		out = append(out, fmt.Sprintf("%v=%v/%v", c["type"], c["status"], c["reason"]))
	}
	slices.Sort(out)
	return out
}

// awsID is an ID EC2 made; the fixtures number them in order of appearance.
var awsID = regexp.MustCompile(`\b(vpce|vpc|subnet|sg|eni|pl)-[0-9a-f]{8,17}\b`)

// uuid is an object's UID or an AWS request ID.
var uuid = regexp.MustCompile(`\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b`)

// timestamp is a time as status and messages write it.
var timestamp = regexp.MustCompile(`\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z\b`)

// sanitize keeps what a health check reads, with the run's namespaces, IDs
// and times made stable, so that -update rewrites only what changed.
func (f *healthFixtures) sanitize(object map[string]any) map[string]any {
	ids := map[string]string{}
	counts := map[string]int{}
	var clean func(v any) any
	clean = func(v any) any {
		switch v := v.(type) {
		case map[string]any:
			keys := make([]string, 0, len(v))
			for k := range v {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			out := map[string]any{}
			for _, k := range keys {
				out[k] = clean(v[k])
			}
			return out
		case []any:
			out := make([]any, len(v))
			for i := range v {
				out[i] = clean(v[i])
			}
			return out
		case string:
			for _, n := range f.names {
				v = strings.ReplaceAll(v, n[0], n[1])
			}
			v = uuid.ReplaceAllString(v, "00000000-0000-0000-0000-000000000000")
			v = awsID.ReplaceAllStringFunc(v, func(id string) string {
				if stable, ok := ids[id]; ok {
					return stable
				}
				prefix, _, _ := strings.Cut(id, "-")
				counts[prefix]++
				ids[id] = fmt.Sprintf("%s-%017x", prefix, counts[prefix])
				return ids[id]
			})
			return timestamp.ReplaceAllStringFunc(v, func(s string) string {
				t, err := time.Parse(time.RFC3339Nano, s)
				if err != nil {
					return s
				}
				// The API server's times and conditions the operator times
				// by the real clock are seconds apart from the fake clock.
				return fixtureEpoch.Add(t.Sub(f.start)).Truncate(time.Minute).Format(time.RFC3339)
			})
		}
		return v
	}
	meta, _ := object["metadata"].(map[string]any)
	kept := map[string]any{}
	for _, k := range []string{"name", "namespace", "generation", "deletionTimestamp", "finalizers"} {
		if v, ok := meta[k]; ok {
			kept[k] = v
		}
	}
	out := map[string]any{"apiVersion": object["apiVersion"], "kind": object["kind"], "metadata": kept}
	for _, k := range []string{"spec", "status"} {
		if v, ok := object[k]; ok {
			out[k] = v
		}
	}
	return clean(out).(map[string]any)
}

func fixturePath(name string) string { return path.Join("testdata", name+".yaml") }

const fixtureHeader = "# Written by the operator in go test ./controllers/ -run %s; regenerate with -update.\n"

// write replaces the kind's test cases with the recorded ones.
func (f *healthFixtures) write() {
	f.t.Helper()
	dir := argocdhealth.KindDir(testenv.RepoRoot(), f.kind)
	f.g.Expect(os.RemoveAll(filepath.Join(dir, "testdata"))).To(Succeed())
	header := fmt.Sprintf(fixtureHeader, f.t.Name())
	var cases argocdhealth.TestCases
	for _, c := range f.cases {
		f.g.Expect(argocdhealth.WriteObject(dir, fixturePath(c.name), header, c.object)).To(Succeed())
		cases.Tests = append(cases.Tests, argocdhealth.TestCase{HealthStatus: c.health, InputPath: fixturePath(c.name)})
	}
	f.g.Expect(argocdhealth.WriteTestCases(dir, header, cases)).To(Succeed())
	f.t.Logf("wrote %d %s test cases into %s", len(f.cases), f.kind, dir)
}

// compare wants the committed test cases to be exactly the recorded ones,
// with the same conditions (type, status, reason) and health status.
func (f *healthFixtures) compare() {
	f.t.Helper()
	dir := argocdhealth.KindDir(testenv.RepoRoot(), f.kind)
	committed, err := argocdhealth.ReadTestCases(dir)
	f.g.Expect(err).NotTo(HaveOccurred(), "run go test ./controllers/ -run %s -update", f.t.Name())
	want := map[string]argocdhealth.Health{}
	for _, c := range committed.Tests {
		want[c.InputPath] = c.HealthStatus
	}
	var recorded []string
	for _, c := range f.cases {
		p := fixturePath(c.name)
		recorded = append(recorded, p)
		object, err := argocdhealth.ReadObject(dir, p)
		f.g.Expect(err).NotTo(HaveOccurred(), "%s %s is not committed: run with -update", f.kind, p)
		f.g.Expect(conditionsOf(c.object)).To(Equal(conditionsOf(object)), "%s %s is stale (the operator wrote the first, the committed object has the second): run with -update", f.kind, p)
		f.g.Expect(want).To(HaveKey(p), "%s %s has no case in %s: run with -update", f.kind, p, argocdhealth.TestsFile)
		f.g.Expect(want[p].Status).To(Equal(c.health.Status), "%s %s: the committed case's health is stale: run with -update", f.kind, p)
	}
	f.g.Expect(slices.Sorted(maps.Keys(want))).To(Equal(slices.Sorted(slices.Values(recorded))), "%s's committed test cases are not the ones the operator produces: run with -update", f.kind)
}
