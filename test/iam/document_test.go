/*
Copyright 2026 The agentcore-vpce-operator Authors.

Licensed under the Apache License, Version 2.0.
*/

package iam_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	awsclient "github.com/agentcore-io/vpce-operator/internal/aws"
	"github.com/agentcore-io/vpce-operator/internal/testenv"
)

const (
	// clusterVariable is what config/iam/policy.json compares the cluster tag
	// with: the session tag EKS Pod Identity adds to the role session.
	clusterVariable = "${aws:PrincipalTag/eks-cluster-name}"
	// podIdentityClusterTag is that session tag's key.
	podIdentityClusterTag = "eks-cluster-name"
	// renderScript renders the IRSA form; make iam-policy runs it.
	renderScript = "hack/iam-policy.sh"

	testCluster  = "prod-eks"
	otherCluster = "staging-eks"
)

// policyForm is one form of the policy the project ships: the template as
// written (EKS Pod Identity) or the form rendered for one cluster (IRSA).
type policyForm struct {
	name string
	doc  policyDocument
	// pin is the value every tag condition must compare the cluster tag with.
	pin string
	// principalTags are the session tags a role session of this form carries.
	principalTags map[string]string
}

// policyForms returns the template and its rendering for testCluster, the
// latter made by the script make iam-policy runs.
func policyForms(t *testing.T) []policyForm {
	t.Helper()
	return []policyForm{
		{
			name:          "config/iam/policy.json (EKS Pod Identity)",
			doc:           readPolicy(t),
			pin:           clusterVariable,
			principalTags: map[string]string{podIdentityClusterTag: testCluster},
		},
		{
			name: fmt.Sprintf("%s %s (IRSA)", renderScript, testCluster),
			doc:  parsePolicy(t, renderScript+" "+testCluster, renderPolicy(t, testCluster)),
			pin:  testCluster,
		},
	}
}

// policyDocument is the subset of the IAM policy grammar the operator's
// policy may use; anything else (NotAction, NotResource, Principal) fails to
// parse.
type policyDocument struct {
	Version   string      `json:"Version"`
	Statement []statement `json:"Statement"`
}

type statement struct {
	Sid       string                           `json:"Sid"`
	Effect    string                           `json:"Effect"`
	Action    stringList                       `json:"Action"`
	Resource  stringList                       `json:"Resource"`
	Condition map[string]map[string]stringList `json:"Condition"`
}

// grants says whether s allows action.
func (s statement) grants(action string) bool {
	for _, a := range s.Action {
		if a == action {
			return true
		}
	}
	return false
}

// onResourceType says whether s names an EC2 resource of type typ.
func (s statement) onResourceType(typ string) bool {
	for _, r := range s.Resource {
		if got, err := resourceType(r); err == nil && got == typ {
			return true
		}
	}
	return false
}

// condition returns the values s compares key with under operator.
func (s statement) condition(operator, key string) ([]string, bool) {
	values, ok := s.Condition[operator][key]
	return values, ok
}

func (s statement) hasTagCondition() bool {
	for _, keys := range s.Condition {
		for key := range keys {
			for _, k := range tagConditionKeys {
				if key == k {
					return true
				}
			}
		}
	}
	return false
}

// stringList is IAM's "a string or a list of strings".
type stringList []string

func (l *stringList) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*l = []string{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return fmt.Errorf("want a string or a list of strings, got %s", b)
	}
	*l = many
	return nil
}

func readPolicy(t *testing.T) policyDocument {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), "config", "iam", "policy.json"))
	if err != nil {
		t.Fatalf("reading the IAM policy: %v", err)
	}
	return parsePolicy(t, "config/iam/policy.json", raw)
}

func parsePolicy(t *testing.T, name string, raw []byte) policyDocument {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var doc policyDocument
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("parsing %s: %v", name, err)
	}
	if len(doc.Statement) == 0 {
		t.Fatalf("%s has no statements", name)
	}
	return doc
}

// runRenderScript runs hack/iam-policy.sh from the repository root with
// args and returns its stdout, stderr and whether it succeeded.
func runRenderScript(t *testing.T, args ...string) (stdout, stderr []byte, ok bool) {
	t.Helper()
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skipf("%s needs bash: %v", renderScript, err)
	}
	cmd := exec.Command(bash, append([]string{renderScript}, args...)...)
	cmd.Dir = testenv.RepoRoot()
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err = cmd.Run()
	if err != nil {
		var exit *exec.ExitError
		if !errors.As(err, &exit) {
			t.Fatalf("running %s: %v", renderScript, err)
		}
	}
	return out.Bytes(), errOut.Bytes(), err == nil
}

// renderPolicy is the IRSA form of the policy for cluster.
func renderPolicy(t *testing.T, cluster string) []byte {
	t.Helper()
	out, errOut, ok := runRenderScript(t, "--", cluster)
	if !ok {
		t.Fatalf("%s %s failed: %s", renderScript, cluster, errOut)
	}
	return out
}

// ec2APIActions are the IAM actions of the EC2 operations the operator
// calls: one per method of awsclient.EC2API, which lists exactly those.
func ec2APIActions() []string {
	api := reflect.TypeOf((*awsclient.EC2API)(nil)).Elem()
	actions := make([]string, 0, api.NumMethod())
	for i := range api.NumMethod() {
		actions = append(actions, "ec2:"+api.Method(i).Name)
	}
	sort.Strings(actions)
	return actions
}

func isReadOnly(action string) bool {
	return strings.HasPrefix(action, "ec2:Describe")
}

// resourceType is the EC2 resource type of an ARN pattern such as
// arn:aws:ec2:*:*:vpc-endpoint/*.
func resourceType(arn string) (string, error) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "ec2" {
		return "", fmt.Errorf("%q is not an EC2 ARN; mutating actions are granted on typed resources, never on \"*\"", arn)
	}
	typ, _, ok := strings.Cut(parts[5], "/")
	if !ok {
		return "", fmt.Errorf("%q names no resource type", arn)
	}
	return typ, nil
}
