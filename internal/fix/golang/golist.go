package golang

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strings"

	"github.com/patchline/patchline/internal/fix"
	"github.com/patchline/patchline/internal/inventory"
)

// listedModule is one module of `go list -m -json`.
type listedModule struct {
	Path      string
	Version   string
	Versions  []string
	Replace   *listedModule
	Main      bool
	Indirect  bool
	Retracted []string
	Error     *struct{ Err string }
}

// goOutput runs the go command in dir and returns its standard output; the
// error holds its standard error.
func (s *Strategy) goOutput(ctx context.Context, dir string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, s.goCmd, args...)
	cmd.Dir = dir
	cmd.Env = s.env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("go %s in %q: %w: %s", strings.Join(args, " "), dir, err, strings.TrimSpace(stderr.String()))
	}
	return stdout.Bytes(), nil
}

// listModules runs `go list -m -json` with args in dir. -mod=readonly keeps
// the go command from writing go.mod or go.sum whatever GOFLAGS says: the
// project may be the user's tree.
func (s *Strategy) listModules(ctx context.Context, dir string, args ...string) ([]listedModule, error) {
	out, err := s.goOutput(ctx, dir, append([]string{"list", "-mod=readonly", "-m", "-json"}, args...)...)
	if err != nil {
		return nil, err
	}
	var mods []listedModule
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var m listedModule
		err := dec.Decode(&m)
		if errors.Is(err, io.EOF) {
			return mods, nil
		}
		if err != nil {
			return nil, fmt.Errorf("go list -m -json %s: %w", strings.Join(args, " "), err)
		}
		mods = append(mods, m)
	}
}

// VersionSource returns the [fix.VersionSource] that asks the go command,
// run in the project at dir with the strategy's environment (so GOPROXY,
// GOPRIVATE, GONOSUMDB, GOFLAGS and the user's credentials apply).
func (s *Strategy) VersionSource(dir string) fix.VersionSource {
	return &versionSource{s: s, dir: dir}
}

type versionSource struct {
	s   *Strategy
	dir string
}

// Versions lists the versions of a module: `go list -m -versions` for the
// ones the module's author stands by, and with -retracted for all of them.
func (v *versionSource) Versions(ctx context.Context, ecosystem, name string) ([]fix.Release, error) {
	if ecosystem != inventory.Go {
		return nil, fmt.Errorf("versions of %s/%q: the Go strategy lists Go modules only", ecosystem, name)
	}
	good, err := v.s.listModules(ctx, v.dir, "-versions", name)
	if err != nil {
		return nil, fmt.Errorf("list the versions of %q: %w", name, err)
	}
	all, err := v.s.listModules(ctx, v.dir, "-retracted", "-versions", name)
	if err != nil {
		return nil, fmt.Errorf("list the retracted versions of %q: %w", name, err)
	}
	ok := map[string]bool{}
	for _, m := range good {
		for _, x := range m.Versions {
			ok[x] = true
		}
	}
	var out []fix.Release
	for _, m := range all {
		for _, x := range m.Versions {
			r := fix.Release{Version: x}
			if !ok[x] {
				r.Retracted = "retracted by the module's author"
			}
			out = append(out, r)
		}
	}
	return out, nil
}

// Release looks up one version of a module (a pseudo-version an advisory
// names) with `go list -m -retracted -json module@version`.
func (v *versionSource) Release(ctx context.Context, ecosystem, name, version string) (fix.Release, bool, error) {
	if ecosystem != inventory.Go {
		return fix.Release{}, false, fmt.Errorf("version %s/%q: the Go strategy looks up Go modules only", ecosystem, name)
	}
	mods, err := v.s.listModules(ctx, v.dir, "-e", "-retracted", name+"@"+version)
	if err != nil {
		return fix.Release{}, false, fmt.Errorf("look up %s@%s: %w", name, version, err)
	}
	if len(mods) != 1 || mods[0].Error != nil || mods[0].Version != version {
		return fix.Release{}, false, nil
	}
	r := fix.Release{Version: version}
	if len(mods[0].Retracted) > 0 {
		r.Retracted = strings.Join(mods[0].Retracted, "; ")
	}
	return r, true, nil
}
