package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

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
	}
	for name, args := range cases {
		t.Run("refuses "+name, func(t *testing.T) {
			if _, err := parseFlags(args, io.Discard); err == nil {
				t.Fatalf("parseFlags(%q) succeeded", args)
			}
		})
	}
}
