package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

var (
	// GroupVersion is the API group and version of this package's kinds.
	GroupVersion = schema.GroupVersion{Group: "vpce.agentcore.io", Version: "v1alpha1"}

	// SchemeBuilder registers this package's kinds with a runtime.Scheme.
	SchemeBuilder = runtime.NewSchemeBuilder(addKnownTypes)

	// AddToScheme adds this package's kinds to a runtime.Scheme.
	AddToScheme = SchemeBuilder.AddToScheme
)

func addKnownTypes(s *runtime.Scheme) error {
	s.AddKnownTypes(GroupVersion,
		&GatewayEndpoint{}, &GatewayEndpointList{},
		&GatewayAccessPolicy{}, &GatewayAccessPolicyList{})
	metav1.AddToGroupVersion(s, GroupVersion)
	return nil
}

// Finalizer keeps a GatewayEndpoint until its AWS resources are cleaned up
// according to its deletion policy.
const Finalizer = "vpce.agentcore.io/finalizer"

// Tag keys the operator sets on every AWS resource it creates, so that it can
// find them again even if a status write was lost.
const (
	// TagPrefix starts every ownership tag key; after creation (or adoption)
	// the operator never writes a key with it again.
	TagPrefix    = "vpce.agentcore.io/"
	TagCluster   = "vpce.agentcore.io/cluster"
	TagNamespace = "vpce.agentcore.io/namespace"
	TagName      = "vpce.agentcore.io/name"
	TagUID       = "vpce.agentcore.io/uid"
)
