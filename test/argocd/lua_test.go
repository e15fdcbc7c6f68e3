/*
Copyright 2026 The agentcore-vpce-operator Authors.

Licensed under the Apache License, Version 2.0.
*/

package argocd_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	lua "github.com/yuin/gopher-lua"
	"sigs.k8s.io/yaml"
)

const (
	configDir = "../../config/argocd"
	group     = "vpce.agentcore.io"
)

func healthScriptPath(kind string) string {
	return filepath.Join(configDir, "health", group, kind, "health.lua")
}

type health struct {
	Status  string
	Message string
}

// healthCase is one object and the health Argo CD must show for it.
type healthCase struct {
	name   string
	object string // YAML
	want   health
}

func runHealthCases(t *testing.T, kind string, cases []healthCase) {
	t.Helper()
	script, err := os.ReadFile(healthScriptPath(kind))
	if err != nil {
		t.Fatalf("reading the %s health check: %v", kind, err)
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := evaluateHealth(t, string(script), tc.object)
			if got != tc.want {
				t.Errorf("health = %+v\nwant     %+v", got, tc.want)
			}
		})
	}
}

// evaluateHealth runs script the way Argo CD runs a health check from
// argocd-cm: only the package, base and table libraries (no string or os),
// the object as the global obj, the script as a chunk whose return value is
// left on the stack, and a one-second budget.
func evaluateHealth(t *testing.T, script, objectYAML string) health {
	t.Helper()
	object := map[string]any{}
	if err := yaml.Unmarshal([]byte(objectYAML), &object); err != nil {
		t.Fatalf("parsing the fixture: %v", err)
	}

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
			t.Fatalf("opening Lua library %q: %v", lib.name, err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	state.SetContext(ctx)
	state.SetGlobal("obj", toLua(state, object))

	if err := state.DoString(script); err != nil {
		t.Fatalf("running the health check: %v", err)
	}
	returned, ok := state.Get(-1).(*lua.LTable)
	if !ok {
		t.Fatalf("the health check returned %s, want a table", state.Get(-1).Type())
	}
	// Argo CD reads the table through JSON; so does this, to see what it sees.
	encoded, err := json.Marshal(fromLua(returned))
	if err != nil {
		t.Fatalf("encoding the returned table: %v", err)
	}
	var got health
	if err := json.Unmarshal(encoded, &got); err != nil {
		t.Fatalf("the returned table %s is not a health status: %v", encoded, err)
	}
	switch got.Status {
	case "Healthy", "Progressing", "Degraded", "Suspended", "Missing", "Unknown":
	default:
		t.Fatalf("status %q is not one Argo CD knows; it would show Unknown", got.Status)
	}
	return got
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
		panic("unexpected JSON value")
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
