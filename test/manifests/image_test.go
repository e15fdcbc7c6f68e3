/*
Copyright 2026 The agentcore-vpce-operator Authors.

Licensed under the Apache License, Version 2.0.
*/

package manifests_test

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"

	"github.com/agentcore-io/vpce-operator/internal/testenv"
)

// TestImageBuildCopiesEverythingTheManagerImports reads the Dockerfile and
// .dockerignore the way a Docker engine would use them (there is none here)
// and checks them against `go list -deps ./cmd/manager`: a package the
// manager imports but the image build never copies breaks the build, one
// .dockerignore hides breaks it the same way.
func TestImageBuildCopiesEverythingTheManagerImports(t *testing.T) {
	root := testenv.RepoRoot()
	df := readDockerfile(t)
	ignored := readDockerignore(t)

	copied := df.builderCopies
	for _, want := range []string{"go.mod", "go.sum"} {
		if !slices.Contains(copied, want) {
			t.Errorf("the Dockerfile does not copy %s into the builder", want)
		}
	}

	cmd := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.Dir}}{{end}}", "./cmd/manager")
	cmd.Dir = root
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v: %s", err, stderr.String())
	}
	absRoot, err := filepath.Abs(root)
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, dir := range strings.Fields(string(out)) {
		rel, err := filepath.Rel(absRoot, dir)
		if err != nil || strings.HasPrefix(rel, "..") {
			continue // a module dependency, fetched by go mod download
		}
		rel = filepath.ToSlash(rel)
		checked++
		if !slices.ContainsFunc(copied, func(src string) bool { return within(rel, src) }) {
			t.Errorf("the manager imports ./%s, but the Dockerfile copies only %v", rel, copied)
		}
		if pattern, ok := ignored.match(rel); ok {
			t.Errorf("the manager imports ./%s, but .dockerignore excludes it (%s)", rel, pattern)
		}
	}
	if checked == 0 {
		t.Fatal("go list found no package of this module among the manager's dependencies")
	}
	for _, f := range []string{"go.mod", "go.sum"} {
		if pattern, ok := ignored.match(f); ok {
			t.Errorf(".dockerignore excludes %s (%s)", f, pattern)
		}
	}
	for _, dir := range []string{"bin", ".git"} {
		if _, ok := ignored.match(dir); !ok {
			t.Errorf(".dockerignore does not exclude %s/", dir)
		}
	}
}

// TestImageRunsAsTheUserTheDeploymentExpects ties the Dockerfile to
// config/manager: a static binary on distroless, run as the user the
// Deployment's runAsUser names.
func TestImageRunsAsTheUserTheDeploymentExpects(t *testing.T) {
	df := readDockerfile(t)
	if !strings.Contains(df.build, "CGO_ENABLED=0") || !strings.Contains(df.build, "-trimpath") || !strings.Contains(df.build, "./cmd/manager") {
		t.Errorf("the builder's go build (%q) is not a static (CGO_ENABLED=0), -trimpath build of ./cmd/manager", df.build)
	}
	if !strings.Contains(df.build, "GOOS=$TARGETOS") || !strings.Contains(df.build, "GOARCH=$TARGETARCH") {
		t.Errorf("the builder's go build (%q) does not cross-compile for $TARGETOS/$TARGETARCH", df.build)
	}
	if !strings.Contains(df.builderFrom, "--platform=$BUILDPLATFORM") {
		t.Errorf("the builder stage (%q) does not run on $BUILDPLATFORM; multi-platform builds would emulate the target", df.builderFrom)
	}
	if df.finalFrom != "gcr.io/distroless/static:nonroot" {
		t.Errorf("the final stage is FROM %q, want gcr.io/distroless/static:nonroot", df.finalFrom)
	}
	if !slices.Equal(df.entrypoint, []string{"/manager"}) {
		t.Errorf("ENTRYPOINT %v, want [/manager]", df.entrypoint)
	}
	uid, gid, _ := strings.Cut(df.user, ":")
	d := mustFind[appsv1.Deployment](t, "Deployment", deployment)
	c := managerContainer(t, d)
	if len(c.Command) > 0 && c.Command[0] != "/manager" {
		t.Errorf("the Deployment runs %v, but the image's binary is /manager", c.Command)
	}
	runAs := d.Spec.Template.Spec.SecurityContext.RunAsUser
	if c.SecurityContext != nil && c.SecurityContext.RunAsUser != nil {
		runAs = c.SecurityContext.RunAsUser
	}
	if runAs == nil || strconv.FormatInt(*runAs, 10) != uid || uid != "65532" || gid != "65532" {
		t.Errorf("the image runs as USER %s, the Deployment as runAsUser %v; want both 65532", df.user, runAs)
	}
}

// dockerfile is what the tests need from the Dockerfile.
type dockerfile struct {
	builderFrom, finalFrom string
	builderCopies          []string // sources of COPY in the builder stage
	build                  string   // the RUN that calls go build
	user                   string
	entrypoint             []string
}

func readDockerfile(t *testing.T) dockerfile {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), "Dockerfile"))
	if err != nil {
		t.Fatalf("reading the Dockerfile: %v", err)
	}
	var df dockerfile
	stage := 0
	for _, inst := range instructions(string(raw)) {
		keyword, rest, _ := strings.Cut(inst, " ")
		args := strings.Fields(rest)
		switch strings.ToUpper(keyword) {
		case "FROM":
			stage++
			if stage == 1 {
				df.builderFrom = rest
			}
			df.finalFrom = rest
		case "COPY":
			if stage != 1 || len(args) < 2 || strings.HasPrefix(args[0], "--from") {
				continue
			}
			for _, src := range args[:len(args)-1] {
				if !strings.HasPrefix(src, "--") {
					df.builderCopies = append(df.builderCopies, strings.TrimSuffix(path.Clean(src), "/"))
				}
			}
		case "RUN":
			if strings.Contains(rest, "go build") {
				df.build = rest
			}
		case "USER":
			df.user = rest
		case "ENTRYPOINT":
			df.entrypoint = parseExecForm(t, rest)
		}
	}
	if stage < 2 {
		t.Fatalf("the Dockerfile has %d stages, want a builder and a final stage", stage)
	}
	return df
}

// instructions joins continuation lines and drops comments and blank lines.
func instructions(dockerfile string) []string {
	var out []string
	var cur strings.Builder
	sc := bufio.NewScanner(strings.NewReader(dockerfile))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if strings.HasSuffix(line, "\\") {
			cur.WriteString(strings.TrimSuffix(line, "\\") + " ")
			continue
		}
		cur.WriteString(line)
		out = append(out, strings.Join(strings.Fields(cur.String()), " "))
		cur.Reset()
	}
	return out
}

func parseExecForm(t *testing.T, s string) []string {
	t.Helper()
	s = strings.TrimSpace(s)
	if !strings.HasPrefix(s, "[") || !strings.HasSuffix(s, "]") {
		t.Errorf("ENTRYPOINT %s is not in exec form; the shell form needs a shell distroless does not have", s)
		return nil
	}
	var out []string
	for _, part := range strings.Split(strings.Trim(s, "[]"), ",") {
		unq, err := strconv.Unquote(strings.TrimSpace(part))
		if err != nil {
			t.Errorf("ENTRYPOINT %s: %v", s, err)
		}
		out = append(out, unq)
	}
	return out
}

// dockerignore holds the patterns of .dockerignore. It understands what the
// file uses: plain paths, globs, a trailing slash and a leading **/; it has
// no ! exceptions.
type dockerignore []string

func readDockerignore(t *testing.T) dockerignore {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), ".dockerignore"))
	if err != nil {
		t.Fatalf("reading .dockerignore: %v", err)
	}
	var patterns dockerignore
	for _, line := range strings.Split(string(raw), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if strings.HasPrefix(line, "!") {
			t.Fatalf(".dockerignore uses an exception (%s); teach this test about exceptions first", line)
		}
		patterns = append(patterns, line)
	}
	return patterns
}

// match reports the pattern that excludes rel (slash-separated, relative to
// the context root), if any. A pattern excludes a path when it matches the
// path or one of its parent directories.
func (d dockerignore) match(rel string) (string, bool) {
	parts := strings.Split(rel, "/")
	for _, pattern := range d {
		p := strings.TrimSuffix(strings.TrimPrefix(pattern, "/"), "/")
		anyDepth := strings.HasPrefix(p, "**/")
		p = strings.TrimPrefix(p, "**/")
		for i := 1; i <= len(parts); i++ {
			candidates := []string{strings.Join(parts[:i], "/")}
			if anyDepth {
				candidates = append(candidates, parts[i-1])
			}
			for _, c := range candidates {
				if ok, _ := path.Match(p, c); ok {
					return pattern, true
				}
			}
		}
	}
	return "", false
}

// within says whether rel is src or inside it.
func within(rel, src string) bool {
	return src == "." || rel == src || strings.HasPrefix(rel, src+"/")
}
