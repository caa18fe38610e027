// Package fix plans and applies the smallest dependency upgrades that remove
// known vulnerabilities, and proves them: every change is applied in a
// scratch copy of the project (never the user's tree), the project is
// re-scanned to show the vulnerabilities gone and no new ones come in, and
// it is built and tested. A change that breaks the build or the tests is
// isolated by applying the changes one at a time, reported as needing a
// human with the failing output, and left out; the others are kept.
//
// The work is split the way the rest of patchline is: a [Strategy] per
// ecosystem knows its package manager (for Go, the go command under
// minimal version selection: see package golang), a [VersionSource] lists
// the versions a package has, and a [Checker] asks the vulnerability
// database whether a version is affected. [Run] drives a strategy through
// scratch copy, apply, re-scan, validation and bisection, and returns an
// [Outcome]; [WriteMarkdown] turns an outcome into a pull-request
// description. The caller decides what to do with the result: copy the
// changed files back, or commit them on a branch ([Scratch.Commit]).
package fix

import (
	"context"
	"sort"

	"github.com/patchline/patchline/internal/result"
	"github.com/patchline/patchline/internal/severity"
)

// Kinds of [Change].
const (
	// KindDirectUpgrade raises a package the project requires directly.
	KindDirectUpgrade = "direct-upgrade"
	// KindTransitiveInPlace raises a transitive package where it is, by
	// requiring the fixed version (under Go's minimal version selection,
	// a requirement in go.mod).
	KindTransitiveInPlace = "transitive-in-place"
	// KindParentUpgrade raises the direct dependency that pulls a
	// vulnerable transitive package in, to a version that needs a fixed one.
	KindParentUpgrade = "parent-upgrade"
	// KindOverride forces a version the dependency graph would not select
	// on its own (npm overrides, a Go replace directive).
	KindOverride = "override"
	// KindToolchain raises the toolchain the project builds with (Go's
	// toolchain line), for vulnerabilities in a standard library. Planned
	// only when a strategy's options allow it; otherwise the toolchain is
	// recommended in an [Unfixable] with reason [ReasonToolchain].
	KindToolchain = "toolchain"
)

// Reasons an [Unfixable] gives.
const (
	// ReasonNoFix: no advisory names a fixed version.
	ReasonNoFix = "no-fix"
	// ReasonOtherMajor: the fixed versions are all in another major version
	// that the package's path or the strategy's rules do not allow
	// crossing automatically (for Go v2+ modules the major version is part
	// of the module path, so every import must change).
	ReasonOtherMajor = "unfixable-in-major"
	// ReasonNoCandidate: fixed versions are known, but no published,
	// unretracted version is free of every advisory.
	ReasonNoCandidate = "no-candidate"
	// ReasonToolchain: the vulnerability is in the toolchain's standard
	// library; Recommended names the toolchain that fixes it.
	ReasonToolchain = "toolchain"
	// ReasonNotInGraph: the package is not in the project's resolved
	// dependency graph (the finding came from another file), so there is
	// nothing to upgrade here.
	ReasonNotInGraph = "not-in-graph"
	// ReasonPinned: a pin the strategy does not rewrite (a Go replace by
	// another module or a local directory) decides the version.
	ReasonPinned = "pinned"
	// ReasonApplyFailed: the package manager refused the change.
	ReasonApplyFailed = "apply-failed"
	// ReasonRescan: after the change the project still had the
	// vulnerabilities it was to fix, or gained new ones; the change was
	// reverted.
	ReasonRescan = "rescan-failed"
	// ReasonToolMissing: the package manager that must make the change
	// (npm, poetry, uv, cargo, go) is not installed or cannot work
	// offline; Detail names the command to run.
	ReasonToolMissing = "tool-missing"
	// ReasonNeedsHuman: the change breaks the build or the tests; it was
	// reverted and Output holds the failure.
	ReasonNeedsHuman = "needs-human"
)

// Plan is what a strategy proposes: the changes to make and the
// vulnerabilities no change can remove.
type Plan struct {
	Changes   []Change    `json:"changes"`
	Unfixable []Unfixable `json:"unfixable"`
	// Notes are things the user should know that are neither: a finding
	// already fixed in the resolved graph, an advisory that could not be
	// evaluated.
	Notes []string `json:"notes,omitempty"`
}

// Change is one package moved from one version to another.
type Change struct {
	Ecosystem string `json:"ecosystem"`
	Package   string `json:"package"`
	From      string `json:"from"`
	To        string `json:"to"`
	// Kind is one of the Kind constants.
	Kind string `json:"kind"`
	// Target is the vulnerable package the change fixes when that is not
	// Package: for a [KindParentUpgrade], the transitive package, and for
	// a [KindOverride] set on a parent, the package forced. The re-scan
	// checks Target (else Package) for Fixes and Advisories.
	Target string `json:"target,omitempty"`
	// TargetFrom and TargetTo are Target's versions before and after.
	TargetFrom string `json:"target_from,omitempty"`
	TargetTo   string `json:"target_to,omitempty"`
	// Fixes lists the ids of the findings the change removes (the
	// findings' primary ids), sorted.
	Fixes []string `json:"fixes"`
	// Advisories lists the ids of the database entries that affect From
	// and not To, sorted: what the re-scan checks.
	Advisories []string `json:"advisories"`
	// Reason explains the choice of To: why not a lower version, what was
	// skipped, what else may move.
	Reason string `json:"reason"`
}

// String returns "package from => to".
func (c Change) String() string { return c.Package + " " + c.From + " => " + c.To }

// Vulnerable returns the package whose findings the change fixes: Target
// when set, else Package.
func (c Change) Vulnerable() string {
	if c.Target != "" {
		return c.Target
	}
	return c.Package
}

// Unfixable is a vulnerable package no change in the plan fixes.
type Unfixable struct {
	Ecosystem string `json:"ecosystem"`
	Package   string `json:"package"`
	Version   string `json:"version"`
	// IDs are the primary ids of the findings left, sorted.
	IDs []string `json:"ids"`
	// Reason is one of the Reason constants.
	Reason string `json:"reason"`
	// Detail says what the user can do.
	Detail string `json:"detail"`
	// Fixed lists the versions the advisories name as fixed, nearest
	// first, when there are any (for [ReasonOtherMajor], in the other
	// major version).
	Fixed []string `json:"fixed,omitempty"`
	// Recommended is the version that would fix it when the strategy may
	// not apply it itself (a toolchain).
	Recommended string `json:"recommended,omitempty"`
	// Change is the change that was tried and reverted
	// ([ReasonApplyFailed], [ReasonRescan], [ReasonNeedsHuman]).
	Change *Change `json:"change,omitempty"`
	// Evidence is the failing step: the command, its exit code and the
	// tail of its output.
	Evidence *Step `json:"evidence,omitempty"`
}

// Strategy fixes the packages of one ecosystem in one project.
//
// Plan reads the project and must not modify it. Apply, Validate and
// Packages run in a scratch copy.
type Strategy interface {
	// Ecosystem is the OSV ecosystem the strategy handles; Plan ignores
	// findings of other ecosystems.
	Ecosystem() string
	// Plan proposes the changes that remove the findings in the project at
	// dir: for each vulnerable package, the smallest version that no
	// advisory affects.
	Plan(ctx context.Context, dir string, findings []result.Finding, versions VersionSource, checker Checker) (Plan, error)
	// Apply makes the plan's changes in the project at dir. An error from
	// a command is a [*StepError] holding the command's output.
	Apply(ctx context.Context, dir string, p Plan) error
	// Validate builds and tests the project at dir.
	Validate(ctx context.Context, dir string, opts ValidateOptions) (Validation, error)
	// Packages lists the resolved packages of the project at dir, for the
	// re-scan after Apply.
	Packages(ctx context.Context, dir string) ([]Package, error)
	// ManagedFiles lists the paths, relative to the project directory,
	// that Apply may change (files or directories). [Run] saves and
	// restores them to revert a change.
	ManagedFiles() []string
}

// Package is one resolved package of a project.
type Package struct {
	Ecosystem string
	Name      string
	Version   string
}

// String returns "name@version".
func (p Package) String() string { return p.Name + "@" + p.Version }

// Release is one published version of a package.
type Release struct {
	Version string
	// Retracted is why the publisher withdrew the version; empty when it
	// was not withdrawn.
	Retracted string
}

// VersionSource lists the versions of packages, from the ecosystem's own
// client (so that the user's registry, proxy and credentials apply).
type VersionSource interface {
	// Versions lists the published versions of the package, retracted ones
	// included and marked, in no particular order.
	Versions(ctx context.Context, ecosystem, name string) ([]Release, error)
	// Release looks up one version that Versions did not list (a Go
	// pseudo-version an advisory names as fixed). ok is false when the
	// version does not exist.
	Release(ctx context.Context, ecosystem, name, version string) (r Release, ok bool, err error)
}

// Vuln is one advisory that affects a package version.
type Vuln struct {
	ID      string
	Aliases []string
	// Fixed lists, nearest first, the versions that fix the affected range
	// the version is in.
	Fixed    []string
	Severity severity.Severity
}

// Verdict is what a [Checker] says of one package version.
type Verdict struct {
	// Vulns are the advisories that affect the version, sorted by id.
	Vulns []Vuln
	// Problems are advisories that could not be evaluated against the
	// version ("ID: reason"); they never count as affecting it.
	Problems []string
}

// IDs returns the ids of the verdict's advisories.
func (v Verdict) IDs() []string {
	out := make([]string, 0, len(v.Vulns))
	for _, x := range v.Vulns {
		out = append(out, x.ID)
	}
	return out
}

// Checker says whether a package version is affected by any advisory.
type Checker interface {
	Check(ctx context.Context, p Package) (Verdict, error)
}

// Covers reports whether vuln is (an alias of) the vulnerability of
// finding f: the same id, one of its aliases or one of its merged
// advisories.
func Covers(f *result.Finding, v Vuln) bool {
	ids := make(map[string]bool, 2+len(f.Aliases)+len(f.Advisories))
	ids[f.ID] = true
	for _, a := range f.Aliases {
		ids[a] = true
	}
	for _, a := range f.Advisories {
		ids[a] = true
	}
	if ids[v.ID] {
		return true
	}
	for _, a := range v.Aliases {
		if ids[a] {
			return true
		}
	}
	return false
}

// StillAffected returns the vulns of the verdict that are the finding's
// vulnerability.
func StillAffected(f *result.Finding, v Verdict) []Vuln {
	var out []Vuln
	for _, x := range v.Vulns {
		if Covers(f, x) {
			out = append(out, x)
		}
	}
	return out
}

// FindingIDs returns the primary ids of findings, sorted, each once.
func FindingIDs(findings []*result.Finding) []string {
	seen := make(map[string]bool, len(findings))
	var ids []string
	for _, f := range findings {
		if !seen[f.ID] {
			seen[f.ID] = true
			ids = append(ids, f.ID)
		}
	}
	sort.Strings(ids)
	return ids
}

// OpenFindings returns the findings that verdict (of the version a project
// resolves today) still shows, and their sorted ids: a finding the
// database no longer confirms needs no change.
func OpenFindings(findings []*result.Finding, verdict Verdict) ([]*result.Finding, []string) {
	var open []*result.Finding
	for _, f := range findings {
		if len(StillAffected(f, verdict)) > 0 {
			open = append(open, f)
		}
	}
	return open, FindingIDs(open)
}
