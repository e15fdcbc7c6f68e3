package localenv

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"

	"github.com/agentcore-io/vpce-operator/internal/policy"
)

// Kinds of the samples, as in their manifests.
const (
	KindGatewayEndpoint     = "GatewayEndpoint"
	KindGatewayAccessPolicy = "GatewayAccessPolicy"
	kindNamespace           = "Namespace"
	kindSecret              = "Secret"
)

// Network is what the samples refer to in AWS and the simulator replaces:
// the VPC, its subnets and the agents' security group.
type Network struct {
	VPCID         string
	SubnetIDs     []string
	AgentsGroupID string
	Region        string
}

// Samples are the objects of config/samples, in kustomization order.
type Samples struct {
	Objects []*unstructured.Unstructured
}

// LoadSamples reads the resources that dir/kustomization.yaml lists. It
// reads them itself rather than through kubectl -k, so that the AWS IDs in
// them can be replaced before they are applied.
func LoadSamples(dir string) (*Samples, error) {
	data, err := os.ReadFile(filepath.Join(dir, "kustomization.yaml"))
	if err != nil {
		return nil, fmt.Errorf("reading the samples' kustomization: %w", err)
	}
	var kustomization struct {
		Resources []string `json:"resources"`
	}
	if err := yaml.Unmarshal(data, &kustomization); err != nil {
		return nil, fmt.Errorf("parsing %s: %w", filepath.Join(dir, "kustomization.yaml"), err)
	}
	s := &Samples{}
	for _, name := range kustomization.Resources {
		objs, err := readManifest(filepath.Join(dir, name))
		if err != nil {
			return nil, err
		}
		s.Objects = append(s.Objects, objs...)
	}
	if len(s.Of(KindGatewayEndpoint)) == 0 {
		return nil, fmt.Errorf("no %s in the samples in %s", KindGatewayEndpoint, dir)
	}
	return s, nil
}

// readManifest reads every object of a multi-document YAML file.
func readManifest(path string) ([]*unstructured.Unstructured, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading sample: %w", err)
	}
	reader := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	var objs []*unstructured.Unstructured
	for {
		doc, err := reader.Read()
		if errors.Is(err, io.EOF) {
			return objs, nil
		}
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", path, err)
		}
		var content map[string]any
		if err := yaml.Unmarshal(doc, &content); err != nil {
			return nil, fmt.Errorf("parsing %s: %w", path, err)
		}
		if len(content) == 0 {
			continue // a document of comments only
		}
		objs = append(objs, &unstructured.Unstructured{Object: content})
	}
}

// Of returns the objects of one kind.
func (s *Samples) Of(kind string) []*unstructured.Unstructured {
	var out []*unstructured.Unstructured
	for _, obj := range s.Objects {
		if obj.GetKind() == kind {
			out = append(out, obj)
		}
	}
	return out
}

// UseNetwork points every GatewayEndpoint at network: its region, VPC, subnets,
// and, for a managed security group that admits security groups, the agents'
// group in place of the sample's.
func (s *Samples) UseNetwork(network Network) error {
	for _, ge := range s.Of(KindGatewayEndpoint) {
		if err := setNested(ge, network.VPCID, "spec", "vpcID"); err != nil {
			return err
		}
		if err := setNested(ge, toAny(network.SubnetIDs), "spec", "subnetIDs"); err != nil {
			return err
		}
		if _, ok, _ := unstructured.NestedString(ge.Object, "spec", "region"); ok && network.Region != "" {
			if err := setNested(ge, network.Region, "spec", "region"); err != nil {
				return err
			}
		}
		groups := []string{"spec", "securityGroup", "managed", "allowedSources", "securityGroupIDs"}
		if _, ok, _ := unstructured.NestedSlice(ge.Object, groups...); ok {
			if err := setNested(ge, []any{network.AgentsGroupID}, groups...); err != nil {
				return err
			}
		}
	}
	return nil
}

func setNested(obj *unstructured.Unstructured, value any, fields ...string) error {
	if err := unstructured.SetNestedField(obj.Object, value, fields...); err != nil {
		return fmt.Errorf("setting %v of %s/%s: %w", fields, obj.GetNamespace(), obj.GetName(), err)
	}
	return nil
}

func toAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// Manifest returns all the samples as one multi-document YAML, for
// kubectl apply -f -.
func (s *Samples) Manifest() ([]byte, error) {
	return manifest(s.Objects)
}

// CustomResourcesManifest returns the samples without their Namespaces (the
// custom resources and the Secrets and RBAC objects that go with them), for
// kubectl delete -f -: the control plane runs no namespace controller, so a
// deleted Namespace would stay Terminating for ever.
func (s *Samples) CustomResourcesManifest() ([]byte, error) {
	var objs []*unstructured.Unstructured
	for _, obj := range s.Objects {
		if obj.GetKind() != kindNamespace {
			objs = append(objs, obj)
		}
	}
	return manifest(objs)
}

func manifest(objs []*unstructured.Unstructured) ([]byte, error) {
	var buf bytes.Buffer
	for i, obj := range objs {
		if i > 0 {
			buf.WriteString("---\n")
		}
		doc, err := yaml.Marshal(obj.Object)
		if err != nil {
			return nil, fmt.Errorf("encoding %s %s: %w", obj.GetKind(), obj.GetName(), err)
		}
		buf.Write(doc)
	}
	return buf.Bytes(), nil
}

// sampleTools are the tools the gateway simulator lists for the samples'
// gateways, so that each shows a tool count of its own.
var sampleTools = map[string][]string{
	"research-tools-a1b2c3d4e5": {"arxiv___search", "arxiv___fetch", "notes___append"},
	"paper-search-f6g7h8i9j0":   {"papers___search", "papers___cite"},
	"web-search-u1v2w3x4y5":     {"web___search"},
	"ticketing-k1l2m3n4o5":      {"tickets___create", "tickets___lookup"},
}

// Gateways are the gateways the GatewayAccessPolicies' spec.verify lists,
// each with the token its tokenSecretRef names in the samples' Secrets: what
// the gateway simulator must serve for the samples' probes to get through.
// A gateway listed twice must have the same token both times.
func (s *Samples) Gateways() ([]SimGateway, error) {
	var out []SimGateway
	seen := map[string]string{}
	for _, p := range s.Of(KindGatewayAccessPolicy) {
		gateways, _, _ := unstructured.NestedSlice(p.Object, "spec", "verify", "gateways")
		for _, g := range gateways {
			entry, _ := g.(map[string]any)
			arnText, _, _ := unstructured.NestedString(entry, "gatewayARN")
			arn, err := policy.ParseARN(arnText)
			if err != nil {
				return nil, fmt.Errorf("%s/%s: spec.verify gateway %q: %w", p.GetNamespace(), p.GetName(), arnText, err)
			}
			name, _, _ := unstructured.NestedString(entry, "tokenSecretRef", "name")
			key, _, _ := unstructured.NestedString(entry, "tokenSecretRef", "key")
			if name == "" {
				continue // a SigV4 gateway: no token, not probed
			}
			token, err := s.secretValue(p.GetNamespace(), name, key)
			if err != nil {
				return nil, fmt.Errorf("%s/%s: the token of %s: %w", p.GetNamespace(), p.GetName(), arn.GatewayID, err)
			}
			if before, ok := seen[arn.GatewayID]; ok {
				if before != token {
					return nil, fmt.Errorf("gateway %s is verified with two different tokens", arn.GatewayID)
				}
				continue
			}
			seen[arn.GatewayID] = token
			out = append(out, SimGateway{ID: arn.GatewayID, Token: token, Tools: sampleTools[arn.GatewayID]})
		}
	}
	return out, nil
}

// secretValue is one key of a sample Secret, from stringData or data.
func (s *Samples) secretValue(namespace, name, key string) (string, error) {
	for _, secret := range s.Of(kindSecret) {
		if secret.GetNamespace() != namespace || secret.GetName() != name {
			continue
		}
		if v, ok, _ := unstructured.NestedString(secret.Object, "stringData", key); ok && v != "" {
			return v, nil
		}
		if v, ok, _ := unstructured.NestedString(secret.Object, "data", key); ok && v != "" {
			decoded, err := base64.StdEncoding.DecodeString(v)
			if err != nil {
				return "", fmt.Errorf("secret %s/%s key %s: %w", namespace, name, key, err)
			}
			return string(decoded), nil
		}
		return "", fmt.Errorf("secret %s/%s has no key %s", namespace, name, key)
	}
	return "", fmt.Errorf("no Secret %s/%s in the samples", namespace, name)
}

// WithoutVerify returns a copy of the samples whose GatewayAccessPolicies
// have no spec.verify, for applying the endpoint and the policies before
// turning verification on.
func (s *Samples) WithoutVerify() *Samples {
	out := &Samples{Objects: make([]*unstructured.Unstructured, len(s.Objects))}
	for i, obj := range s.Objects {
		out.Objects[i] = obj.DeepCopy()
		if obj.GetKind() == KindGatewayAccessPolicy {
			unstructured.RemoveNestedField(out.Objects[i].Object, "spec", "verify")
		}
	}
	return out
}

// ManifestOf returns the samples of one kind as one multi-document YAML.
func (s *Samples) ManifestOf(kind string) ([]byte, error) {
	return manifest(s.Of(kind))
}
