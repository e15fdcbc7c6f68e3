/*
Copyright 2026 The agentcore-vpce-operator Authors.

Licensed under the Apache License, Version 2.0.
*/

package docs_test

import (
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// inlineLinkPattern is [text](target) or ![alt](target), with an optional
// title after the target; group 1 is the target.
var inlineLinkPattern = regexp.MustCompile(`\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)`)

// referenceLinkPattern is a link reference definition, [label]: target.
var referenceLinkPattern = regexp.MustCompile(`^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)`)

// schemePattern starts an absolute URL (https:, mailto:, ...).
var schemePattern = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*:`)

// TestEveryRelativeLinkInTheDocsPointsAtAFileThatExists follows every
// relative link of docs/*.md and README.md to the file or directory it names,
// from the linking file's directory, as GitHub resolves them. A link with a
// fragment into a markdown file must also name one of its headings.
// Absolute URLs are left alone: checking them needs the network.
func TestEveryRelativeLinkInTheDocsPointsAtAFileThatExists(t *testing.T) {
	files := markdownFiles(t)
	for _, file := range files {
		lines := proseLines(readRepoFile(t, file))
		for n, line := range lines {
			// Code spans may show link syntax without meaning a link.
			line = codeSpanPattern.ReplaceAllString(line, "``")
			var targets []string
			for _, m := range inlineLinkPattern.FindAllStringSubmatch(line, -1) {
				targets = append(targets, m[1])
			}
			if m := referenceLinkPattern.FindStringSubmatch(line); m != nil {
				targets = append(targets, m[1])
			}
			for _, target := range targets {
				if problem := checkLink(t, file, target); problem != "" {
					t.Errorf("%s:%d: link %q %s", file, n+1, target, problem)
				}
			}
		}
	}
}

// TestTheDocsIndexLinksEveryPage keeps docs/README.md a complete index: a
// page nobody links to is a page nobody finds.
func TestTheDocsIndexLinksEveryPage(t *testing.T) {
	index := readRepoFile(t, "docs/README.md")
	linked := map[string]bool{}
	for _, line := range proseLines(index) {
		for _, m := range inlineLinkPattern.FindAllStringSubmatch(line, -1) {
			target, _, _ := strings.Cut(m[1], "#")
			linked[path.Clean(target)] = true
		}
	}
	for _, file := range markdownFiles(t) {
		dir, name := path.Split(file)
		if dir != "docs/" || name == "README.md" {
			continue
		}
		if !linked[name] {
			t.Errorf("docs/README.md does not link %s; add it to the index with one line on what it covers", file)
		}
	}
}

// markdownFiles are the files the link checks cover, relative to the
// repository root with forward slashes.
func markdownFiles(t *testing.T) []string {
	t.Helper()
	docs, err := filepath.Glob(filepath.Join(repoRoot, "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) == 0 {
		t.Fatal("no markdown files in docs/")
	}
	files := []string{"README.md"}
	for _, d := range docs {
		files = append(files, "docs/"+filepath.Base(d))
	}
	sort.Strings(files)
	return files
}

// checkLink says what is wrong with a link from file (relative to the
// repository root) to target, or "" when nothing is.
func checkLink(t *testing.T, file, target string) string {
	t.Helper()
	if schemePattern.MatchString(target) || strings.HasPrefix(target, "//") {
		return ""
	}
	target, fragment, _ := strings.Cut(target, "#")
	target, _, _ = strings.Cut(target, "?")
	resolved := file // a bare #fragment points into the linking file
	if target != "" {
		if strings.HasPrefix(target, "/") {
			return "is absolute; use a path relative to " + file + " so it works on GitHub and in a checkout"
		}
		resolved = path.Clean(path.Join(path.Dir(file), target))
		if resolved == ".." || strings.HasPrefix(resolved, "../") {
			return "leaves the repository"
		}
		if _, err := os.Stat(filepath.Join(repoRoot, filepath.FromSlash(resolved))); err != nil {
			return "points at " + resolved + ", which does not exist"
		}
	}
	if fragment != "" && strings.HasSuffix(resolved, ".md") {
		if !anchors(readRepoFile(t, resolved))[fragment] {
			return "names #" + fragment + ", which is not a heading of " + resolved
		}
	}
	return ""
}
