package argocdhealth

import (
	"fmt"
	"os"
	"path/filepath"

	"sigs.k8s.io/yaml"
)

// TestsFile is the name of a kind's test cases beside its health.lua.
const TestsFile = "health_test.yaml"

// TestCases is health_test.yaml, as Argo CD's resource_customizations
// tests read it: each case an object in testdata/ and the health the
// script must return for it.
type TestCases struct {
	Tests []TestCase `json:"tests"`
}

// TestCase is one object and its health.
type TestCase struct {
	HealthStatus Health `json:"healthStatus"`
	// InputPath is the object's file, relative to the kind's directory
	// (testdata/<name>.yaml).
	InputPath string `json:"inputPath"`
}

// ReadTestCases reads dir's health_test.yaml.
func ReadTestCases(dir string) (TestCases, error) {
	var cases TestCases
	raw, err := os.ReadFile(filepath.Join(dir, TestsFile))
	if err != nil {
		return cases, err
	}
	if err := yaml.UnmarshalStrict(raw, &cases); err != nil {
		return cases, fmt.Errorf("parsing %s: %w", filepath.Join(dir, TestsFile), err)
	}
	return cases, nil
}

// ReadObject reads one test case's object.
func ReadObject(dir, inputPath string) (map[string]any, error) {
	raw, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(inputPath)))
	if err != nil {
		return nil, err
	}
	object := map[string]any{}
	if err := yaml.Unmarshal(raw, &object); err != nil {
		return nil, fmt.Errorf("parsing %s: %w", inputPath, err)
	}
	return object, nil
}

// WriteTestCases writes dir's health_test.yaml under a header comment.
func WriteTestCases(dir, header string, cases TestCases) error {
	raw, err := yaml.Marshal(cases)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, TestsFile), append([]byte(header), raw...), 0o644)
}

// WriteObject writes one object to dir/inputPath under a header comment.
func WriteObject(dir, inputPath, header string, object map[string]any) error {
	raw, err := yaml.Marshal(object)
	if err != nil {
		return err
	}
	path := filepath.Join(dir, filepath.FromSlash(inputPath))
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, append([]byte(header), raw...), 0o644)
}
