package ec2sim

import (
	"strings"
)

// maxFilterValues is how many filter values EC2 takes in one call: "The maximum number of
// filter values specified on a single call is 200", as public reports quote EC2. The error
// code is FilterLimitExceeded, EC2's code for too many filters or filter values
// (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html; reported
// for DescribeInstances), but DescribeVpcEndpoints was reported answering
// InvalidParameterValue with the same message; collections choose. The message speaks of the call, so the simulator counts the
// values of all filters together, which also keeps every filter within 200 (AWS_FACTS.md).
const maxFilterValues = 200

const codeFilterLimitExceeded = "FilterLimitExceeded"

// filter is one Filter.N of a Describe request: a name and the values any of which matches.
type filter struct {
	name   string
	values []string
}

// parseFilters reads Filter.N; limitCode answers too many values ("" is
// FilterLimitExceeded).
func parseFilters(q query, limitCode string) ([]filter, *apiError) {
	var out []filter
	total := 0
	for _, m := range q.members("Filter") {
		name := q.get(m + ".Name")
		if name == "" {
			return nil, missingParameter(m + ".Name")
		}
		f := filter{name: name, values: q.strings(m + ".Value")}
		total += len(f.values)
		out = append(out, f)
	}
	if total > maxFilterValues {
		if limitCode == "" {
			limitCode = codeFilterLimitExceeded
		}
		return nil, clientError(limitCode, "The maximum number of filter values specified on a single call is %d", maxFilterValues)
	}
	return out, nil
}

// filterFields maps the filter names EC2 accepts for one resource type to the resource's
// values for that name.
type filterFields[T any] map[string]func(T) []string

// applyFilters keeps the items that match every filter (filters are ANDed, the values of
// one filter ORed) and rejects filter names EC2 would not know for this resource type.
// tag:<key>, tag-key and tag-value are understood for every tagged type.
func applyFilters[T any](items []T, filters []filter, fields filterFields[T], tagsOf func(T) tagSet) ([]T, *apiError) {
	if len(filters) == 0 {
		return items, nil
	}
	for _, f := range filters {
		if _, ok := fields[f.name]; ok {
			continue
		}
		if tagsOf != nil && (strings.HasPrefix(f.name, "tag:") || f.name == "tag-key" || f.name == "tag-value") {
			continue
		}
		return nil, invalidFilter(f.name)
	}
	out := items[:0:0]
	for _, item := range items {
		if matchesAll(item, filters, fields, tagsOf) {
			out = append(out, item)
		}
	}
	return out, nil
}

func matchesAll[T any](item T, filters []filter, fields filterFields[T], tagsOf func(T) tagSet) bool {
	for _, f := range filters {
		if !matchesAny(filterValues(item, f.name, fields, tagsOf), f.values) {
			return false
		}
	}
	return true
}

func filterValues[T any](item T, name string, fields filterFields[T], tagsOf func(T) tagSet) []string {
	if field, ok := fields[name]; ok {
		return field(item)
	}
	tags := tagsOf(item)
	switch {
	case strings.HasPrefix(name, "tag:"):
		if v, ok := tags[strings.TrimPrefix(name, "tag:")]; ok {
			return []string{v}
		}
		return nil
	case name == "tag-key":
		keys := make([]string, 0, len(tags))
		for k := range tags {
			keys = append(keys, k)
		}
		return keys
	default: // tag-value
		values := make([]string, 0, len(tags))
		for _, v := range tags {
			values = append(values, v)
		}
		return values
	}
}

func matchesAny(have, patterns []string) bool {
	for _, p := range patterns {
		for _, h := range have {
			if wildcardMatch(p, h) {
				return true
			}
		}
	}
	return false
}

// wildcardMatch matches EC2 filter values: '*' matches any run of characters, '?' exactly
// one, and a backslash makes the next character literal.
func wildcardMatch(pattern, s string) bool {
	if !strings.ContainsAny(pattern, `*?\`) {
		return pattern == s
	}
	// Iterative matching with backtracking to the last '*': linear in practice and never
	// exponential, unlike naive recursion.
	p, i := 0, 0
	starP, starI := -1, 0
	for i < len(s) {
		if p < len(pattern) {
			switch c := pattern[p]; {
			case c == '*':
				starP, starI = p, i
				p++
				continue
			case c == '?':
				p++
				i++
				continue
			case c == '\\' && p+1 < len(pattern) && pattern[p+1] == s[i]:
				p += 2
				i++
				continue
			case c != '\\' && c == s[i]:
				p++
				i++
				continue
			}
		}
		if starP < 0 {
			return false
		}
		starI++
		p, i = starP+1, starI
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}
