package localenv

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/agentcore-io/vpce-operator/api/v1alpha1"
	"github.com/agentcore-io/vpce-operator/internal/ec2sim"
)

// seedTimeout bounds the wait for the simulator's seed file.
const seedTimeout = time.Minute

// SimulatorOptions are the simulated AWS timings.
type SimulatorOptions struct {
	Region string
	// PendingDelay is how long a new endpoint stays pending (AWS: 2–5 min).
	PendingDelay time.Duration
	// DeletingDelay is how long a deleted endpoint stays deleting.
	DeletingDelay time.Duration
	// InterfaceLinger is how long a deleted endpoint's network interfaces
	// (and so its security group) outlive it.
	InterfaceLinger time.Duration
	// IAMPolicyFile is the operator's IAM policy the simulator enforces on
	// the calls signed with IAMAccessKey.
	IAMPolicyFile string
	IAMAccessKey  string
}

// Simulator is the ec2sim binary running as a child process, seeded with a
// VPC, and an EC2 client talking to it.
type Simulator struct {
	// URL is the simulator's EC2 API endpoint.
	URL       string
	Region    string
	VPCID     string
	SubnetIDs []string
	// LogPath is where the simulator's output goes.
	LogPath string
	// EC2 is a real SDK client pointed at URL.
	EC2  *ec2.Client
	proc *process
}

// seedFile is what ec2sim --seed-output writes.
type seedFile struct {
	EndpointURL string   `json:"endpointUrl"`
	Region      string   `json:"region"`
	VpcID       string   `json:"vpcId"`
	SubnetIDs   []string `json:"subnetIds"`
}

// startSimulator runs the ec2sim binary on a free loopback port with a seeded
// VPC and waits until it has written the seed file in workDir.
func startSimulator(ctx context.Context, binary, workDir string, opts SimulatorOptions) (*Simulator, error) {
	seedPath := filepath.Join(workDir, "ec2sim-seed.json")
	if err := os.Remove(seedPath); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("removing the old seed file: %w", err)
	}
	args := []string{
		"--addr", "127.0.0.1:0",
		"--region", opts.Region,
		"--seed-vpc", "--seed-output", seedPath,
		"--pending-delay", opts.PendingDelay.String(),
		"--deleting-delay", opts.DeletingDelay.String(),
		"--interface-linger", opts.InterfaceLinger.String(),
	}
	if opts.IAMPolicyFile != "" {
		args = append(args, "--iam-policy", opts.IAMPolicyFile, "--iam-access-key", opts.IAMAccessKey)
	}
	proc, err := startProcess("ec2sim", binary, args, nil, filepath.Join(workDir, SimulatorLogFile))
	if err != nil {
		return nil, err
	}
	seed, err := waitForSeed(ctx, proc, seedPath)
	if err != nil {
		_ = proc.stop()
		return nil, err
	}
	client, err := ec2sim.NewClient(ctx, seed.EndpointURL, seed.Region)
	if err != nil {
		_ = proc.stop()
		return nil, err
	}
	return &Simulator{
		URL: seed.EndpointURL, Region: seed.Region, VPCID: seed.VpcID, SubnetIDs: seed.SubnetIDs,
		LogPath: proc.logPath, EC2: client, proc: proc,
	}, nil
}

// waitForSeed polls for the seed file. It may be read half-written, so an
// unparsable file is read again rather than failing.
func waitForSeed(ctx context.Context, proc *process, path string) (seedFile, error) {
	ctx, cancel := context.WithTimeout(ctx, seedTimeout)
	defer cancel()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		var seed seedFile
		if data, err := os.ReadFile(path); err == nil && json.Unmarshal(data, &seed) == nil &&
			seed.EndpointURL != "" && seed.VpcID != "" && len(seed.SubnetIDs) > 0 {
			return seed, nil
		}
		select {
		case <-proc.Done():
			return seedFile{}, proc.exitError()
		case <-ctx.Done():
			return seedFile{}, fmt.Errorf("waiting for the simulator's seed file %s: %w", Rel(path), ctx.Err())
		case <-tick.C:
		}
	}
}

// CreateSecurityGroup creates a security group in the seeded VPC, as a
// platform team would have one for its agents, and returns its ID.
func (s *Simulator) CreateSecurityGroup(ctx context.Context, name, description string) (string, error) {
	out, err := s.EC2.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{
		GroupName:   awssdk.String(name),
		Description: awssdk.String(description),
		VpcId:       awssdk.String(s.VPCID),
		TagSpecifications: []types.TagSpecification{{
			ResourceType: types.ResourceTypeSecurityGroup,
			Tags:         []types.Tag{{Key: awssdk.String("Name"), Value: awssdk.String(name)}},
		}},
	})
	if err != nil {
		return "", fmt.Errorf("creating security group %s: %w", name, err)
	}
	return awssdk.ToString(out.GroupId), nil
}

// EndpointPolicy returns the policy document the simulator holds for the
// endpoint.
func (s *Simulator) EndpointPolicy(ctx context.Context, endpointID string) (string, error) {
	out, err := s.EC2.DescribeVpcEndpoints(ctx, &ec2.DescribeVpcEndpointsInput{VpcEndpointIds: []string{endpointID}})
	if err != nil {
		return "", fmt.Errorf("describing vpc endpoint %s: %w", endpointID, err)
	}
	if len(out.VpcEndpoints) != 1 {
		return "", fmt.Errorf("describing vpc endpoint %s: got %d endpoints", endpointID, len(out.VpcEndpoints))
	}
	return awssdk.ToString(out.VpcEndpoints[0].PolicyDocument), nil
}

// Endpoints lists every VPC endpoint the simulator still reports, in any
// state.
func (s *Simulator) Endpoints(ctx context.Context) ([]types.VpcEndpoint, error) {
	var all []types.VpcEndpoint
	pages := ec2.NewDescribeVpcEndpointsPaginator(s.EC2, &ec2.DescribeVpcEndpointsInput{})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("describing vpc endpoints: %w", err)
		}
		all = append(all, page.VpcEndpoints...)
	}
	return all, nil
}

// OperatorSecurityGroups lists the security groups tagged as created by the
// operator for clusterName.
func (s *Simulator) OperatorSecurityGroups(ctx context.Context, clusterName string) ([]types.SecurityGroup, error) {
	var all []types.SecurityGroup
	pages := ec2.NewDescribeSecurityGroupsPaginator(s.EC2, &ec2.DescribeSecurityGroupsInput{
		Filters: []types.Filter{{Name: awssdk.String("tag:" + v1alpha1.TagCluster), Values: []string{clusterName}}},
	})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("describing security groups: %w", err)
		}
		all = append(all, page.SecurityGroups...)
	}
	return all, nil
}

// PrettyJSON indents a JSON document for reading, keeping its key order;
// anything else is returned as it is.
func PrettyJSON(doc string) string {
	var out bytes.Buffer
	if err := json.Indent(&out, []byte(doc), "", "  "); err != nil {
		return doc
	}
	return out.String()
}
