/*
Copyright 2026 The agentcore-vpce-operator Authors.

Licensed under the Apache License, Version 2.0.
*/

package observability_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode"
)

// repoURL is where runbook links point: the repository's files on GitHub.
const repoURL = "https://github.com/agentcore-io/vpce-operator/blob/main/"

// headingPattern is an ATX heading; group 1 is its text.
var headingPattern = regexp.MustCompile(`^#{1,6}\s+(.*?)\s*#*\s*$`)

// anchors are the fragment identifiers GitHub gives a markdown file's
// headings: lower case, punctuation dropped, spaces turned into hyphens
// (repeats, which get -1, -2, ..., are not linked to here). Headings inside
// fenced code blocks are not headings.
func anchors(text string) map[string]bool {
	out := map[string]bool{}
	fenced := false
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "```") {
			fenced = !fenced
			continue
		}
		m := headingPattern.FindStringSubmatch(line)
		if fenced || m == nil {
			continue
		}
		var b strings.Builder
		for _, r := range strings.ToLower(m[1]) {
			switch {
			case unicode.IsLetter(r), unicode.IsDigit(r), r == '-', r == '_':
				b.WriteRune(r)
			case r == ' ':
				b.WriteByte('-')
			}
		}
		out[b.String()] = true
	}
	return out
}

func TestEveryAlertSaysWhatIsWrongAndLinksItsRunbook(t *testing.T) {
	troubleshooting := anchors(string(readRepoFile(t, "docs/troubleshooting.md")))
	seen := map[string]bool{}
	for _, r := range rules(t) {
		if r.Alert == "" {
			t.Errorf("a rule of %s is not an alert (recording rules belong elsewhere): %q", rulesPath, r.Expr)
			continue
		}
		if seen[r.Alert] {
			t.Errorf("alert %s is defined twice", r.Alert)
		}
		seen[r.Alert] = true
		if d, err := time.ParseDuration(r.For); err != nil || d < time.Minute {
			t.Errorf("alert %s: for %q, want a duration of a minute or more, so that one scrape does not page", r.Alert, r.For)
		}
		if s := r.Labels["severity"]; s != "warning" && s != "critical" {
			t.Errorf("alert %s: severity %q, want warning or critical", r.Alert, s)
		}
		for _, a := range []string{"summary", "description"} {
			if strings.TrimSpace(r.Annotations[a]) == "" {
				t.Errorf("alert %s has no %s", r.Alert, a)
			}
		}
		want := repoURL + "docs/troubleshooting.md#" + strings.ToLower(r.Alert)
		if got := r.Annotations["runbook_url"]; got != want {
			t.Errorf("alert %s: runbook_url %q, want %q (its section in docs/troubleshooting.md)", r.Alert, got, want)
		}
		if !troubleshooting[strings.ToLower(r.Alert)] {
			t.Errorf("alert %s: docs/troubleshooting.md has no section '### %s' for its runbook", r.Alert, r.Alert)
		}
	}
}

func TestTheDashboardAsksWhichPrometheusToReadAndEveryQueryUsesIt(t *testing.T) {
	d := dashboard(t)
	templating, _ := d["templating"].(map[string]any)
	variables, _ := templating["list"].([]any)
	found := false
	for _, v := range variables {
		variable, _ := v.(map[string]any)
		if variable["name"] == "datasource" && variable["type"] == "datasource" && variable["query"] == "prometheus" {
			found = true
		}
	}
	if !found {
		t.Fatalf("%s has no datasource variable of type datasource for prometheus", dashboardPath)
	}
	ids := map[float64]bool{}
	var check func(panels []any)
	check = func(panels []any) {
		for _, p := range panels {
			panel, _ := p.(map[string]any)
			title, _ := panel["title"].(string)
			id, _ := panel["id"].(float64)
			if ids[id] {
				t.Errorf("panel %q: id %v is used twice", title, id)
			}
			ids[id] = true
			if _, ok := panel["gridPos"].(map[string]any); !ok {
				t.Errorf("panel %q has no gridPos", title)
			}
			targets, _ := panel["targets"].([]any)
			if panel["type"] != "row" && len(targets) == 0 {
				t.Errorf("panel %q has no query", title)
			}
			for _, ds := range append([]any{panel["datasource"]}, targets...) {
				if panel["type"] == "row" && ds == nil {
					continue
				}
				if target, ok := ds.(map[string]any); ok && target["refId"] != nil {
					ds = target["datasource"]
				}
				source, _ := ds.(map[string]any)
				if source["uid"] != "${datasource}" {
					t.Errorf("panel %q reads data source %v, want uid ${datasource}", title, ds)
				}
			}
			nested, _ := panel["panels"].([]any)
			check(nested)
		}
	}
	panels, _ := d["panels"].([]any)
	check(panels)
}

// repoLink is a link into the repository on GitHub; group 1 is the file,
// group 2 the heading's anchor.
var repoLink = regexp.MustCompile(regexp.QuoteMeta(repoURL) + `([^\s"'#)]+)(?:#([A-Za-z0-9_-]+))?`)

func TestEveryLinkIntoTheRepositoryLeadsToAFileAndHeadingThatExist(t *testing.T) {
	for _, file := range []string{dashboardPath, rulesPath} {
		links := repoLink.FindAllStringSubmatch(string(readRepoFile(t, file)), -1)
		if len(links) == 0 {
			t.Errorf("%s links nothing in the repository; its runbooks should", file)
		}
		for _, l := range links {
			if _, err := os.Stat(filepath.Join(repoRoot, filepath.FromSlash(l[1]))); err != nil {
				t.Errorf("%s: link %s: %s does not exist", file, l[0], l[1])
				continue
			}
			if l[2] != "" && !anchors(string(readRepoFile(t, l[1])))[l[2]] {
				t.Errorf("%s: link %s: %s has no heading #%s", file, l[0], l[1], l[2])
			}
		}
	}
}
