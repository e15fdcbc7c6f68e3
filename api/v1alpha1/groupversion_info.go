package v1alpha1

import (
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/scheme"
)

var (
	// GroupVersion is the API group and version of this package's kinds.
	GroupVersion = schema.GroupVersion{Group: "vpce.agentcore.io", Version: "v1alpha1"}

	// SchemeBuilder registers this package's kinds with a runtime.Scheme.
	SchemeBuilder = &scheme.Builder{GroupVersion: GroupVersion}

	// AddToScheme adds this package's kinds to a runtime.Scheme.
	AddToScheme = SchemeBuilder.AddToScheme
)

// Finalizer keeps a GatewayEndpoint until its AWS resources are cleaned up
// according to its deletion policy.
const Finalizer = "vpce.agentcore.io/finalizer"

// Tag keys the operator sets on every AWS resource it creates, so that it can
// find them again even if a status write was lost.
const (
	TagCluster   = "vpce.agentcore.io/cluster"
	TagNamespace = "vpce.agentcore.io/namespace"
	TagName      = "vpce.agentcore.io/name"
	TagUID       = "vpce.agentcore.io/uid"
)
