// Command local runs the operator on this machine and shows it working, as
// `make demo` does: a local control plane (etcd and kube-apiserver), the EC2
// API simulator, the AgentCore Gateway simulator and the manager binary, each
// as a separate process. It applies config/samples with kubectl (the AWS IDs
// replaced with the simulator's; the GatewayAccessPolicies without their
// spec.verify at first), waits until the GatewayEndpoint and both
// GatewayAccessPolicies are Ready, shows them and the endpoint policy the
// simulator now holds. Then it turns spec.verify on and says, gateway by
// gateway, what the operator's probe through the endpoint found: Reachable,
// or -32002 for the gateway no policy admits. It adds that gateway to its
// policy, shows it AwaitingPropagation until the gateway's policy cache
// expires, then Reachable, prints the agents' ConfigMaps, and stops
// everything it started.
//
//	make demo                   # or: bin/local
//	make demo KEEP_RUNNING=1    # or: bin/local --keep-running; Ctrl-C stops
//
// Run it from the repository: it finds config/ and bin/ from the working
// directory upwards.
package main
