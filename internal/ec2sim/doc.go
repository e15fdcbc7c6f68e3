// Package ec2sim is a stateful, in-process simulator of the parts of the Amazon EC2 API that
// the operator drives: VPCs and subnets, security groups and their rules, interface VPC
// endpoints with their network interfaces and DNS entries, the Bedrock AgentCore Gateway
// endpoint service, and tags.
//
// It speaks EC2's Query protocol over HTTP, so tests, the local demo and benchmarks exercise
// the real aws-sdk-go-v2 client (request serialisation, XML parsing, retries and error
// classification) rather than a mock of it. Point a client at it with [NewClient], or set
// BaseEndpoint on any ec2.Client.
//
// What it reproduces from AWS, because the operator's correctness depends on it:
//   - endpoint states and timings (pending → available, deleting → deleted → gone, and back
//     to pending when a ModifyVpcEndpoint re-provisions), computed from an injectable clock
//     so that tests move time instead of sleeping;
//   - EC2's error codes, messages and HTTP status codes, including DependencyViolation while a
//     security group is still used by network interfaces, which outlive a deleted endpoint;
//   - EC2's answers to a retried call whose first attempt took effect (duplicates, ClientToken
//     idempotency, NotFound for what is already gone);
//   - private DNS prerequisites: the VPC's DNS attributes (DescribeVpcAttribute,
//     ModifyVpcAttribute), one private-DNS endpoint per service and VPC, customer private
//     hosted zones of the same name; the service's Availability Zones and IP address types;
//   - filters with wildcards, MaxResults ranges and NextToken pagination that filters each
//     page after cutting it, so pages may be empty and still carry a token;
//   - EC2's per-account token-bucket throttling (RequestLimitExceeded);
//   - injected faults: error rates, latency, errors after the change was applied, and
//     eventual consistency of creations and changes;
//   - and, as fault injection that is not AWS's behaviour, what some EC2-compatible APIs do:
//     accept a ModifyVpcEndpoint parameter without applying it (Options.IgnoreModify), and
//     leave fields out of DescribeVpcEndpoints answers (Options.OmitFields).
//
// Every behaviour cites the AWS page it comes from. Where AWS does not document an answer,
// it is an Options setting whose comment says so.
//
// Endpoint states come back in lower case ("available"), as EC2 sends them; the SDK's
// types.State constants are capitalised and never match, so compare with your own constants.
//
// Every call is counted per action and error code (see [Simulator.Calls]); the counts and the
// fault settings are also reachable over HTTP under /_sim/ for the local demo.
package ec2sim
