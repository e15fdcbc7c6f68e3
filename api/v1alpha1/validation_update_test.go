package v1alpha1_test

import (
	"context"
	"slices"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	vpcev1alpha1 "github.com/agentcore-io/vpce-operator/api/v1alpha1"
)

// createThenUpdate creates endpoint, reads it back (so the update carries the
// server's resourceVersion and defaults, as a real client's would) and
// updates it with change applied.
func createThenUpdate(t *testing.T, endpoint *vpcev1alpha1.GatewayEndpoint, change endpointMutation) (*vpcev1alpha1.GatewayEndpoint, error) {
	t.Helper()
	ctx := context.Background()
	if err := env.Client.Create(ctx, endpoint); err != nil {
		t.Fatalf("creating the endpoint to update: %v", err)
	}
	stored := &vpcev1alpha1.GatewayEndpoint{}
	if err := env.Client.Get(ctx, client.ObjectKeyFromObject(endpoint), stored); err != nil {
		t.Fatalf("reading the endpoint back: %v", err)
	}
	change(stored)
	return stored, env.Client.Update(ctx, stored)
}

func TestGatewayEndpointImmutableFields(t *testing.T) {
	const namespace = "gwe-immutable"
	createNamespace(t, namespace)

	const (
		regionImmutable      = "region is immutable: create a new GatewayEndpoint to move to another region"
		serviceImmutable     = "serviceName is immutable: create a new GatewayEndpoint for another service"
		adoptImmutable       = "adoptEndpointID is immutable: it can only be set when the GatewayEndpoint is created"
		gatewayService       = "com.amazonaws.us-east-1.bedrock-agentcore.gateway"
		adoptedEndpoint      = "vpce-0a1b2c3d4e5f60799"
		otherAdoptedEndpoint = "vpce-0a1b2c3d4e5f60798"
	)
	withServiceAndAdoption := func(e *vpcev1alpha1.GatewayEndpoint) {
		e.Spec.ServiceName = gatewayService
		e.Spec.AdoptEndpointID = adoptedEndpoint
	}
	cases := []struct {
		name   string
		create endpointMutation
		update endpointMutation
		field  string
		want   string
	}{
		{
			name:   "rejects changing the region",
			update: func(e *vpcev1alpha1.GatewayEndpoint) { e.Spec.Region = "us-west-2" },
			field:  "spec.region", want: regionImmutable,
		},
		{
			name:   "rejects adding a region after creation",
			create: func(e *vpcev1alpha1.GatewayEndpoint) { e.Spec.Region = "" },
			update: func(e *vpcev1alpha1.GatewayEndpoint) { e.Spec.Region = "us-east-1" },
			field:  "spec.region", want: regionImmutable,
		},
		{
			name:   "rejects removing the region after creation",
			update: func(e *vpcev1alpha1.GatewayEndpoint) { e.Spec.Region = "" },
			field:  "spec.region", want: regionImmutable,
		},
		{
			name:   "rejects changing the VPC",
			update: func(e *vpcev1alpha1.GatewayEndpoint) { e.Spec.VPCID = "vpc-0a1b2c3d4e5f60719" },
			field:  "spec.vpcID", want: "vpcID is immutable: create a new GatewayEndpoint for another VPC",
		},
		{
			name:   "rejects changing the service name",
			create: withServiceAndAdoption,
			update: func(e *vpcev1alpha1.GatewayEndpoint) {
				e.Spec.ServiceName = "com.amazonaws.us-east-1.bedrock-agentcore"
			},
			field: "spec.serviceName", want: serviceImmutable,
		},
		{
			name:   "rejects adding a service name after creation",
			update: func(e *vpcev1alpha1.GatewayEndpoint) { e.Spec.ServiceName = gatewayService },
			field:  "spec.serviceName", want: serviceImmutable,
		},
		{
			name:   "rejects removing the service name after creation",
			create: withServiceAndAdoption,
			update: func(e *vpcev1alpha1.GatewayEndpoint) { e.Spec.ServiceName = "" },
			field:  "spec.serviceName", want: serviceImmutable,
		},
		{
			name:   "rejects changing the adopted endpoint",
			create: withServiceAndAdoption,
			update: func(e *vpcev1alpha1.GatewayEndpoint) { e.Spec.AdoptEndpointID = otherAdoptedEndpoint },
			field:  "spec.adoptEndpointID", want: adoptImmutable,
		},
		{
			name:   "rejects adopting an endpoint after creation",
			update: func(e *vpcev1alpha1.GatewayEndpoint) { e.Spec.AdoptEndpointID = adoptedEndpoint },
			field:  "spec.adoptEndpointID", want: adoptImmutable,
		},
		{
			name:   "rejects removing the adopted endpoint after creation",
			create: withServiceAndAdoption,
			update: func(e *vpcev1alpha1.GatewayEndpoint) { e.Spec.AdoptEndpointID = "" },
			field:  "spec.adoptEndpointID", want: adoptImmutable,
		},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			endpoint := validEndpoint(namespace, nameFor("immutable", i))
			if tc.create != nil {
				tc.create(endpoint)
			}
			_, err := createThenUpdate(t, endpoint, tc.update)
			assertRejected(t, err, tc.field, tc.want)
		})
	}
}

func TestGatewayEndpointMutableFields(t *testing.T) {
	const namespace = "gwe-mutable"
	createNamespace(t, namespace)

	cases := []struct {
		name   string
		create endpointMutation
		update endpointMutation
		check  func(t *testing.T, stored *vpcev1alpha1.GatewayEndpoint)
	}{
		{
			name: "accepts a changed list of subnets",
			update: func(e *vpcev1alpha1.GatewayEndpoint) {
				e.Spec.SubnetIDs = []string{"subnet-0a1b2c3d4e5f60712", "subnet-0a1b2c3d4e5f60713", "subnet-0a1b2c3d4e5f60714"}
			},
			check: func(t *testing.T, e *vpcev1alpha1.GatewayEndpoint) {
				want := []string{"subnet-0a1b2c3d4e5f60712", "subnet-0a1b2c3d4e5f60713", "subnet-0a1b2c3d4e5f60714"}
				if !slices.Equal(e.Spec.SubnetIDs, want) {
					t.Errorf("subnetIDs = %v, want %v", e.Spec.SubnetIDs, want)
				}
			},
		},
		{
			name: "accepts added, changed and removed tags",
			create: func(e *vpcev1alpha1.GatewayEndpoint) {
				e.Spec.Tags = map[string]string{"team": "platform", "env": "dev"}
			},
			update: func(e *vpcev1alpha1.GatewayEndpoint) {
				e.Spec.Tags = map[string]string{"team": "agents", "cost-center": "1234"}
			},
			check: func(t *testing.T, e *vpcev1alpha1.GatewayEndpoint) {
				if len(e.Spec.Tags) != 2 || e.Spec.Tags["team"] != "agents" || e.Spec.Tags["cost-center"] != "1234" {
					t.Errorf("tags = %v, want team=agents and cost-center=1234 only", e.Spec.Tags)
				}
			},
		},
		{
			name: "accepts a change of the managed security group's sources",
			update: func(e *vpcev1alpha1.GatewayEndpoint) {
				e.Spec.SecurityGroup.Managed = managedFromCIDRs("10.0.0.0/16")
			},
			check: func(t *testing.T, e *vpcev1alpha1.GatewayEndpoint) {
				sources := e.Spec.SecurityGroup.Managed.AllowedSources
				if len(sources.SecurityGroupIDs) != 0 || !slices.Equal(sources.CIDRs, []string{"10.0.0.0/16"}) {
					t.Errorf("allowedSources = %+v, want only the CIDR 10.0.0.0/16", sources)
				}
			},
		},
		{
			name: "accepts a switch from a managed security group to existing ones",
			update: func(e *vpcev1alpha1.GatewayEndpoint) {
				e.Spec.SecurityGroup = vpcev1alpha1.SecurityGroupSpec{IDs: []string{"sg-0a1b2c3d"}}
			},
			check: func(t *testing.T, e *vpcev1alpha1.GatewayEndpoint) {
				if e.Spec.SecurityGroup.Managed != nil || !slices.Equal(e.Spec.SecurityGroup.IDs, []string{"sg-0a1b2c3d"}) {
					t.Errorf("securityGroup = %+v, want ids [sg-0a1b2c3d] only", e.Spec.SecurityGroup)
				}
			},
		},
		{
			name: "accepts changes of private DNS, access and deletion policy",
			update: func(e *vpcev1alpha1.GatewayEndpoint) {
				e.Spec.PrivateDNS.Enabled = ptr.To(false)
				e.Spec.Access.AllowedNamespaces.From = vpcev1alpha1.NamespacesFromAll
				e.Spec.Access.WhenNoPolicies = vpcev1alpha1.WhenNoPoliciesAllow
				e.Spec.DeletionPolicy = vpcev1alpha1.DeletionPolicyRetain
			},
			check: func(t *testing.T, e *vpcev1alpha1.GatewayEndpoint) {
				if *e.Spec.PrivateDNS.Enabled || e.Spec.Access.AllowedNamespaces.From != vpcev1alpha1.NamespacesFromAll ||
					e.Spec.Access.WhenNoPolicies != vpcev1alpha1.WhenNoPoliciesAllow || e.Spec.DeletionPolicy != vpcev1alpha1.DeletionPolicyRetain {
					t.Errorf("spec = %+v, want the changed private DNS, access and deletion policy", e.Spec)
				}
			},
		},
		{
			name: "accepts updates of an endpoint created without region, service name or adopted endpoint",
			create: func(e *vpcev1alpha1.GatewayEndpoint) {
				e.Spec.Region = ""
			},
			update: func(e *vpcev1alpha1.GatewayEndpoint) { e.Spec.Tags = map[string]string{"team": "platform"} },
			check: func(t *testing.T, e *vpcev1alpha1.GatewayEndpoint) {
				if e.Spec.Region != "" || e.Spec.ServiceName != "" || e.Spec.AdoptEndpointID != "" {
					t.Errorf("spec = %+v, want region, serviceName and adoptEndpointID still unset", e.Spec)
				}
			},
		},
		{
			name: "accepts updates that keep region, service name and adopted endpoint as they are",
			create: func(e *vpcev1alpha1.GatewayEndpoint) {
				e.Spec.ServiceName = "com.amazonaws.us-east-1.bedrock-agentcore.gateway"
				e.Spec.AdoptEndpointID = "vpce-0a1b2c3d4e5f60799"
			},
			update: func(e *vpcev1alpha1.GatewayEndpoint) { e.Spec.SubnetIDs = e.Spec.SubnetIDs[:1] },
			check: func(t *testing.T, e *vpcev1alpha1.GatewayEndpoint) {
				if len(e.Spec.SubnetIDs) != 1 {
					t.Errorf("subnetIDs = %v, want one subnet", e.Spec.SubnetIDs)
				}
			},
		},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			endpoint := validEndpoint(namespace, nameFor("mutable", i))
			if tc.create != nil {
				tc.create(endpoint)
			}
			updated, err := createThenUpdate(t, endpoint, tc.update)
			if err != nil {
				t.Fatalf("the API server rejected the update: %v", err)
			}
			stored := &vpcev1alpha1.GatewayEndpoint{}
			if err := env.Client.Get(context.Background(), client.ObjectKeyFromObject(updated), stored); err != nil {
				t.Fatalf("reading the updated endpoint back: %v", err)
			}
			tc.check(t, stored)
		})
	}
}

func TestGatewayEndpointDefaults(t *testing.T) {
	const namespace = "gwe-defaults"
	createNamespace(t, namespace)
	ctx := context.Background()

	t.Run("applies every default to an endpoint that gives only the required fields", func(t *testing.T) {
		// Unstructured, so that not even empty privateDNS or access objects
		// are sent: the server alone must fill them in.
		minimal := &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": vpcev1alpha1.GroupVersion.String(),
			"kind":       "GatewayEndpoint",
			"metadata":   map[string]any{"namespace": namespace, "name": "minimal"},
			"spec": map[string]any{
				"vpcID":     "vpc-0a1b2c3d4e5f60718",
				"subnetIDs": []any{"subnet-0a1b2c3d4e5f60711"},
				"securityGroup": map[string]any{
					"managed": map[string]any{"allowedSources": map[string]any{"cidrs": []any{"10.0.0.0/16"}}},
				},
			},
		}}
		if err := env.Client.Create(ctx, minimal); err != nil {
			t.Fatalf("creating a minimal endpoint: %v", err)
		}
		stored := &vpcev1alpha1.GatewayEndpoint{}
		if err := env.Client.Get(ctx, client.ObjectKeyFromObject(minimal), stored); err != nil {
			t.Fatalf("reading the endpoint back: %v", err)
		}
		spec := stored.Spec
		if spec.PrivateDNS.Enabled == nil || !*spec.PrivateDNS.Enabled {
			t.Errorf("privateDNS.enabled = %v, want true", spec.PrivateDNS.Enabled)
		}
		if spec.PrivateDNS.OnlyForInboundResolverEndpoint != nil {
			t.Errorf("privateDNS.onlyForInboundResolverEndpoint = %v, want unset", *spec.PrivateDNS.OnlyForInboundResolverEndpoint)
		}
		if spec.IPAddressType != vpcev1alpha1.IPAddressTypeIPv4 {
			t.Errorf("ipAddressType = %q, want ipv4", spec.IPAddressType)
		}
		if spec.DeletionPolicy != vpcev1alpha1.DeletionPolicyDelete {
			t.Errorf("deletionPolicy = %q, want Delete", spec.DeletionPolicy)
		}
		if spec.Access.WhenNoPolicies != vpcev1alpha1.WhenNoPoliciesDeny {
			t.Errorf("access.whenNoPolicies = %q, want Deny", spec.Access.WhenNoPolicies)
		}
		if spec.Access.AllowedNamespaces.From != vpcev1alpha1.NamespacesFromSame {
			t.Errorf("access.allowedNamespaces.from = %q, want Same", spec.Access.AllowedNamespaces.From)
		}
		if spec.Region != "" || spec.ServiceName != "" {
			t.Errorf("region = %q, serviceName = %q: want both left to the operator, not defaulted in the API", spec.Region, spec.ServiceName)
		}
	})

	t.Run("fills in the defaults next to fields that are given", func(t *testing.T) {
		endpoint := validEndpoint(namespace, "partial")
		endpoint.Spec.PrivateDNS.OnlyForInboundResolverEndpoint = ptr.To(false)
		endpoint.Spec.Access.WhenNoPolicies = vpcev1alpha1.WhenNoPoliciesAllow
		if err := env.Client.Create(ctx, endpoint); err != nil {
			t.Fatalf("creating the endpoint: %v", err)
		}
		stored := &vpcev1alpha1.GatewayEndpoint{}
		if err := env.Client.Get(ctx, client.ObjectKeyFromObject(endpoint), stored); err != nil {
			t.Fatalf("reading the endpoint back: %v", err)
		}
		if stored.Spec.PrivateDNS.Enabled == nil || !*stored.Spec.PrivateDNS.Enabled {
			t.Errorf("privateDNS.enabled = %v, want the default true", stored.Spec.PrivateDNS.Enabled)
		}
		if stored.Spec.Access.AllowedNamespaces.From != vpcev1alpha1.NamespacesFromSame {
			t.Errorf("access.allowedNamespaces.from = %q, want the default Same", stored.Spec.Access.AllowedNamespaces.From)
		}
		if stored.Spec.Access.WhenNoPolicies != vpcev1alpha1.WhenNoPoliciesAllow {
			t.Errorf("access.whenNoPolicies = %q, want the given Allow", stored.Spec.Access.WhenNoPolicies)
		}
	})

	t.Run("keeps private DNS disabled when the user disables it", func(t *testing.T) {
		endpoint := validEndpoint(namespace, "dns-disabled")
		endpoint.Spec.PrivateDNS.Enabled = ptr.To(false)
		if err := env.Client.Create(ctx, endpoint); err != nil {
			t.Fatalf("creating the endpoint: %v", err)
		}
		stored := &vpcev1alpha1.GatewayEndpoint{}
		if err := env.Client.Get(ctx, client.ObjectKeyFromObject(endpoint), stored); err != nil {
			t.Fatalf("reading the endpoint back: %v", err)
		}
		if stored.Spec.PrivateDNS.Enabled == nil || *stored.Spec.PrivateDNS.Enabled {
			t.Errorf("privateDNS.enabled = %v, want false as given", stored.Spec.PrivateDNS.Enabled)
		}
	})
}
