package ec2sim

import (
	"strings"
)

// filter is one Filter.N of a Describe request: a name and the values any of which matches.
type filter struct {
	name   string
	values []string
}

func parseFilters(q query) ([]filter, *apiError) {
	var out []filter
	for _, m := range q.members("Filter") {
		name := q.get(m + ".Name")
		if name == "" {
			return nil, missingParameter(m + ".Name")
		}
		out = append(out, filter{name: name, values: q.strings(m + ".Value")})
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
