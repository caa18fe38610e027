package npm

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"strings"

	"github.com/patchline/patchline/internal/fix"
	"github.com/patchline/patchline/internal/fix/registry"
)

// manifest is what `npm view NAME@VERSION --json` says of one version.
type manifest struct {
	Name                 string            `json:"name"`
	Version              string            `json:"version"`
	Dependencies         map[string]string `json:"dependencies"`
	OptionalDependencies map[string]string `json:"optionalDependencies"`
	PeerDependencies     map[string]string `json:"peerDependencies"`
	Deprecated           string            `json:"deprecated"`
	Dist                 struct {
		Tarball   string `json:"tarball"`
		Integrity string `json:"integrity"`
	} `json:"dist"`
}

// view asks npm about packages. It goes through `npm view`, so the
// user's registry, scopes, credentials and proxy (.npmrc, npm_config_*)
// apply and no registry is named here; answers are cached.
type view struct {
	npm     string
	env     []string
	dir     string
	offline bool
	cache   *registry.Cache
}

// run runs `npm view ARGS --json` and returns its standard output.
func (v *view) run(ctx context.Context, args ...string) ([]byte, error) {
	args = append([]string{"view"}, args...)
	args = append(args, "--json")
	if v.offline {
		args = append(args, "--offline")
	}
	cmd := exec.CommandContext(ctx, v.npm, args...)
	cmd.Env = v.env
	cmd.Dir = v.dir
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		msg := lastLine(errb.String())
		// npm --json reports errors as a JSON object on stdout.
		var je struct {
			Error struct {
				Code    string `json:"code"`
				Summary string `json:"summary"`
			} `json:"error"`
		}
		if json.Unmarshal(out.Bytes(), &je) == nil && je.Error.Code != "" {
			if je.Error.Code == "E404" {
				return nil, errNotFound
			}
			msg = je.Error.Code + ": " + je.Error.Summary
		}
		return nil, fmt.Errorf("`npm %s`: %v: %s", strings.Join(args, " "), err, msg)
	}
	return out.Bytes(), nil
}

var errNotFound = errors.New("not found in the registry")

func lastLine(s string) string {
	var last string
	for _, l := range strings.Split(strings.TrimSpace(s), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.Contains(l, "Unknown user config") && !strings.Contains(l, "Unknown env config") {
			last = l
		}
	}
	return last
}

// Versions lists the versions npm knows of the package.
func (v *view) Versions(ctx context.Context, ecosystem, name string) ([]fix.Release, error) {
	b, err := v.cache.Get(ctx, "npm", "npm view "+name+" versions", func(ctx context.Context) ([]byte, error) {
		return v.run(ctx, name, "versions")
	})
	if err != nil {
		return nil, err
	}
	list, err := stringOrList(b)
	if err != nil {
		return nil, fmt.Errorf("`npm view %s versions`: %w", name, err)
	}
	out := make([]fix.Release, 0, len(list))
	for _, s := range list {
		out = append(out, fix.Release{Version: s})
	}
	return out, nil
}

// Release looks up one version; a deprecated version is reported as
// withdrawn.
func (v *view) Release(ctx context.Context, ecosystem, name, version string) (fix.Release, bool, error) {
	m, err := v.manifest(ctx, name, version)
	if errors.Is(err, errNotFound) {
		return fix.Release{}, false, nil
	}
	if err != nil {
		return fix.Release{}, false, err
	}
	r := fix.Release{Version: m.Version}
	if m.Deprecated != "" {
		r.Retracted = "deprecated: " + m.Deprecated
	}
	return r, true, nil
}

// manifest returns the manifest of name@version.
func (v *view) manifest(ctx context.Context, name, version string) (*manifest, error) {
	spec := name + "@" + version
	b, err := v.cache.Get(ctx, "npm", "npm view "+spec, func(ctx context.Context) ([]byte, error) {
		return v.run(ctx, spec)
	})
	if err != nil {
		return nil, err
	}
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return nil, errNotFound // npm prints nothing for a version it does not have
	}
	// A range matching several versions gives a list; an exact version one
	// object.
	if b[0] == '[' {
		var ms []manifest
		if err := json.Unmarshal(b, &ms); err != nil {
			return nil, fmt.Errorf("`npm view %s`: %w", spec, err)
		}
		for i := range ms {
			if ms[i].Version == version {
				return &ms[i], nil
			}
		}
		return nil, errNotFound
	}
	var m manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("`npm view %s`: %w", spec, err)
	}
	if m.Version != version {
		return nil, fmt.Errorf("`npm view %s` answered version %q", spec, m.Version)
	}
	return &m, nil
}

// stringOrList decodes npm's answer for one field: a string when there
// is one value, a list otherwise.
func stringOrList(b []byte) ([]string, error) {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return nil, nil
	}
	if b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return nil, err
		}
		return []string{s}, nil
	}
	var list []string
	if err := json.Unmarshal(b, &list); err != nil {
		return nil, err
	}
	return list, nil
}
