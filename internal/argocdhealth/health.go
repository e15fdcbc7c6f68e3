package argocdhealth

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	lua "github.com/yuin/gopher-lua"
)

// Group is the API group of the operator's kinds.
const Group = "vpce.agentcore.io"

// Health is what a health check returns, as Argo CD reads it.
type Health struct {
	Status  string `json:"status"`
	Message string `json:"message,omitempty"`
}

// Statuses Argo CD knows; a script returning anything else shows Unknown.
const (
	Healthy     = "Healthy"
	Progressing = "Progressing"
	Degraded    = "Degraded"
	Suspended   = "Suspended"
	Missing     = "Missing"
	Unknown     = "Unknown"
)

// KindDir is the directory of one kind's health check under repoRoot:
// config/argocd/health/vpce.agentcore.io/<kind>.
func KindDir(repoRoot, kind string) string {
	return filepath.Join(repoRoot, "config", "argocd", "health", Group, kind)
}

// ReadScript reads a kind's health.lua.
func ReadScript(repoRoot, kind string) (string, error) {
	script, err := os.ReadFile(filepath.Join(KindDir(repoRoot, kind), "health.lua"))
	if err != nil {
		return "", fmt.Errorf("reading the %s health check: %w", kind, err)
	}
	return string(script), nil
}

// Evaluate runs script the way Argo CD runs a health check from argocd-cm:
// only the package, base and table libraries (no string or os), the object
// (decoded JSON) as the global obj, the script as a chunk whose return value
// is left on the stack, and a one-second budget. Argo CD itself answers
// Progressing "Pending deletion" for an object with a deletionTimestamp
// without running the script; Evaluate always runs it.
func Evaluate(script string, object map[string]any) (Health, error) {
	state := lua.NewState(lua.Options{SkipOpenLibs: true})
	defer state.Close()
	for _, lib := range []struct {
		name string
		open lua.LGFunction
	}{
		{lua.LoadLibName, lua.OpenPackage},
		{lua.BaseLibName, lua.OpenBase},
		{lua.TabLibName, lua.OpenTable},
	} {
		if err := state.CallByParam(lua.P{Fn: state.NewFunction(lib.open), NRet: 0, Protect: true}, lua.LString(lib.name)); err != nil {
			return Health{}, fmt.Errorf("opening Lua library %q: %w", lib.name, err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	state.SetContext(ctx)
	// Argo CD hands the script the object as decoded JSON; so does this,
	// whatever the caller's numbers are.
	encoded, err := json.Marshal(object)
	if err != nil {
		return Health{}, fmt.Errorf("encoding the object: %w", err)
	}
	var decoded any
	if err := json.Unmarshal(encoded, &decoded); err != nil {
		return Health{}, err
	}
	state.SetGlobal("obj", toLua(state, decoded))

	if err := state.DoString(script); err != nil {
		return Health{}, fmt.Errorf("running the health check: %w", err)
	}
	returned, ok := state.Get(-1).(*lua.LTable)
	if !ok {
		return Health{}, fmt.Errorf("the health check returned %s, want a table", state.Get(-1).Type())
	}
	// Argo CD reads the table through JSON; so does this, to see what it sees.
	encoded, err = json.Marshal(fromLua(returned))
	if err != nil {
		return Health{}, fmt.Errorf("encoding the returned table: %w", err)
	}
	var got Health
	if err := json.Unmarshal(encoded, &got); err != nil {
		return Health{}, fmt.Errorf("the returned table %s is not a health status: %w", encoded, err)
	}
	switch got.Status {
	case Healthy, Progressing, Degraded, Suspended, Missing, Unknown:
	default:
		return Health{}, fmt.Errorf("status %q is not one Argo CD knows; it would show Unknown", got.Status)
	}
	return got, nil
}

// toLua converts decoded JSON to Lua values as Argo CD does: lists become
// sequences from 1, objects become tables keyed by string, numbers floats.
func toLua(state *lua.LState, value any) lua.LValue {
	switch v := value.(type) {
	case nil:
		return lua.LNil
	case bool:
		return lua.LBool(v)
	case float64:
		return lua.LNumber(v)
	case string:
		return lua.LString(v)
	case []any:
		list := state.CreateTable(len(v), 0)
		for _, item := range v {
			list.Append(toLua(state, item))
		}
		return list
	case map[string]any:
		table := state.CreateTable(0, len(v))
		for key, item := range v {
			table.RawSetString(key, toLua(state, item))
		}
		return table
	default:
		panic(fmt.Sprintf("unexpected JSON value %T", value))
	}
}

func fromLua(value lua.LValue) any {
	switch v := value.(type) {
	case lua.LString:
		return string(v)
	case lua.LNumber:
		return float64(v)
	case lua.LBool:
		return bool(v)
	case *lua.LTable:
		object := map[string]any{}
		v.ForEach(func(key, item lua.LValue) { object[key.String()] = fromLua(item) })
		return object
	default:
		return nil
	}
}
