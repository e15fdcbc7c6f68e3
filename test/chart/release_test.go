/*
Copyright 2026 The agentcore-vpce-operator Authors.

Licensed under the Apache License, Version 2.0.
*/

package chart_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chart/loader"
	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/agentcore-io/vpce-operator/internal/release"
)

const (
	releaseVersion = "v0.1.0"
	releaseImage   = "registry.example.com/platform/vpce-operator"
)

// buildRelease runs what `make release VERSION=v0.1.0
// IMG_REPO=registry.example.com/platform/vpce-operator` runs, into a
// temporary directory.
func buildRelease(t *testing.T) (release.Artifacts, objects) {
	t.Helper()
	a, err := release.Build(release.Options{Root: root, Version: releaseVersion, ImageRepository: releaseImage, OutDir: t.TempDir()})
	if err != nil {
		t.Fatalf("building the release: %v", err)
	}
	raw, err := os.ReadFile(a.InstallManifest)
	if err != nil {
		t.Fatal(err)
	}
	installed, err := decode(raw)
	if err != nil {
		t.Fatalf("decoding %s: %v", a.InstallManifest, err)
	}
	return a, installed
}

// TestInstallYAMLIsConfigDefaultWithTheReleasesImage: the same objects, in
// the same order, and only the manager's image differs.
func TestInstallYAMLIsConfigDefaultWithTheReleasesImage(t *testing.T) {
	a, installed := buildRelease(t)
	if filepath.Base(a.InstallManifest) != "install.yaml" {
		t.Errorf("the manifest is %s, want install.yaml", a.InstallManifest)
	}
	if diff := cmp.Diff(kustomized.ids(), installed.ids()); diff != "" {
		t.Fatalf("objects of config/default (-) and of install.yaml (+) differ:\n%s", diff)
	}
	if installed[0].GetKind() != "Namespace" || installed[1].GetKind() != "CustomResourceDefinition" {
		t.Errorf("install.yaml starts with %s, %s; kubectl apply -f needs the Namespace and the CRDs first", installed[0].GetKind(), installed[1].GetKind())
	}
	d := mustFind[appsv1.Deployment](t, installed, "install.yaml", "Deployment", deployment)
	if got := managerContainer(t, d).Image; got != releaseImage+":"+releaseVersion {
		t.Errorf("install.yaml runs %s, want %s:%s", got, releaseImage, releaseVersion)
	}
	for _, o := range installed {
		want := kustomized.find(o.GetKind(), o.GetName()).DeepCopy()
		if o.GetKind() == "Deployment" {
			setImage(t, want, releaseImage+":"+releaseVersion)
		}
		if diff := cmp.Diff(want.Object, o.Object); diff != "" {
			t.Errorf("%s %s: config/default (-) and install.yaml (+) differ beyond the image:\n%s", o.GetKind(), o.GetName(), diff)
		}
	}
	for _, crd := range installed.ofKind("CustomResourceDefinition") {
		for k, v := range keepAnnotations {
			if crd.GetAnnotations()[k] != v {
				t.Errorf("install.yaml's CRD %s has %s=%q, want %q", crd.GetName(), k, crd.GetAnnotations()[k], v)
			}
		}
	}
}

// TestTheReleasedChartCarriesTheVersionAndImage loads the packaged chart as
// helm install would: version without the v, appVersion with it, the image
// repository of the release in values.yaml (its comments kept), and every
// template, the schema and the README of the chart directory, unchanged.
func TestTheReleasedChartCarriesTheVersionAndImage(t *testing.T) {
	a, _ := buildRelease(t)
	if filepath.Base(a.Chart) != "agentcore-vpce-operator-0.1.0.tgz" {
		t.Errorf("the chart archive is %s, want agentcore-vpce-operator-0.1.0.tgz", filepath.Base(a.Chart))
	}
	packaged, err := loader.Load(a.Chart)
	if err != nil {
		t.Fatalf("helm cannot load %s: %v", a.Chart, err)
	}
	if packaged.Metadata.Version != "0.1.0" || packaged.Metadata.AppVersion != releaseVersion {
		t.Errorf("version %q appVersion %q, want 0.1.0 and %s", packaged.Metadata.Version, packaged.Metadata.AppVersion, releaseVersion)
	}
	out := mustRender(t, packaged, baseValues())
	d := mustFind[appsv1.Deployment](t, out, "the packaged chart", "Deployment", deployment)
	if got := managerContainer(t, d).Image; got != releaseImage+":"+releaseVersion {
		t.Errorf("the packaged chart runs %s, want %s:%s", got, releaseImage, releaseVersion)
	}
	if got := d.Labels["app.kubernetes.io/version"]; got != releaseVersion {
		t.Errorf("app.kubernetes.io/version = %q, want %s", got, releaseVersion)
	}
	values := rawFile(packaged, "values.yaml")
	if !strings.Contains(values, "repository: "+releaseImage) || !strings.Contains(values, "# REQUIRED. The EKS cluster's name") {
		t.Errorf("the packaged values.yaml lost the image repository or its comments:\n%s", values)
	}

	source := loadChart(t)
	if diff := cmp.Diff(files(source.Templates), files(packaged.Templates)); diff != "" {
		t.Errorf("templates of the chart directory (-) and of the package (+) differ:\n%s", diff)
	}
	if diff := cmp.Diff(files(source.Files), files(packaged.Files)); diff != "" {
		t.Errorf("files of the chart directory (-) and of the package (+) differ:\n%s", diff)
	}
	if string(source.Schema) != string(packaged.Schema) {
		t.Error("the package's values.schema.json differs from the chart directory's")
	}
}

// TestReleaseRefusesWhatHelmOrARegistryCannotUse: a version without its v
// or not semantic, or an image repository with a tag, is refused before
// anything is written, with an example of what is wanted.
func TestReleaseRefusesWhatHelmOrARegistryCannotUse(t *testing.T) {
	for _, tc := range []struct{ version, repository string }{
		{"", releaseImage},
		{"0.1.0", releaseImage},
		{"v0.1", releaseImage},
		{"v0.1.0.1", releaseImage},
		{"latest", releaseImage},
		{"v01.2.3", releaseImage},
		{releaseVersion, releaseImage + ":dev"},
		{releaseVersion, ""},
	} {
		dir := filepath.Join(t.TempDir(), "dist")
		_, err := release.Build(release.Options{Root: root, Version: tc.version, ImageRepository: tc.repository, OutDir: dir})
		if err == nil {
			t.Errorf("version %q, repository %q: built", tc.version, tc.repository)
			continue
		}
		if !strings.Contains(err.Error(), "e.g.") {
			t.Errorf("version %q, repository %q: the error gives no example: %v", tc.version, tc.repository, err)
		}
		if _, statErr := os.Stat(dir); statErr == nil {
			t.Errorf("version %q, repository %q: refused, but %s was created", tc.version, tc.repository, dir)
		}
	}
	if v, err := release.ChartVersion("v1.2.3-rc.1"); err != nil || v != "1.2.3-rc.1" {
		t.Errorf("ChartVersion(v1.2.3-rc.1) = %q, %v; want 1.2.3-rc.1", v, err)
	}
}

func setImage(t *testing.T, d *unstructured.Unstructured, image string) {
	t.Helper()
	containers, _, _ := unstructured.NestedSlice(d.Object, "spec", "template", "spec", "containers")
	for _, c := range containers {
		if m := c.(map[string]any); m["name"] == "manager" {
			m["image"] = image
		}
	}
	if err := unstructured.SetNestedSlice(d.Object, containers, "spec", "template", "spec", "containers"); err != nil {
		t.Fatal(err)
	}
}

func rawFile(ch *chart.Chart, name string) string {
	for _, f := range ch.Raw {
		if f.Name == name {
			return string(f.Data)
		}
	}
	return ""
}

func files(in []*chart.File) map[string]string {
	out := map[string]string{}
	for _, f := range in {
		out[f.Name] = string(f.Data)
	}
	return out
}
