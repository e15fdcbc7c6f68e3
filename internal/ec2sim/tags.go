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

// taggedResource finds the tags of any resource the simulator holds, by ID.
func (s *Simulator) taggedResource(id string) (*tagSet, *apiError) {
	prefix, _, _ := strings.Cut(id, "-")
	switch prefix {
	case kindVPC.prefix:
		if v, ok := s.vpcs[id]; ok {
			return &v.tags, nil
		}
		return nil, kindVPC.check(id, false)
	case kindSubnet.prefix:
		if sn, ok := s.subnets[id]; ok {
			return &sn.tags, nil
		}
		return nil, kindSubnet.check(id, false)
	case kindGroup.prefix:
		if g, ok := s.groups[id]; ok {
			return &g.tags, nil
		}
		return nil, kindGroup.check(id, false)
	case kindEndpoint.prefix:
		if e, ok := s.endpoints[id]; ok {
			return &e.tags, nil
		}
		return nil, kindEndpoint.check(id, false)
	case kindInterface.prefix:
		if ni, ok := s.interfaces[id]; ok {
			return &ni.tags, nil
		}
		return nil, kindInterface.check(id, false)
	case kindRule.prefix:
		if r, ok := s.rules[id]; ok {
			return &r.tags, nil
		}
		return nil, kindRule.check(id, false)
	}
	return nil, clientError(codeInvalidID, "The ID '%s' is not valid", id)
}

func (s *Simulator) createTags(q query, _ time.Time) (response, *apiError) {
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
	targets := make([]*tagSet, 0, len(ids))
	for _, id := range ids {
		t, err := s.taggedResource(id)
		if err != nil {
			return nil, err
		}
		merged := maps.Clone(*t)
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
		if *t == nil {
			*t = tagSet{}
		}
		for _, tag := range tags {
			(*t)[tag.key] = tag.value
		}
	}
	return acknowledged(), nil
}

func (s *Simulator) deleteTags(q query, _ time.Time) (response, *apiError) {
	ids := q.strings("ResourceId")
	if len(ids) == 0 {
		return nil, missingParameter("ResourceId")
	}
	tags, err := parseTags(q, "Tag")
	if err != nil {
		return nil, err
	}
	targets := make([]*tagSet, 0, len(ids))
	for _, id := range ids {
		t, err := s.taggedResource(id)
		if err != nil {
			return nil, err
		}
		targets = append(targets, t)
	}
	for _, t := range targets {
		if len(tags) == 0 {
			// No Tag parameter: EC2 removes every user tag.
			*t = tagSet{}
			continue
		}
		for _, tag := range tags {
			// A tag given with a value is deleted only if the value matches.
			if current, ok := (*t)[tag.key]; ok && (!tag.hasValue || current == tag.value) {
				delete(*t, tag.key)
			}
		}
	}
	return acknowledged(), nil
}
