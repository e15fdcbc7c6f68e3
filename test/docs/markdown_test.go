/*
Copyright 2026 The agentcore-vpce-operator Authors.

Licensed under the Apache License, Version 2.0.
*/

package docs_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode"
)

// repoRoot is the repository's top directory. go test runs a package's tests
// in the package's own directory, test/docs.
const repoRoot = "../.."

// readRepoFile returns the text of a file named from the repository root.
func readRepoFile(t *testing.T, rel string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot, filepath.FromSlash(rel)))
	if err != nil {
		t.Fatalf("reading %s: %v", rel, err)
	}
	return string(b)
}

// fencePattern opens or closes a fenced code block (``` or ~~~, indented by
// at most three spaces, as CommonMark allows).
var fencePattern = regexp.MustCompile("^ {0,3}(```|~~~)")

// proseLines returns the lines of a markdown text outside fenced code blocks,
// with fenced lines blanked so that line numbers still match the file. Code
// blocks hold YAML and shell, not links or field names the reader is meant to
// look up.
func proseLines(text string) []string {
	lines := strings.Split(text, "\n")
	out := make([]string, len(lines))
	fence := ""
	for i, line := range lines {
		if m := fencePattern.FindStringSubmatch(line); m != nil {
			switch fence {
			case "":
				fence = m[1]
				continue
			case m[1]:
				fence = ""
				continue
			}
		}
		if fence == "" {
			out[i] = line
		}
	}
	return out
}

// codeSpanPattern is an inline code span of single backticks.
var codeSpanPattern = regexp.MustCompile("`([^`\n]+)`")

// codeSpans returns the set of inline code spans in lines, trimmed.
func codeSpans(lines []string) map[string]bool {
	spans := map[string]bool{}
	for _, line := range lines {
		for _, m := range codeSpanPattern.FindAllStringSubmatch(line, -1) {
			spans[strings.TrimSpace(m[1])] = true
		}
	}
	return spans
}

// headingPattern is an ATX heading; group 1 is its level, group 2 its text.
var headingPattern = regexp.MustCompile(`^(#{1,6})\s+(.*?)\s*#*\s*$`)

// section returns the prose lines under the level-2 heading whose text is
// title, up to the next level-2 heading, and whether there is one.
func section(lines []string, title string) ([]string, bool) {
	start := -1
	for i, line := range lines {
		m := headingPattern.FindStringSubmatch(line)
		if m == nil || len(m[1]) != 2 {
			continue
		}
		if start >= 0 {
			return lines[start:i], true
		}
		if m[2] == title {
			start = i + 1
		}
	}
	if start < 0 {
		return nil, false
	}
	return lines[start:], true
}

// anchors returns the fragment identifiers GitHub gives the headings of a
// markdown text: lower case, punctuation dropped, spaces turned into hyphens,
// and a -1, -2, ... suffix on repeats.
func anchors(text string) map[string]bool {
	seen := map[string]int{}
	out := map[string]bool{}
	for _, line := range proseLines(text) {
		m := headingPattern.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		slug := slugify(m[2])
		if n := seen[slug]; n > 0 {
			out[slug+"-"+strconv.Itoa(n)] = true
		} else {
			out[slug] = true
		}
		seen[slug]++
	}
	return out
}

func slugify(heading string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(heading) {
		switch {
		case unicode.IsLetter(r), unicode.IsDigit(r), r == '-', r == '_':
			b.WriteRune(r)
		case r == ' ':
			b.WriteByte('-')
		}
	}
	return b.String()
}
