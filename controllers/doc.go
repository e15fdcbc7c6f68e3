// Package controllers holds the reconcilers: GatewayEndpoint drives the AWS
// endpoint, its security group and its policy document; GatewayAccessPolicy
// reports each policy's own status.
package controllers
