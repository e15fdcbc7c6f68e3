package ec2sim

import (
	"maps"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

const (
	maxTagsPerResource = 50
	maxTagKeyLength    = 128
	maxTagValueLength  = 256
)

// tagSet is a resource's tags, key to value.
type tagSet map[string]string

type tagXML struct {
	Key   string `xml:"key"`
	Value string `xml:"value"`
}

// xml lists the tags sorted by key so responses are stable.
func (t tagSet) xml() []tagXML {
	if len(t) == 0 {
		return nil
	}
	out := make([]tagXML, 0, len(t))
	for _, k := range slices.Sorted(maps.Keys(t)) {
		out = append(out, tagXML{Key: k, Value: t[k]})
	}
	return out
}

type tagParam struct {
	key, value string
	hasValue   bool
}

// parseTags reads a flattened tag list such as Tag.N.Key / Tag.N.Value.
func parseTags(q query, list string) ([]tagParam, *apiError) {
	var out []tagParam
	for _, m := range q.members(list) {
		key := q.get(m + ".Key")
		if !q.has(m + ".Key") {
			return nil, missingParameter(m + ".Key")
		}
		t := tagParam{key: key, value: q.get(m + ".Value"), hasValue: q.has(m + ".Value")}
		out = append(out, t)
	}
	return out, nil
}

func validateNewTags(tags []tagParam) *apiError {
	for _, t := range tags {
		switch {
		case t.key == "":
			return clientError(codeInvalidParameterValue, "Tag keys cannot be empty.")
		case utf8.RuneCountInString(t.key) > maxTagKeyLength:
			return clientError(codeInvalidParameterValue, "Tag key exceeds the maximum length of %d characters", maxTagKeyLength)
		case utf8.RuneCountInString(t.value) > maxTagValueLength:
			return clientError(codeInvalidParameterValue, "Tag value exceeds the maximum length of %d characters", maxTagValueLength)
		case strings.HasPrefix(strings.ToLower(t.key), "aws:"):
			return clientError(codeInvalidParameterValue, "Tag keys starting with 'aws:' are reserved for internal use")
		}
	}
	return nil
}

// parseTagSpecifications reads the tags a create action applies to its new resource. EC2
// rejects a specification for any other resource type.
func parseTagSpecifications(q query, resourceType string) (tagSet, *apiError) {
	tags := tagSet{}
	for _, spec := range q.members("TagSpecification") {
		if rt := q.get(spec + ".ResourceType"); rt != resourceType {
			return nil, clientError(codeInvalidParameterValue, "'%s' is not a valid taggable resource type for this operation.", rt)
		}
		params, err := parseTags(q, spec+".Tag")
		if err != nil {
			return nil, err
		}
		if err := validateNewTags(params); err != nil {
			return nil, err
		}
		for _, t := range params {
			tags[t.key] = t.value
		}
	}
	if len(tags) > maxTagsPerResource {
		return nil, clientError(codeTagLimitExceeded, "The maximum number of Tags for a resource has been reached.")
	}
	return tags, nil
}

// tagTarget is a resource's tags, and how to keep them as reads see them before a change.
type tagTarget struct {
	tags     *tagSet
	remember func()
}

// taggedResource finds the current tags of any resource the simulator holds, by ID.
// Callers hold s.mu.
func (s *Simulator) taggedResource(id string) (*tagSet, *apiError) {
	t, err := s.tagTargetFor(id, time.Time{}, false)
	return t.tags, err
}

// tagTargetFor finds the tags of a resource a tagging call names, by ID. When propagating,
// a security group, endpoint, interface or rule whose creation has not propagated at now is
// not found, as EC2's eventual consistency page warns (see consistency.go). Callers hold
// s.mu.
func (s *Simulator) tagTargetFor(id string, now time.Time, propagating bool) (tagTarget, *apiError) {
	known := func(visibleAt time.Time) bool { return !propagating || propagated(visibleAt, now) }
	prefix, _, _ := strings.Cut(id, "-")
	switch prefix {
	case kindVPC.prefix:
		if v, ok := s.vpcs[id]; ok {
			return tagTarget{&v.tags, func() { s.rememberTags(&v.pastTags, v.tags, now) }}, nil
		}
		return tagTarget{}, kindVPC.check(id, false)
	case kindSubnet.prefix:
		if sn, ok := s.subnets[id]; ok {
			return tagTarget{&sn.tags, func() { s.rememberTags(&sn.pastTags, sn.tags, now) }}, nil
		}
		return tagTarget{}, kindSubnet.check(id, false)
	case kindGroup.prefix:
		if g, ok := s.groups[id]; ok && known(g.visibleAt) {
			return tagTarget{&g.tags, func() { s.rememberGroup(g, now) }}, nil
		}
		return tagTarget{}, kindGroup.check(id, false)
	case kindEndpoint.prefix:
		if e, ok := s.endpoints[id]; ok && known(e.visibleAt) {
			return tagTarget{&e.tags, func() { s.rememberEndpoint(e, now) }}, nil
		}
		return tagTarget{}, kindEndpoint.check(id, false)
	case kindInterface.prefix:
		if ni, ok := s.interfaces[id]; ok && known(ni.visibleAt) {
			return tagTarget{&ni.tags, func() { s.rememberTags(&ni.pastTags, ni.tags, now) }}, nil
		}
		return tagTarget{}, kindInterface.check(id, false)
	case kindRule.prefix:
		if r, ok := s.rules[id]; ok && (!propagating || s.rulesSeen(s.groups[r.groupID], now)[id]) {
			return tagTarget{&r.tags, func() { s.rememberTags(&r.pastTags, r.tags, now) }}, nil
		}
		return tagTarget{}, kindRule.check(id, false)
	}
	return tagTarget{}, clientError(codeInvalidID, "The ID '%s' is not valid", id)
}

// createTags adds or overwrites tags on every resource named, or on none: "When you specify
// an existing tag key, the value is overwritten with the new value"
// (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateTags.html). Overwriting
// a tag with the value it has changes nothing, so a retried CreateTags whose first attempt
// took effect succeeds.
func (s *Simulator) createTags(q query, now time.Time) (response, *apiError) {
	ids := q.strings("ResourceId")
	if len(ids) == 0 {
		return nil, missingParameter("ResourceId")
	}
	tags, err := parseTags(q, "Tag")
	if err != nil {
		return nil, err
	}
	if err := validateNewTags(tags); err != nil {
		return nil, err
	}
	// EC2 tags all the resources or none of them.
	targets := make([]tagTarget, 0, len(ids))
	for _, id := range ids {
		t, err := s.tagTargetFor(id, now, true)
		if err != nil {
			return nil, err
		}
		merged := maps.Clone(*t.tags)
		if merged == nil {
			merged = tagSet{}
		}
		for _, tag := range tags {
			merged[tag.key] = tag.value
		}
		if len(merged) > maxTagsPerResource {
			return nil, clientError(codeTagLimitExceeded, "The maximum number of Tags for a resource has been reached.")
		}
		targets = append(targets, t)
	}
	for _, t := range targets {
		t.remember()
		merged := maps.Clone(*t.tags)
		if merged == nil {
			merged = tagSet{}
		}
		for _, tag := range tags {
			merged[tag.key] = tag.value
		}
		*t.tags = merged
	}
	return acknowledged(), nil
}

func (s *Simulator) deleteTags(q query, now time.Time) (response, *apiError) {
	ids := q.strings("ResourceId")
	if len(ids) == 0 {
		return nil, missingParameter("ResourceId")
	}
	tags, err := parseTags(q, "Tag")
	if err != nil {
		return nil, err
	}
	targets := make([]tagTarget, 0, len(ids))
	for _, id := range ids {
		t, err := s.tagTargetFor(id, now, true)
		if err != nil {
			return nil, err
		}
		targets = append(targets, t)
	}
	for _, t := range targets {
		t.remember()
		if len(tags) == 0 {
			// No Tag parameter: EC2 removes every user tag.
			*t.tags = tagSet{}
			continue
		}
		kept := maps.Clone(*t.tags)
		for _, tag := range tags {
			// A tag given with a value is deleted only if the value matches.
			if current, ok := kept[tag.key]; ok && (!tag.hasValue || current == tag.value) {
				delete(kept, tag.key)
			}
		}
		*t.tags = kept
	}
	return acknowledged(), nil
}
