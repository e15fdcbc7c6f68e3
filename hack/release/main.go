// Command release writes a release's artifacts into a directory (dist/ for
// `make release`): install.yaml, config/default rendered with the release's
// image, and the Helm chart packaged with the release's version.
//
//	go run ./hack/release -version v0.1.0 -image-repository ghcr.io/agentcore-io/vpce-operator -out dist
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/agentcore-io/vpce-operator/internal/release"
)

func main() {
	var o release.Options
	flag.StringVar(&o.Version, "version", "", "The release, e.g. v0.1.0: the image tag and the chart's appVersion (the chart's version drops the v).")
	flag.StringVar(&o.ImageRepository, "image-repository", "ghcr.io/agentcore-io/vpce-operator", "Repository the release's image is pushed to, without a tag.")
	flag.StringVar(&o.OutDir, "out", "dist", "Directory to write install.yaml and the chart archive to.")
	flag.StringVar(&o.Root, "root", ".", "The repository's top directory.")
	flag.Parse()
	if o.Version == "" {
		fmt.Fprintln(os.Stderr, "release: -version is required, e.g. -version v0.1.0")
		os.Exit(2)
	}
	a, err := release.Build(o)
	if err != nil {
		fmt.Fprintln(os.Stderr, "release:", err)
		os.Exit(1)
	}
	for _, p := range []string{a.InstallManifest, a.Chart} {
		if rel, err := filepath.Rel(o.Root, p); err == nil {
			p = rel
		}
		fmt.Println("wrote", p)
	}
}
