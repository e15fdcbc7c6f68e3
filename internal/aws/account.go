package aws

import (
	"context"
	"errors"
	"fmt"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// STSAPI is the one STS call the operator makes. GetCallerIdentity needs no
// IAM permission
// (https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html).
type STSAPI interface {
	GetCallerIdentity(ctx context.Context, in *sts.GetCallerIdentityInput, optFns ...func(*sts.Options)) (*sts.GetCallerIdentityOutput, error)
}

var _ STSAPI = (*sts.Client)(nil)

// NewSTSClient builds an STS client from the SDK's default credential chain.
// Its endpoint is opts.STSEndpoint, else the SDK's resolution (including
// AWS_ENDPOINT_URL_STS).
func NewSTSClient(ctx context.Context, region string, opts ClientOptions) (*sts.Client, error) {
	cfg, err := config.LoadDefaultConfig(ctx, config.WithRegion(region))
	if err != nil {
		return nil, fmt.Errorf("loading AWS configuration: %w", err)
	}
	return sts.NewFromConfig(cfg, func(o *sts.Options) {
		if opts.STSEndpoint != "" {
			o.BaseEndpoint = awssdk.String(opts.STSEndpoint)
		}
		o.APIOptions = append(o.APIOptions, countCalls)
	}), nil
}

// CallerAccount is the AWS account of the operator's credentials: the
// account that owns the endpoints it creates.
func CallerAccount(ctx context.Context, api STSAPI) (string, error) {
	out, err := api.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return "", fmt.Errorf("reading the operator's AWS account (sts:GetCallerIdentity): %w", err)
	}
	account := awssdk.ToString(out.Account)
	if account == "" {
		return "", errors.New("sts:GetCallerIdentity returned no account")
	}
	return account, nil
}
