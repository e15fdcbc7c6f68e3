/*
Copyright 2026 The agentcore-vpce-operator Authors.

Licensed under the Apache License, Version 2.0.
*/

package iam_test

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	awsclient "github.com/agentcore-io/vpce-operator/internal/aws"
)

// tagSpec is one TagSpecification as sent.
type tagSpec struct {
	resourceType string
	tags         map[string]string
}

// recordingEC2 records the TagSpecifications of the two create calls and
// answers them with made-up IDs. Every other method is the nil interface's
// and panics: the test calls nothing else.
type recordingEC2 struct {
	awsclient.EC2API
	endpointTags, groupTags []tagSpec
}

func (r *recordingEC2) CreateVpcEndpoint(_ context.Context, in *ec2.CreateVpcEndpointInput, _ ...func(*ec2.Options)) (*ec2.CreateVpcEndpointOutput, error) {
	r.endpointTags = append(r.endpointTags, recordTags(in.TagSpecifications)...)
	return &ec2.CreateVpcEndpointOutput{VpcEndpoint: &types.VpcEndpoint{
		VpcEndpointId: aws.String("vpce-0a1b2c3d"), VpcId: in.VpcId, ServiceName: in.ServiceName, State: types.StatePending,
	}}, nil
}

func (r *recordingEC2) CreateSecurityGroup(_ context.Context, in *ec2.CreateSecurityGroupInput, _ ...func(*ec2.Options)) (*ec2.CreateSecurityGroupOutput, error) {
	r.groupTags = append(r.groupTags, recordTags(in.TagSpecifications)...)
	return &ec2.CreateSecurityGroupOutput{GroupId: aws.String("sg-0a1b2c3d")}, nil
}

func recordTags(specs []types.TagSpecification) []tagSpec {
	out := make([]tagSpec, 0, len(specs))
	for _, s := range specs {
		tags := map[string]string{}
		for _, tag := range s.Tags {
			tags[aws.ToString(tag.Key)] = aws.ToString(tag.Value)
		}
		out = append(out, tagSpec{resourceType: string(s.ResourceType), tags: tags})
	}
	return out
}
