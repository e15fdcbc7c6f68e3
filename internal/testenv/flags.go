package testenv

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
)

// ManagerSource is the file that defines the manager's flags.
const ManagerSource = "cmd/manager/main.go"

// flagNameArg is, for each function of the flag package that defines a
// flag, the position of the flag's name among its arguments.
var flagNameArg = map[string]int{
	"Bool": 0, "BoolVar": 1, "Duration": 0, "DurationVar": 1, "Float64": 0, "Float64Var": 1,
	"Func": 0, "Int": 0, "IntVar": 1, "Int64": 0, "Int64Var": 1, "String": 0, "StringVar": 1,
	"TextVar": 1, "Uint": 0, "UintVar": 1, "Uint64": 0, "Uint64Var": 1, "Var": 1,
}

// ManagerFlags returns the names of the flags ManagerSource defines with the
// flag package, in the order it defines them. Flags that libraries register
// (zap's logging flags, --kubeconfig) are not among them.
func ManagerFlags() ([]string, error) {
	path := filepath.Join(RepoRoot(), filepath.FromSlash(ManagerSource))
	file, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
	if err != nil {
		return nil, fmt.Errorf("parsing %s: %w", ManagerSource, err)
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
		if lit, ok := call.Args[arg].(*ast.BasicLit); ok && lit.Kind == token.STRING {
			if name, err := strconv.Unquote(lit.Value); err == nil {
				flags = append(flags, name)
			}
		}
		return true
	})
	if len(flags) == 0 {
		return nil, fmt.Errorf("found no flag definitions in %s; has the manager stopped using the flag package?", ManagerSource)
	}
	return flags, nil
}
