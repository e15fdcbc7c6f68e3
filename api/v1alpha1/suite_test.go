package v1alpha1_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/agentcore-io/vpce-operator/internal/testenv"
)

// env is the API server every test of this package talks to: one per package
// run, because starting etcd and kube-apiserver costs seconds.
var env *testenv.Env

func TestMain(m *testing.M) {
	os.Exit(runWithAPIServer(m))
}

func runWithAPIServer(m *testing.M) int {
	var err error
	env, err = testenv.Start()
	if err != nil {
		fmt.Fprintf(os.Stderr, "starting the API server: %v\n", err)
		return 1
	}
	defer func() {
		if err := env.Stop(); err != nil {
			fmt.Fprintf(os.Stderr, "stopping the API server: %v\n", err)
		}
	}()
	return m.Run()
}

// createNamespace creates a namespace for one test; namespaces are never
// shared between tests, so objects of one test cannot collide with another's.
func createNamespace(t *testing.T, name string) {
	t.Helper()
	if err := env.Client.Create(context.Background(), testenv.Namespace(name, nil)); err != nil {
		t.Fatalf("creating namespace %s: %v", name, err)
	}
}

// assertRejected fails unless err is the API server's Invalid (422) answer
// naming field with a message that contains want: what a user of kubectl
// would read.
func assertRejected(t *testing.T, err error, field, want string) {
	t.Helper()
	if err == nil {
		t.Fatalf("the API server accepted the object; want %s rejected with %q", field, want)
	}
	if !apierrors.IsInvalid(err) {
		t.Fatalf("want an Invalid error for %s, got: %v", field, err)
	}
	var status apierrors.APIStatus
	if errors.As(err, &status) && status.Status().Details != nil {
		for _, cause := range status.Status().Details.Causes {
			if cause.Field == field && strings.Contains(cause.Message, want) {
				return
			}
		}
	}
	t.Errorf("the error does not say %q about %s:\n%v", want, field, err)
}

// nameFor turns a test's position in its table into an object name, so that
// parallel cases never create two objects with one name.
func nameFor(prefix string, i int) string {
	return fmt.Sprintf("%s-%02d", prefix, i)
}
