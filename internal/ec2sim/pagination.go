package ec2sim

import (
	"encoding/base64"
	"slices"
	"strconv"
	"strings"
)

const (
	maxPageSize     = 1000
	pageTokenPrefix = "ec2sim:"
)

// page is the window a Describe request asked for: at most size items (0: all) created
// after the item with sequence number after.
type page struct {
	size  int
	after uint64
}

// parsePage reads MaxResults and NextToken. minSize is the smallest MaxResults EC2 accepts
// for the action (5 for most Describe actions, 1 where EC2 documents no minimum).
func parsePage(q query, minSize int) (page, *apiError) {
	var p page
	if n, set, err := q.int32("MaxResults"); err != nil {
		return p, err
	} else if set {
		if int(n) < minSize {
			return p, clientError(codeInvalidParameterValue,
				"Value ( %d ) for parameter maxResults is invalid. Expecting a value greater than %d.", n, minSize-1)
		}
		p.size = min(int(n), maxPageSize)
	}
	if token := q.get("NextToken"); token != "" {
		after, ok := decodePageToken(token)
		if !ok {
			return p, clientError(codeInvalidPaginationToken, "Invalid pagination token: %s", token)
		}
		p.after = after
	}
	return p, nil
}

// paginate returns the requested window of items and the token for the next one. Tokens
// point after the last returned item's creation sequence, so resources created or deleted
// between pages neither repeat nor shift the rest of the walk.
func paginate[T any](items []T, seqOf func(T) uint64, p page) ([]T, string) {
	slices.SortFunc(items, func(a, b T) int {
		sa, sb := seqOf(a), seqOf(b)
		switch {
		case sa < sb:
			return -1
		case sa > sb:
			return 1
		}
		return 0
	})
	start := 0
	if p.after > 0 {
		start = len(items)
		for i, item := range items {
			if seqOf(item) > p.after {
				start = i
				break
			}
		}
	}
	items = items[start:]
	if p.size == 0 || len(items) <= p.size {
		return items, ""
	}
	items = items[:p.size]
	return items, encodePageToken(seqOf(items[len(items)-1]))
}

func encodePageToken(after uint64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(pageTokenPrefix + strconv.FormatUint(after, 10)))
}

func decodePageToken(token string) (uint64, bool) {
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return 0, false
	}
	digits, ok := strings.CutPrefix(string(raw), pageTokenPrefix)
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseUint(digits, 10, 64)
	return n, err == nil
}

// collection describes how one resource type is listed by a Describe action, so that ID
// lookup, filtering and pagination behave the same way for every type.
type collection[T any] struct {
	idList  string // the flattened ID parameter, such as "VpcId"
	kind    idKind
	lookup  func(id string) (T, bool) // visible items only
	all     func() []T                // visible items, any order
	seq     func(T) uint64
	tags    func(T) tagSet
	fields  filterFields[T]
	minPage int
	// restrict, if set, narrows the items further, for parameters other than IDs and
	// filters (such as GroupName.N).
	restrict func(T) bool
}

func (c collection[T]) describe(q query) ([]T, string, *apiError) {
	filters, err := parseFilters(q)
	if err != nil {
		return nil, "", err
	}
	p, err := parsePage(q, c.minPage)
	if err != nil {
		return nil, "", err
	}
	var items []T
	if ids := q.strings(c.idList); len(ids) > 0 {
		seen := map[string]bool{}
		for _, id := range ids {
			item, ok := c.lookup(id)
			if err := c.kind.check(id, ok); err != nil {
				return nil, "", err
			}
			if !seen[id] {
				seen[id] = true
				items = append(items, item)
			}
		}
	} else {
		items = c.all()
	}
	if c.restrict != nil {
		items = slices.DeleteFunc(items, func(item T) bool { return !c.restrict(item) })
	}
	items, err = applyFilters(items, filters, c.fields, c.tags)
	if err != nil {
		return nil, "", err
	}
	page, next := paginate(items, c.seq, p)
	return page, next, nil
}
