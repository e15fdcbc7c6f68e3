package ec2sim

import (
	"context"
	"fmt"
	"net/url"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
)

// NewClient returns a real EC2 client that sends its requests to the simulator served at
// url, with static credentials so that nothing is read from the environment.
func NewClient(ctx context.Context, url string, region string) (*ec2.Client, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := checkEndpointURL(url); err != nil {
		return nil, err
	}
	cfg := aws.Config{
		Region:      region,
		Credentials: credentials.NewStaticCredentialsProvider("AKIDSIM", "SECRET", ""),
	}
	return ec2.NewFromConfig(cfg, func(o *ec2.Options) {
		o.BaseEndpoint = aws.String(url)
	}), nil
}

func checkEndpointURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("parsing simulator url: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return fmt.Errorf("simulator url %q: want http://host:port", raw)
	}
	return nil
}
