package controllers

import (
	"context"
	"fmt"
	"sync"

	"github.com/aws/aws-sdk-go-v2/service/ec2"

	awsclient "github.com/agentcore-io/vpce-operator/internal/aws"
)

// Clouds hands out one EC2 client per region, created on first use, so that
// a GatewayEndpoint in any region shares batching and connections with the
// others of that region.
type Clouds struct {
	// NewAPI builds the EC2 API of a region.
	NewAPI func(ctx context.Context, region string) (awsclient.EC2API, error)
	// NewSTS builds the STS API the account is read from.
	NewSTS  func(ctx context.Context, region string) (awsclient.STSAPI, error)
	Options awsclient.ClientOptions

	mu      sync.Mutex
	clients map[string]*awsclient.Client

	accountMu sync.Mutex
	account   string
}

// NewClouds returns Clouds backed by the AWS SDK's default credential chain.
func NewClouds(opts awsclient.ClientOptions) *Clouds {
	return &Clouds{
		Options: opts,
		NewAPI: func(ctx context.Context, region string) (awsclient.EC2API, error) {
			return awsclient.NewEC2Client(ctx, region, opts)
		},
		NewSTS: func(ctx context.Context, region string) (awsclient.STSAPI, error) {
			return awsclient.NewSTSClient(ctx, region, opts)
		},
	}
}

// Account is the AWS account of the operator's credentials, which owns the
// endpoints it creates. It is read once (sts:GetCallerIdentity, through the
// region asked for) and kept: credentials do not change account.
func (c *Clouds) Account(ctx context.Context, region string) (string, error) {
	c.accountMu.Lock()
	defer c.accountMu.Unlock()
	if c.account != "" {
		return c.account, nil
	}
	api, err := c.NewSTS(ctx, region)
	if err != nil {
		return "", fmt.Errorf("creating STS client for %s: %w", region, err)
	}
	account, err := awsclient.CallerAccount(ctx, api)
	if err != nil {
		return "", err
	}
	c.account = account
	return account, nil
}

// ForRegion returns the client of region.
func (c *Clouds) ForRegion(ctx context.Context, region string) (*awsclient.Client, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if cl, ok := c.clients[region]; ok {
		return cl, nil
	}
	api, err := c.NewAPI(ctx, region)
	if err != nil {
		return nil, fmt.Errorf("creating EC2 client for %s: %w", region, err)
	}
	if c.clients == nil {
		c.clients = map[string]*awsclient.Client{}
	}
	cl := awsclient.NewClient(api, region, c.Options)
	c.clients[region] = cl
	return cl, nil
}

var _ awsclient.EC2API = (*ec2.Client)(nil)
