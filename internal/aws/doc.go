// Package aws is the operator's only door to EC2: a narrow interface listing
// the calls it makes (satisfied by *ec2.Client), one file per resource,
// error classification, ownership tags, batched reads and call metrics.
package aws
