/*
Copyright 2026 The agentcore-vpce-operator Authors.

Licensed under the Apache License, Version 2.0.
*/

package observability_test

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// promqlKeywords are the identifiers of PromQL that are not metric names
// and are not followed by a parenthesis of arguments: aggregation operators
// (which may take a by clause first), set and comparison modifiers, and
// literals.
var promqlKeywords = map[string]bool{
	"sum": true, "min": true, "max": true, "avg": true, "group": true, "stddev": true, "stdvar": true,
	"count": true, "count_values": true, "bottomk": true, "topk": true, "quantile": true,
	"limitk": true, "limit_ratio": true,
	"by": true, "without": true, "on": true, "ignoring": true, "group_left": true, "group_right": true,
	"and": true, "or": true, "unless": true, "bool": true, "offset": true, "atan2": true,
	"inf": true, "nan": true,
}

// labelListKeywords take a parenthesised list of label names, which are not
// metric names.
var labelListKeywords = map[string]bool{
	"by": true, "without": true, "on": true, "ignoring": true, "group_left": true, "group_right": true,
}

// metricNames returns the metric names an expression selects, in order of
// appearance: identifiers outside label matchers, ranges, strings and label
// lists that are neither keywords nor called as functions. Grafana's
// variables ($__rate_interval, ${datasource}) are skipped.
func metricNames(expr string) ([]string, error) {
	var names []string
	s := []rune(expr)
	i := 0
	// skipTo moves i past the bracket that closes the one at i, skipping
	// strings inside.
	skipTo := func(open, closing rune) error {
		start, depth := i, 0
		for ; i < len(s); i++ {
			switch s[i] {
			case '"', '\'', '`':
				if err := skipString(s, &i); err != nil {
					return err
				}
			case open:
				depth++
			case closing:
				depth--
				if depth == 0 {
					i++
					return nil
				}
			}
		}
		return fmt.Errorf("unclosed %q at offset %d in %q", open, start, expr)
	}
	nextNonSpace := func(j int) rune {
		for ; j < len(s); j++ {
			if s[j] != ' ' && s[j] != '\t' && s[j] != '\n' && s[j] != '\r' {
				return s[j]
			}
		}
		return 0
	}
	for i < len(s) {
		c := s[i]
		switch {
		case c == '"' || c == '\'' || c == '`':
			if err := skipString(s, &i); err != nil {
				return nil, err
			}
			i++
		case c == '#':
			for i < len(s) && s[i] != '\n' {
				i++
			}
		case c == '{':
			if err := skipTo('{', '}'); err != nil {
				return nil, err
			}
		case c == '[':
			if err := skipTo('[', ']'); err != nil {
				return nil, err
			}
		case c == '}' || c == ']':
			return nil, fmt.Errorf("unopened %q at offset %d in %q", c, i, expr)
		case c == '$':
			i++
			if i < len(s) && s[i] == '{' {
				if err := skipTo('{', '}'); err != nil {
					return nil, err
				}
				continue
			}
			for i < len(s) && isIdentRune(s[i], false) {
				i++
			}
		case c >= '0' && c <= '9' || c == '.':
			// Numbers and durations: 0.99, 1e3, 0x1f, 5m, 1h30m.
			for i < len(s) && (isIdentRune(s[i], false) || s[i] == '.') {
				i++
			}
		case isIdentRune(c, true):
			start := i
			for i < len(s) && isIdentRune(s[i], false) {
				i++
			}
			word := string(s[start:i])
			next := nextNonSpace(i)
			switch {
			case labelListKeywords[word] && next == '(':
				for s[i] != '(' {
					i++
				}
				if err := skipTo('(', ')'); err != nil {
					return nil, err
				}
			case promqlKeywords[strings.ToLower(word)]:
			case next == '(':
				// A function call: its arguments are scanned as they come.
			default:
				names = append(names, word)
			}
		default:
			i++
		}
	}
	return names, nil
}

// skipString moves *i from a string's opening quote to its closing one.
func skipString(s []rune, i *int) error {
	quote, start := s[*i], *i
	for *i++; *i < len(s); *i++ {
		switch {
		case s[*i] == '\\' && quote != '`':
			*i++
		case s[*i] == quote:
			return nil
		}
	}
	return fmt.Errorf("unclosed string at offset %d in %q", start, string(s))
}

func isIdentRune(r rune, first bool) bool {
	return r == '_' || r == ':' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || !first && r >= '0' && r <= '9'
}

// labelValuesQuery is Grafana's label_values(<selector>, <label>) variable
// query; group 1 is the selector.
var labelValuesQuery = regexp.MustCompile(`^\s*label_values\((.*),\s*[A-Za-z_][A-Za-z0-9_]*\s*\)\s*$`)

// variableMetricNames returns the metric names a Grafana variable query of
// the Prometheus data source selects.
func variableMetricNames(query string) ([]string, error) {
	if m := labelValuesQuery.FindStringSubmatch(query); m != nil {
		return metricNames(m[1])
	}
	if strings.HasPrefix(strings.TrimSpace(query), "label_values(") {
		return nil, nil // label_values(<label>): no metric
	}
	return metricNames(query)
}

func TestTheTokenizerFindsTheMetricsOfAnExpressionAndNothingElse(t *testing.T) {
	cases := []struct {
		expr string
		want []string
	}{
		{`up`, []string{"up"}},
		{`absent(up{job="a"} == 1)`, []string{"up"}},
		{`sum by (namespace, reason) (x_total{kind="GatewayEndpoint", reason!~"a|b"}) > 0`, []string{"x_total"}},
		{`sum(rate(a_total{code=~"RequestLimitExceeded"}[15m])) by (operation) / sum(rate(b_total[15m])) by (operation) > 0.1`, []string{"a_total", "b_total"}},
		{`histogram_quantile(0.99, sum by (le, class) (rate(w_seconds_bucket{result="OK"}[$__rate_interval])))`, []string{"w_seconds_bucket"}},
		{`absent(m{c="g"}) and on() (count(up{job="j"} == 1) > 0)`, []string{"m", "up"}},
		{`a * on(instance) group_left(node) b offset 5m`, []string{"a", "b"}},
		{`count(c) or vector(0)`, []string{"c"}},
		{`sum(x{label="has } and { inside", other='q\'uote'}) # comment naming not_a_metric`, []string{"x"}},
		{`rate(y[5m:30s]) > 1e3`, []string{"y"}},
		{`sum(z{namespace=~"$namespace"}) / ${scale}`, []string{"z"}},
	}
	for _, c := range cases {
		got, err := metricNames(c.expr)
		if err != nil {
			t.Errorf("%s: %v", c.expr, err)
			continue
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%s: got %q, want %q", c.expr, got, c.want)
		}
	}
	for _, bad := range []string{`sum(x{a="b")`, `rate(x[5m)`, `x{a="b}`} {
		if _, err := metricNames(bad); err == nil {
			t.Errorf("%s: want an error for the unbalanced expression", bad)
		}
	}
	if got, err := variableMetricNames(`label_values(v{kind="K"}, namespace)`); err != nil || !slices.Equal(got, []string{"v"}) {
		t.Errorf("label_values: got %q, %v; want [v]", got, err)
	}
}
