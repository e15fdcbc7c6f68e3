package controllers

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/go-logr/logr"
	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/agentcore-io/vpce-operator/api/v1alpha1"
	"github.com/agentcore-io/vpce-operator/internal/verify"
)

// TokenReaderExample is the example Role and RoleBinding a team applies, in
// its namespace, to let the operator read its token Secret.
const TokenReaderExample = "config/rbac/examples/verify-token-reader.yaml"

// readToken reads the bearer token of one spec.verify gateway from its
// Secret in the policy's namespace, with the uncached reader, at every probe
// (a rotated token is used at the next one). When it cannot, the Outcome
// says which Secret, and for Forbidden which Role and RoleBinding to create.
// The token itself never leaves this function but to the probe.
func (v *Verifier) readToken(ctx context.Context, p *v1alpha1.GatewayAccessPolicy, g v1alpha1.VerifiedGateway) (string, verify.Outcome, bool) {
	ref := g.TokenSecretRef
	if ref == nil {
		return "", verify.Outcome{Result: v1alpha1.VerificationTokenSecretNotFound,
			Message: "spec.verify lists this gateway without tokenSecretRef; a Bearer gateway needs the Secret key holding a token issued for it."}, false
	}
	secret := &corev1.Secret{}
	// client-go logs response bodies at high verbosity through the context's
	// logger (-v=8 and up): this one read must log nothing, whatever the
	// operator's log level.
	quiet := logr.NewContext(ctx, logr.Discard())
	err := v.APIReader.Get(quiet, client.ObjectKey{Namespace: p.Namespace, Name: ref.Name}, secret)
	switch {
	case apierrors.IsForbidden(err):
		return "", verify.Outcome{Result: v1alpha1.VerificationTokenSecretForbidden, Message: v.forbiddenMessage(ctx, p.Namespace, ref.Name)}, false
	case apierrors.IsNotFound(err):
		return "", verify.Outcome{Result: v1alpha1.VerificationTokenSecretNotFound,
			Message: fmt.Sprintf("Secret %s/%s does not exist; create it with key %q holding a bearer token issued for gateway %s.", p.Namespace, ref.Name, ref.Key, gatewayIDOf(g.GatewayARN))}, false
	case err != nil:
		return "", verify.Outcome{Result: v1alpha1.VerificationProbeFailed,
			Message: fmt.Sprintf("Reading Secret %s/%s failed: %v", p.Namespace, ref.Name, err)}, false
	}
	token := strings.TrimSpace(string(secret.Data[ref.Key]))
	if token == "" {
		return "", verify.Outcome{Result: v1alpha1.VerificationTokenSecretNotFound,
			Message: fmt.Sprintf("Secret %s/%s has no key %q, or its value is empty; put a bearer token issued for gateway %s there.", p.Namespace, ref.Name, ref.Key, gatewayIDOf(g.GatewayARN))}, false
	}
	return token, verify.Outcome{}, true
}

// forbiddenMessage says exactly what grant is missing: get on this one
// Secret, in a Role of the team's namespace bound to the operator's
// identity, with the shipped example.
func (v *Verifier) forbiddenMessage(ctx context.Context, namespace, secret string) string {
	who, subject := "the operator's service account", "the operator's service account"
	if user, err := v.whoAmI.get(ctx, v.Identity); err == nil && user != "" {
		who, subject = describeUser(user)
	}
	return fmt.Sprintf("The operator may not read Secret %s/%s: grant get on secret %s to %s. Create, in namespace %s, a Role allowing get on secrets with resourceNames [%s] and a RoleBinding of it to %s (example: %s; docs/troubleshooting.md, \"Verified is TokenSecretForbidden\"). The operator's ClusterRole has no access to Secrets, by design.",
		namespace, secret, secret, who, namespace, secret, subject, TokenReaderExample)
}

// describeUser turns a Kubernetes user name into the words of the message
// and the RoleBinding subject to create.
func describeUser(user string) (who, subject string) {
	if rest, ok := strings.CutPrefix(user, "system:serviceaccount:"); ok {
		if ns, name, ok := strings.Cut(rest, ":"); ok {
			return fmt.Sprintf("service account %s/%s", ns, name),
				fmt.Sprintf("subject {kind: ServiceAccount, name: %s, namespace: %s}", name, ns)
		}
	}
	return "user " + user, fmt.Sprintf("subject {kind: User, name: %s}", user)
}

// selfSubjectReview asks the API server who the operator is: the user its
// requests are authorized as (its service account in a cluster). Every
// authenticated user may ask (system:basic-user), so it needs no RBAC rule.
func selfSubjectReview(c client.Client) func(ctx context.Context) (string, error) {
	return func(ctx context.Context) (string, error) {
		review := &authenticationv1.SelfSubjectReview{}
		if err := c.Create(ctx, review); err != nil {
			return "", fmt.Errorf("asking the API server who the operator is: %w", err)
		}
		return review.Status.UserInfo.Username, nil
	}
}

// identityCache keeps the operator's user name once known: it does not
// change while the process runs.
type identityCache struct {
	mu   sync.Mutex
	user string
}

func (c *identityCache) get(ctx context.Context, ask func(context.Context) (string, error)) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.user != "" {
		return c.user, nil
	}
	user, err := ask(ctx)
	if err != nil {
		return "", err
	}
	c.user = user
	return user, nil
}
