package aws

import (
	"sort"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/agentcore-io/vpce-operator/api/v1alpha1"
)

// Owner identifies the Kubernetes object that owns AWS resources. Its tags go
// on everything created for it at creation time, so a lost status write never
// orphans a resource: the next reconcile finds it by UID.
type Owner struct {
	Cluster   string
	Namespace string
	Name      string
	UID       string
}

// Tags are the tags of a resource owned by o: the user's tags, Name (unless
// the user set one), then the ownership tags, which always win.
func (o Owner) Tags(name string, user map[string]string) map[string]string {
	tags := make(map[string]string, len(user)+5)
	for k, v := range user {
		tags[k] = v
	}
	if _, ok := tags["Name"]; !ok {
		tags["Name"] = name
	}
	tags[v1alpha1.TagCluster] = o.Cluster
	tags[v1alpha1.TagNamespace] = o.Namespace
	tags[v1alpha1.TagName] = o.Name
	tags[v1alpha1.TagUID] = o.UID
	return tags
}

// toEC2Tags converts a tag map to EC2 tags in key order, so requests are
// deterministic (ClientToken idempotency compares them).
func toEC2Tags(tags map[string]string) []types.Tag {
	keys := make([]string, 0, len(tags))
	for k := range tags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]types.Tag, 0, len(keys))
	for _, k := range keys {
		out = append(out, types.Tag{Key: awssdk.String(k), Value: awssdk.String(tags[k])})
	}
	return out
}

// fromEC2Tags converts EC2 tags to a map.
func fromEC2Tags(tags []types.Tag) map[string]string {
	out := make(map[string]string, len(tags))
	for _, t := range tags {
		out[awssdk.ToString(t.Key)] = awssdk.ToString(t.Value)
	}
	return out
}

func tagSpecification(resource types.ResourceType, tags map[string]string) []types.TagSpecification {
	return []types.TagSpecification{{ResourceType: resource, Tags: toEC2Tags(tags)}}
}

// MissingTags are the tags of want that have is lacks or holds with another
// value. Tags in has that want does not name are left alone: other tools
// (cost allocation, AWS itself) may own them.
func MissingTags(want, has map[string]string) map[string]string {
	missing := map[string]string{}
	for k, v := range want {
		if cur, ok := has[k]; !ok || cur != v {
			missing[k] = v
		}
	}
	return missing
}

func filter(name string, values ...string) types.Filter {
	return types.Filter{Name: awssdk.String(name), Values: values}
}
