/*
Copyright 2026 The agentcore-vpce-operator Authors.

Licensed under the Apache License, Version 2.0.
*/

package docs_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// flagNameArg is, for each function of the flag package that defines a
// flag, the position of the flag's name among its arguments.
var flagNameArg = map[string]int{
	"Bool": 0, "BoolVar": 1, "Duration": 0, "DurationVar": 1, "Float64": 0, "Float64Var": 1,
	"Func": 0, "Int": 0, "IntVar": 1, "Int64": 0, "Int64Var": 1, "String": 0, "StringVar": 1,
	"TextVar": 1, "Uint": 0, "UintVar": 1, "Uint64": 0, "Uint64Var": 1, "Var": 1,
}

// TestEveryManagerFlagIsInTheInstallGuide finds the flags cmd/manager/main.go
// defines with the flag package and wants each, as --name in backticks, in
// docs/install.md: a flag is only as useful as the line that says it exists.
// Flags that libraries register (zap's logging flags, --kubeconfig) are not
// in main.go and not checked here.
func TestEveryManagerFlagIsInTheInstallGuide(t *testing.T) {
	const source, guide = "cmd/manager/main.go", "docs/install.md"
	file, err := parser.ParseFile(token.NewFileSet(), source, readRepoFile(t, source), 0)
	if err != nil {
		t.Fatalf("parsing %s: %v", source, err)
	}
	var flags []string
	ast.Inspect(file, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok {
			return true
		}
		sel, ok := call.Fun.(*ast.SelectorExpr)
		if !ok {
			return true
		}
		if pkg, ok := sel.X.(*ast.Ident); !ok || pkg.Name != "flag" {
			return true
		}
		arg, ok := flagNameArg[sel.Sel.Name]
		if !ok || arg >= len(call.Args) {
			return true
		}
		lit, ok := call.Args[arg].(*ast.BasicLit)
		if !ok || lit.Kind != token.STRING {
			return true
		}
		if name, err := strconv.Unquote(lit.Value); err == nil {
			flags = append(flags, name)
		}
		return true
	})
	if len(flags) == 0 {
		t.Fatalf("found no flag definitions in %s; has the manager stopped using the flag package?", source)
	}
	documented := codeSpans(proseLines(readRepoFile(t, guide)))
	var missing []string
	for _, f := range flags {
		if !documented["--"+f] {
			missing = append(missing, "--"+f)
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		t.Errorf("%s does not document these flags of %s; write each as `--name` with its default:\n  %s",
			guide, source, strings.Join(missing, "\n  "))
	}
}
