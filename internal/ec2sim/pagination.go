package ec2sim

import (
	"encoding/base64"
	"slices"
	"strconv"
	"strings"
)

const pageTokenPrefix = "ec2sim:"

// pageRange is the MaxResults an action accepts, as its API reference page documents it.
type pageRange struct {
	min, max int
	// capped answers a MaxResults above max with max items rather than an error.
	capped bool
}

var (
	// pages5To1000 is DescribeVpcs', DescribeSubnets', DescribeSecurityGroups',
	// DescribeSecurityGroupRules' and DescribeNetworkInterfaces' MaxResults: "Valid Range:
	// Minimum value of 5. Maximum value of 1000" (e.g.
	// https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeSecurityGroups.html).
	pages5To1000 = pageRange{min: 5, max: 1000}
	// pagesCappedAt1000 is DescribeVpcEndpoints' and DescribeVpcEndpointServices':
	// "Constraint: If the value is greater than 1,000, we return only 1,000 items", with no
	// documented minimum
	// (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeVpcEndpoints.html).
	pagesCappedAt1000 = pageRange{min: 1, max: 1000, capped: true}
)

// page is the window a Describe request asked for: at most size items (0: all) created
// after the item with sequence number after.
type page struct {
	size  int
	after uint64
}

// parsePage reads MaxResults and NextToken.
func parsePage(q query, r pageRange) (page, *apiError) {
	var p page
	if n, set, err := q.int32("MaxResults"); err != nil {
		return p, err
	} else if set {
		switch {
		case int(n) < r.min:
			return p, clientError(codeInvalidParameterValue,
				"Value ( %d ) for parameter maxResults is invalid. Expecting a value greater than %d.", n, r.min-1)
		case int(n) > r.max && !r.capped:
			return p, clientError(codeInvalidParameterValue,
				"Value ( %d ) for parameter maxResults is invalid. Expecting a value less than %d.", n, r.max+1)
		}
		p.size = min(int(n), r.max)
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

// paginate returns the requested window of items and the token for the next one, or ""
// on the last. Tokens point after the last item of the window by creation sequence, so
// resources created or deleted between pages neither repeat nor shift the rest of the walk.
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
	start := len(items)
	for i, item := range items {
		if seqOf(item) > p.after {
			start = i
			break
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
	idList string // the flattened ID parameter, such as "VpcId"
	kind   idKind
	lookup func(id string) (T, bool) // visible items only
	all    func() []T                // visible items, any order
	seq    func(T) uint64
	tags   func(T) tagSet
	fields filterFields[T]
	pages  pageRange
	// pagesExcludeIDs refuses MaxResults together with IDs.
	pagesExcludeIDs bool
	// filterLimitCode answers more filter values than EC2 takes; "" is FilterLimitExceeded.
	filterLimitCode string
	// restrict, if set, narrows the items further, for parameters other than IDs and
	// filters (such as GroupName.N).
	restrict func(T) bool
}

// describe answers a Describe request as EC2 does: the IDs (or everything) make the list,
// MaxResults and NextToken cut a page of it, and the filters apply to that page. EC2 filters
// each page after cutting it, so a page can come back with fewer items than MaxResults, or
// none, and still carry a NextToken (AWS_FACTS.md): clients go on while NextToken is set,
// as the loop in "Pagination in the Amazon EC2 API" does
// (https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-pagination.html).
func (c collection[T]) describe(q query) ([]T, string, *apiError) {
	filters, err := parseFilters(q, c.filterLimitCode)
	if err != nil {
		return nil, "", err
	}
	p, err := parsePage(q, c.pages)
	if err != nil {
		return nil, "", err
	}
	ids := q.strings(c.idList)
	if c.pagesExcludeIDs && len(ids) > 0 && q.has("MaxResults") {
		return nil, "", clientError(codeInvalidParameterCombination,
			"The parameter %s cannot be used with the parameter maxResults", c.idList+"s")
	}
	var items []T
	if len(ids) > 0 {
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
	window, next := paginate(items, c.seq, p)
	window, err = applyFilters(window, filters, c.fields, c.tags)
	if err != nil {
		return nil, "", err
	}
	return window, next, nil
}
