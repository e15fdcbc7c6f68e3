/*
Copyright 2026 The agentcore-vpce-operator Authors.

Licensed under the Apache License, Version 2.0.
*/

package iam_test

import (
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	awsclient "github.com/agentcore-io/vpce-operator/internal/aws"
	"github.com/agentcore-io/vpce-operator/internal/testenv"
)

const installGuide = "docs/install.md"

var codeSpanPattern = regexp.MustCompile("`([^`\n]+)`")

// stsAPIActions are the IAM actions of the STS calls of awsclient.STSAPI.
func stsAPIActions() []string {
	api := reflect.TypeOf((*awsclient.STSAPI)(nil)).Elem()
	out := make([]string, 0, api.NumMethod())
	for i := range api.NumMethod() {
		out = append(out, "sts:"+api.Method(i).Name)
	}
	return out
}

// TestSTSCallsNeedNoPermission: the operator's STS calls are the ones
// callsNeedingNoPermission explains, and the policy grants no STS action.
func TestSTSCallsNeedNoPermission(t *testing.T) {
	for _, a := range stsAPIActions() {
		if _, ok := callsNeedingNoPermission[a]; !ok {
			t.Errorf("awsclient.STSAPI calls %s; add it to dependencies_test.go and the install guide with the permission it needs", a)
		}
	}
	for _, s := range readPolicy(t).Statement {
		for _, a := range s.Action {
			if strings.HasPrefix(a, "sts:") {
				t.Errorf("statement %s grants %s; the operator's STS calls need no permission", s.Sid, a)
			}
		}
	}
}

// guideTable returns the rows of the table in docs/install.md's "The IAM
// policy" section whose header row starts with header, as cells keyed by
// the first code span of the first cell.
func guideTable(t *testing.T, header string) map[string][]string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), filepath.FromSlash(installGuide)))
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(raw), "\n## The IAM policy\n")
	if !ok {
		t.Fatalf("%s has no \"## The IAM policy\" section; other pages link to #the-iam-policy", installGuide)
	}
	section, _, _ = strings.Cut(section, "\n## ")
	rows := map[string][]string{}
	in := false
	for _, line := range strings.Split(section, "\n") {
		switch {
		case strings.HasPrefix(line, "| "+header+" |"):
			in = true
		case !strings.HasPrefix(line, "|"):
			in = false
		case in && !strings.HasPrefix(line, "|---"):
			cells := strings.Split(strings.Trim(line, "|"), "|")
			first := codeSpans(cells[0])
			if len(first) == 0 {
				t.Errorf("%s: row %q of the %q table names nothing in its first cell", installGuide, line, header)
				continue
			}
			rows[first[0]] = cells
		}
	}
	if len(rows) == 0 {
		t.Fatalf("%s has no table headed %q in \"The IAM policy\"", installGuide, header)
	}
	return rows
}

func codeSpans(s string) []string {
	var out []string
	for _, m := range codeSpanPattern.FindAllStringSubmatch(s, -1) {
		out = append(out, m[1])
	}
	return out
}

// sortedSet returns the distinct values of list, sorted.
func sortedSet(list []string) []string {
	out := slices.Clone(list)
	sort.Strings(out)
	return slices.Compact(out)
}

// TestInstallGuideTablesMatchThePolicy keeps the two tables of the guide's
// IAM section true: one row per statement naming what it grants, and one row
// per call naming its permission, its dependent actions (as
// dependencies_test.go lists them) and the statements that grant it.
func TestInstallGuideTablesMatchThePolicy(t *testing.T) {
	doc := readPolicy(t)

	statements := guideTable(t, "Statement")
	for _, s := range doc.Statement {
		row, ok := statements[s.Sid]
		if !ok {
			t.Errorf("%s does not describe statement %s", installGuide, s.Sid)
			continue
		}
		named := codeSpans(row[1])
		for _, a := range s.Action {
			if !slices.Contains(named, a) && !slices.Contains(named, strings.TrimPrefix(a, "ec2:")) {
				t.Errorf("%s: the row of %s does not name %s, which it grants", installGuide, s.Sid, a)
			}
		}
		delete(statements, s.Sid)
	}
	for sid := range statements {
		t.Errorf("%s describes statement %s, which config/iam/policy.json does not have", installGuide, sid)
	}

	calls := guideTable(t, "Call")
	for _, action := range ec2APIActions() {
		call := strings.TrimPrefix(action, "ec2:")
		row, ok := calls[call]
		if !ok || len(row) < 4 {
			t.Errorf("%s: the calls table has no row of four cells for %s", installGuide, call)
			continue
		}
		if !slices.Contains(codeSpans(row[1]), action) {
			t.Errorf("%s: the row of %s does not name its permission %s", installGuide, call, action)
		}
		var deps []string
		for _, c := range codeSpans(row[2]) {
			if strings.Contains(c, ":") {
				deps = append(deps, c)
			}
		}
		if got, want := sortedSet(deps), sortedSet(dependentActionsOf(call)); !slices.Equal(got, want) {
			t.Errorf("%s: the row of %s lists the dependent actions %v; dependencies_test.go lists %v", installGuide, call, got, want)
		}
		var sids []string
		for _, s := range doc.Statement {
			if s.grants(action) {
				sids = append(sids, s.Sid)
			}
		}
		if got, want := sortedSet(codeSpans(row[3])), sortedSet(sids); !slices.Equal(got, want) {
			t.Errorf("%s: the row of %s says it is granted by %v; config/iam/policy.json grants it in %v", installGuide, call, got, want)
		}
		delete(calls, call)
	}
	for _, action := range stsAPIActions() {
		call := strings.TrimPrefix(action, "sts:")
		if _, ok := calls[call]; !ok {
			t.Errorf("%s: the calls table has no row for %s", installGuide, action)
		}
		delete(calls, call)
	}
	for call := range calls {
		t.Errorf("%s: the calls table lists %s, which the operator does not call", installGuide, call)
	}
}
