package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/agentcore-io/vpce-operator/internal/ec2sim"
)

func TestTheBinaryServesASeededVPCAndStopsWhenCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	seedFile := filepath.Join(t.TempDir(), "seed.json")
	stdoutR, stdoutW := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"--addr", "127.0.0.1:0", "--seed-vpc", "--seed-output", seedFile, "--throttle", "off"}, stdoutW, io.Discard)
		stdoutW.Close()
	}()

	lines := bufio.NewScanner(stdoutR)
	if !lines.Scan() {
		t.Fatalf("no output: %v", <-done)
	}
	seedLine := lines.Text()
	if !regexp.MustCompile(`^vpc-id=vpc-[0-9a-f]{17} subnet-ids=subnet-[0-9a-f]{17},subnet-[0-9a-f]{17},subnet-[0-9a-f]{17}$`).MatchString(seedLine) {
		t.Fatalf("seed line = %q", seedLine)
	}
	lines.Scan()
	url := regexp.MustCompile(`http://127\.0\.0\.1:\d+`).FindString(lines.Text())
	if url == "" {
		t.Fatalf("listening line = %q", lines.Text())
	}
	go func() { _, _ = io.Copy(io.Discard, stdoutR) }()

	var seed seeded
	data, err := os.ReadFile(seedFile)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &seed); err != nil {
		t.Fatal(err)
	}
	if seed.EndpointURL != url || !strings.Contains(seedLine, seed.VpcID) || len(seed.SubnetIDs) != 3 {
		t.Errorf("seed file = %+v", seed)
	}

	client, err := ec2sim.NewClient(ctx, url, "us-east-1")
	if err != nil {
		t.Fatal(err)
	}
	out, err := client.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{VpcIds: []string{seed.VpcID}})
	if err != nil || len(out.Vpcs) != 1 {
		t.Fatalf("DescribeVpcs: %v", err)
	}

	cancel()
	if err := <-done; err != nil {
		t.Fatalf("run returned %v after cancel, want nil", err)
	}
}

func TestFlagsAreValidated(t *testing.T) {
	cases := map[string][]string{
		"a throttle that is neither on nor off": {"--throttle", "sometimes"},
		"a fault rate above 1":                  {"--fault-rate", "2"},
		"a seed output without a seeded VPC":    {"--seed-output", "x.json"},
		"a stray argument":                      {"serve"},
		"an unknown repeated-modify answer":     {"--repeated-modify", "maybe"},
		"an unknown re-provisioning change":     {"--reprovision-on", "subnets,colour"},
		"a zone outside the region":             {"--region", "eu-west-1", "--service-zones", "us-east-1a"},
		"an unknown IP address type":            {"--service-ip-address-types", "ipv5"},
		"an unknown hosted zone conflict":       {"--hosted-zone-conflict", "ignore"},
	}
	for name, args := range cases {
		t.Run("refuses "+name, func(t *testing.T) {
			if _, err := parseFlags(args, io.Discard); err == nil {
				t.Fatalf("parseFlags(%q) succeeded", args)
			}
		})
	}
}

func TestTheSimulatorsSettingsComeFromItsFlags(t *testing.T) {
	cfg, err := parseFlags([]string{
		"--interface-linger", "5s", "--repeated-modify", "invalid-parameter", "--reprovision-on", "none",
		"--service-zones", "us-east-1a,us-east-1b", "--service-ip-address-types", "ipv4",
		"--hosted-zone-conflict", "invalid-parameter", "--fault-after-apply",
	}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	o := cfg.options()
	if o.InterfaceLinger != 5*time.Second || o.RepeatedModify != ec2sim.RepeatedModifyInvalidParameter ||
		o.ReprovisionOn == nil || len(o.ReprovisionOn) != 0 || !slices.Equal(o.ServiceZones, []string{"us-east-1a", "us-east-1b"}) ||
		!slices.Equal(o.ServiceIPAddressTypes, []string{"ipv4"}) || o.HostedZoneConflict != ec2sim.HostedZoneConflictInvalidParameter ||
		!cfg.faultAfterApply {
		t.Errorf("options = %+v, after apply %v", o, cfg.faultAfterApply)
	}
	defaults, err := parseFlags(nil, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if o := defaults.options(); o.ReprovisionOn != nil || o.ServiceZones != nil || o.InterfaceLinger != 2*time.Minute {
		t.Errorf("default options = %+v, want AWS's behaviour", o)
	}
}

func TestTheIAMPolicyAndItsPrincipalComeFromFlags(t *testing.T) {
	file := filepath.Join(t.TempDir(), "policy.json")
	if err := os.WriteFile(file, []byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:Describe*","Resource":"*"}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := parseFlags([]string{"--iam-policy", file, "--iam-access-key", "AKIDOP", "--iam-principal-tags", "eks-cluster-name=demo"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	iam, err := cfg.iam()
	if err != nil || iam == nil || iam.AccessKeyID != "AKIDOP" || iam.PrincipalTags["eks-cluster-name"] != "demo" || len(iam.Policy) == 0 {
		t.Fatalf("iam = %+v, %v", iam, err)
	}
	if _, err := parseFlags([]string{"--iam-access-key", "AKIDOP"}, io.Discard); err == nil {
		t.Error("--iam-access-key without --iam-policy was accepted")
	}
	if cfg, err := parseFlags(nil, io.Discard); err != nil {
		t.Fatal(err)
	} else if iam, _ := cfg.iam(); iam != nil {
		t.Errorf("without --iam-policy every call is allowed, got %+v", iam)
	}
}
