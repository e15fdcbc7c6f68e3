package ec2sim

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// query is a decoded EC2 Query request: form values keyed by EC2's flattened parameter names
// (SubnetId.1, Filter.1.Value.2, TagSpecification.1.Tag.1.Key, ...).
type query url.Values

func (q query) get(name string) string {
	if v := q[name]; len(v) > 0 {
		return v[0]
	}
	return ""
}

func (q query) has(name string) bool {
	_, ok := q[name]
	return ok
}

// members returns the key prefixes of a flattened list's members in index order: for
// "SubnetId" it returns "SubnetId.1", "SubnetId.2", ... EC2 numbers members from 1 and does
// not require the numbers to be contiguous.
func (q query) members(list string) []string {
	prefix := list + "."
	var indexes []int
	for key := range q {
		rest, ok := strings.CutPrefix(key, prefix)
		if !ok {
			continue
		}
		digits, _, _ := strings.Cut(rest, ".")
		n, err := strconv.Atoi(digits)
		if err != nil || n < 1 || slices.Contains(indexes, n) {
			continue
		}
		indexes = append(indexes, n)
	}
	slices.Sort(indexes)
	out := make([]string, len(indexes))
	for i, n := range indexes {
		out[i] = prefix + strconv.Itoa(n)
	}
	return out
}

// strings returns the values of a flattened list of strings, such as SubnetId.N.
func (q query) strings(list string) []string {
	var out []string
	for _, member := range q.members(list) {
		if v, ok := q[member]; ok && len(v) > 0 {
			out = append(out, v[0])
		}
	}
	return out
}

func (q query) boolean(name string) (value, set bool, err *apiError) {
	raw, ok := q[name]
	if !ok || len(raw) == 0 {
		return false, false, nil
	}
	b, perr := strconv.ParseBool(raw[0])
	if perr != nil {
		return false, true, invalidValue(name, raw[0])
	}
	return b, true, nil
}

func (q query) int32(name string) (value int32, set bool, err *apiError) {
	raw, ok := q[name]
	if !ok || len(raw) == 0 {
		return 0, false, nil
	}
	n, perr := strconv.ParseInt(raw[0], 10, 32)
	if perr != nil {
		return 0, true, invalidValue(name, raw[0])
	}
	return int32(n), true, nil
}

// fingerprint is a canonical form of the request without its ClientToken, so that a retried
// request can be told apart from a different request that reuses the token.
func (q query) fingerprint() string {
	rest := make(url.Values, len(q))
	for k, v := range q {
		if k != "ClientToken" && k != "DryRun" {
			rest[k] = v
		}
	}
	return rest.Encode()
}
