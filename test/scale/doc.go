// Package scale holds the operator's scale benchmarks (no tests): N GatewayEndpoints
// applied at once to a manager built from this tree and run as its own process, on an
// envtest control plane, against the EC2 simulator with AWS's request buckets, pending
// times and eventual consistency. The whole run is at a time scale K: one second of wall
// time stands for K seconds on AWS (the simulator's bucket refills and delays, and the
// manager's time-based settings, are scaled by K); every duration reported is in AWS
// seconds (wall × K). The simulator authorizes the manager's calls against the shipped IAM
// policy (config/iam/policy.json rendered for the benchmark's cluster), lets reads lag 2 AWS
// seconds behind writes (eventual consistency), and holds the endpoints of another tool
// beside the operator's.
//
//	go test -run='^$' -bench='BenchmarkScale$' -benchtime=1x ./test/scale/       # N=10 and N=100
//	make bench-scale   # N=1000: SCALE_1000=1 and -bench='^BenchmarkScale1000$'
//
// SCALE_K sets K (default 20). See BenchmarkScale for what is measured.
package scale
