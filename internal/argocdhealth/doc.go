// Package argocdhealth runs the Argo CD health checks of config/argocd the
// way Argo CD runs a health check from argocd-cm (gopher-lua, the
// interpreter Argo CD embeds, with the same restricted libraries), and reads
// and writes their test cases in the layout of Argo CD's own
// resource_customizations: health/<group>/<Kind>/health.lua beside
// health_test.yaml and testdata/. Only tests use it.
package argocdhealth
