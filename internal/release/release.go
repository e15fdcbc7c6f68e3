package release

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/Masterminds/semver/v3"
	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/resmap"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"
)

// Paths of what a release is made from, relative to the repository root.
const (
	InstallKustomization = "config/default"
	ChartDir             = "charts/agentcore-vpce-operator"
	// InstallManifestName is the file Build writes the rendered
	// config/default to.
	InstallManifestName = "install.yaml"
	// managerContainer is the container of the Deployment that runs the
	// operator's image.
	managerContainer = "manager"
)

// Options say what to build.
type Options struct {
	// Root is the repository's top directory.
	Root string
	// Version is the release, a semantic version with a leading v
	// (v0.1.0): the image tag and the chart's appVersion. The chart's
	// version is the same without the v, as Helm requires.
	Version string
	// ImageRepository is where the release's image is pushed, without a
	// tag: the image is ImageRepository:Version.
	ImageRepository string
	// OutDir receives install.yaml and the chart archive.
	OutDir string
}

// Artifacts are the files Build wrote.
type Artifacts struct {
	// InstallManifest is OutDir/install.yaml.
	InstallManifest string
	// Chart is OutDir/agentcore-vpce-operator-<version>.tgz.
	Chart string
}

// Build writes both artifacts of a release.
func Build(o Options) (Artifacts, error) {
	chartVersion, err := ChartVersion(o.Version)
	if err != nil {
		return Artifacts{}, err
	}
	if o.ImageRepository == "" || strings.Contains(o.ImageRepository, "@") || strings.Contains(lastPathElement(o.ImageRepository), ":") {
		return Artifacts{}, fmt.Errorf("image repository %q: want a repository without tag or digest, e.g. ghcr.io/agentcore-io/vpce-operator", o.ImageRepository)
	}
	if err := os.MkdirAll(o.OutDir, 0o755); err != nil {
		return Artifacts{}, fmt.Errorf("creating %s: %w", o.OutDir, err)
	}
	manifest, err := InstallManifest(o.Root, o.ImageRepository+":"+o.Version)
	if err != nil {
		return Artifacts{}, err
	}
	header := fmt.Sprintf("# agentcore-vpce-operator %s: CRDs, RBAC and the operator (config/default), image %s:%s.\n# Set the region, cluster name and AWS role first: docs/install.md.\n",
		o.Version, o.ImageRepository, o.Version)
	out := Artifacts{InstallManifest: filepath.Join(o.OutDir, InstallManifestName)}
	if err := os.WriteFile(out.InstallManifest, append([]byte(header), manifest...), 0o644); err != nil {
		return Artifacts{}, fmt.Errorf("writing %s: %w", out.InstallManifest, err)
	}
	ch, err := ReleaseChart(filepath.Join(o.Root, ChartDir), chartVersion, o.Version, o.ImageRepository)
	if err != nil {
		return Artifacts{}, err
	}
	if out.Chart, err = chartutil.Save(ch, o.OutDir); err != nil {
		return Artifacts{}, fmt.Errorf("packaging the chart: %w", err)
	}
	return out, nil
}

// ChartVersion checks a release version (v0.1.0, v1.2.3-rc.1) and returns
// it without its v, as Helm wants a chart's version.
func ChartVersion(version string) (string, error) {
	bare, ok := strings.CutPrefix(version, "v")
	if !ok {
		return "", fmt.Errorf("version %q: want a semantic version with a leading v, e.g. v0.1.0", version)
	}
	if _, err := semver.StrictNewVersion(bare); err != nil {
		return "", fmt.Errorf("version %q: want a semantic version with a leading v, e.g. v0.1.0: %w", version, err)
	}
	return bare, nil
}

// InstallManifest renders config/default the way `kubectl apply -k` does,
// with the manager container's image replaced by image.
func InstallManifest(root, image string) ([]byte, error) {
	m, err := Kustomize(filepath.Join(root, filepath.FromSlash(InstallKustomization)))
	if err != nil {
		return nil, err
	}
	if err := setManagerImage(m, image); err != nil {
		return nil, err
	}
	return m.AsYaml()
}

// Kustomize builds a kustomization directory with kustomize's own Go
// packages, in the order kubectl kustomize emits.
func Kustomize(dir string) (resmap.ResMap, error) {
	opts := krusty.MakeDefaultOptions()
	opts.Reorder = krusty.ReorderOptionLegacy
	m, err := krusty.MakeKustomizer(opts).Run(filesys.MakeFsOnDisk(), dir)
	if err != nil {
		return nil, fmt.Errorf("kustomize build %s: %w", dir, err)
	}
	return m, nil
}

// setManagerImage sets the image of the manager container of the one
// Deployment, and fails unless it found exactly that one container.
func setManagerImage(m resmap.ResMap, image string) error {
	set := 0
	for _, r := range m.Resources() {
		if r.GetKind() != "Deployment" {
			continue
		}
		containers, err := r.Pipe(kyaml.Lookup("spec", "template", "spec", "containers"))
		if err != nil {
			return fmt.Errorf("reading the containers of Deployment %s: %w", r.GetName(), err)
		}
		if containers == nil {
			continue
		}
		err = containers.VisitElements(func(c *kyaml.RNode) error {
			name, err := c.Pipe(kyaml.Lookup("name"))
			if err != nil || name == nil || kyaml.GetValue(name) != managerContainer {
				return err
			}
			set++
			return c.PipeE(kyaml.SetField("image", kyaml.NewStringRNode(image)))
		})
		if err != nil {
			return fmt.Errorf("setting the image of Deployment %s: %w", r.GetName(), err)
		}
	}
	if set != 1 {
		return fmt.Errorf("%s renders %d containers named %q in Deployments, want exactly 1 to set the image of", InstallKustomization, set, managerContainer)
	}
	return nil
}

// ReleaseChart loads the chart directory and stamps it with a release:
// version and appVersion in Chart.yaml, and the image repository in
// values.yaml (comments kept), so that the image defaults to
// imageRepository:appVersion.
func ReleaseChart(dir, version, appVersion, imageRepository string) (*chart.Chart, error) {
	ch, err := loader.LoadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("loading the chart %s: %w", dir, err)
	}
	ch.Metadata.Version = version
	ch.Metadata.AppVersion = appVersion
	var values *chart.File
	for _, f := range ch.Raw {
		if f.Name == chartutil.ValuesfileName {
			values = f
		}
	}
	if values == nil {
		return nil, errors.New("the chart has no values.yaml")
	}
	if values.Data, err = setImageRepository(values.Data, imageRepository); err != nil {
		return nil, err
	}
	if ch.Values, err = chartutil.ReadValues(values.Data); err != nil {
		return nil, fmt.Errorf("reading the stamped values.yaml: %w", err)
	}
	if err := ch.Validate(); err != nil {
		return nil, fmt.Errorf("the stamped chart: %w", err)
	}
	return ch, nil
}

// setImageRepository sets image.repository in a values file and leaves the
// rest, comments included, as it was.
func setImageRepository(values []byte, repository string) ([]byte, error) {
	doc, err := kyaml.Parse(string(values))
	if err != nil {
		return nil, fmt.Errorf("parsing values.yaml: %w", err)
	}
	field, err := doc.Pipe(kyaml.Lookup("image", "repository"))
	if err != nil {
		return nil, fmt.Errorf("reading image.repository in values.yaml: %w", err)
	}
	if field == nil {
		return nil, errors.New("values.yaml has no image.repository to set")
	}
	field.YNode().Value = repository
	field.YNode().Style = 0
	out, err := doc.String()
	if err != nil {
		return nil, fmt.Errorf("writing values.yaml: %w", err)
	}
	if !bytes.Contains([]byte(out), []byte(repository)) {
		return nil, fmt.Errorf("values.yaml lost image.repository %q on the way", repository)
	}
	return []byte(out), nil
}

// lastPathElement is what follows the last slash: where a tag would be.
func lastPathElement(ref string) string {
	return ref[strings.LastIndex(ref, "/")+1:]
}
