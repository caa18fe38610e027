package sbom

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"

	cdx "github.com/CycloneDX/cyclonedx-go"
	"github.com/google/go-cmp/cmp"

	"github.com/patchline/patchline/internal/extract/sbom/cyclonedx"
	"github.com/patchline/patchline/internal/extract/sbom/spdx"
	"github.com/patchline/patchline/internal/inventory"
)

// graphInput is a lockfile graph set by hand: app → a → b → c → b (a
// cycle), app → d (dev), a dangling ID, and a package nothing reaches.
func graphInput() Input {
	p := func(name, id string, scope inventory.Scope, deps ...string) inventory.Package {
		return inventory.Package{Ecosystem: inventory.CratesIO, Name: name, Version: "1.0.0", ID: id, Scope: scope, DependsOn: deps}
	}
	return Input{Sources: []Source{{Path: "Cargo.lock", Extractor: "rust/cargolock", Inventory: inventory.Inventory{
		Roots: []string{"a 1.0.0", "d 1.0.0", "gone 1.0.0"},
		Packages: []inventory.Package{
			p("a", "a 1.0.0", "", "b 1.0.0", "b 1.0.0", "gone 1.0.0"),
			p("b", "b 1.0.0", "", "c 1.0.0"),
			p("c", "c 1.0.0", "", "b 1.0.0", "c 1.0.0"),
			p("d", "d 1.0.0", inventory.ScopeDev),
			p("orphan", "orphan 1.0.0", ""),
		},
	}}}}
}

func TestGraph(t *testing.T) {
	opts := Options{Format: CycloneDXJSON, Reproducible: true, Timestamp: testTime, ProjectName: "app"}
	out := render(t, graphInput(), opts)
	checkValid(t, CycloneDXJSON, out)
	bom := readCycloneDX(t, out, cdx.BOMFileFormatJSON)
	got := map[string][]string{}
	for _, d := range *bom.Dependencies {
		got[d.Ref] = []string{}
		if d.Dependencies != nil {
			got[d.Ref] = *d.Dependencies
		}
	}
	want := map[string][]string{
		"project:app":            {"pkg:cargo/a@1.0.0", "pkg:cargo/d@1.0.0"},
		"pkg:cargo/a@1.0.0":      {"pkg:cargo/b@1.0.0"},
		"pkg:cargo/b@1.0.0":      {"pkg:cargo/c@1.0.0"},
		"pkg:cargo/c@1.0.0":      {"pkg:cargo/b@1.0.0"},
		"pkg:cargo/d@1.0.0":      {},
		"pkg:cargo/orphan@1.0.0": {},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("CycloneDX dependencies (-want +got):\n%s", diff)
	}

	opts.Format = SPDXTagValue
	doc := readSPDX(t, render(t, graphInput(), opts), SPDXTagValue)
	var rels []string
	for _, r := range doc.Relationships {
		rels = append(rels, string(r.RefA.ElementRefID)+" "+r.Relationship+" "+string(r.RefB.ElementRefID))
	}
	wantRels := []string{
		"DOCUMENT DESCRIBES Project-app",
		"Project-app DEPENDS_ON Package-crates.io-a-1.0.0",
		"Package-crates.io-d-1.0.0 DEV_DEPENDENCY_OF Project-app",
		"Package-crates.io-a-1.0.0 DEPENDS_ON Package-crates.io-b-1.0.0",
		"Package-crates.io-b-1.0.0 DEPENDS_ON Package-crates.io-c-1.0.0",
		"Package-crates.io-c-1.0.0 DEPENDS_ON Package-crates.io-b-1.0.0",
	}
	if diff := cmp.Diff(wantRels, rels); diff != "" {
		t.Errorf("SPDX relationships (-want +got):\n%s", diff)
	}
}

// TestGraphReadBack: patchline's own SBOM extractors find the same direct
// and transitive packages in the SBOM as the inventory says.
func TestGraphReadBack(t *testing.T) {
	web := Input{Sources: handmade().Sources[:1]}
	relations := func(pkgs []inventory.Package) []string {
		var out []string
		for _, p := range pkgs {
			out = append(out, p.Name+"@"+p.Version+" "+string(p.Relation))
		}
		slices.Sort(out)
		return out
	}
	want := relations(web.Sources[0].Inventory.Packages)
	for _, f := range Formats() {
		t.Run(strings.ReplaceAll(string(f), "-", "_"), func(t *testing.T) {
			out := render(t, web, handmadeOptions(f))
			var x inventory.Extractor = spdx.New()
			if f == CycloneDXJSON || f == CycloneDXXML {
				x = cyclonedx.New()
			}
			inv, err := x.Extract(context.Background(), &inventory.Input{Path: "sbom", Reader: bytes.NewReader(out)})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, relations(inv.Packages)); diff != "" {
				t.Errorf("relations read back (-want +got):\n%s", diff)
			}
		})
	}
}

func TestGraphFallbacks(t *testing.T) {
	p := func(name string, rel inventory.Relation, deps ...string) inventory.Package {
		return inventory.Package{Ecosystem: inventory.Npm, Name: name, Version: "1.0.0", ID: name, Relation: rel, DependsOn: deps}
	}
	tests := []struct {
		name      string
		inv       inventory.Inventory
		wantRoot  []string
		wantEntry []string // components with a dependencies entry
	}{
		{
			name:      "relation_direct",
			inv:       inventory.Inventory{Packages: []inventory.Package{{Ecosystem: inventory.Npm, Name: "a", Version: "1", Relation: inventory.RelationDirect}, {Ecosystem: inventory.Npm, Name: "b", Version: "1", Relation: inventory.RelationTransitive}}},
			wantRoot:  []string{"pkg:npm/a@1"},
			wantEntry: nil,
		},
		{
			name:      "depends_on_without_roots",
			inv:       inventory.Inventory{Packages: []inventory.Package{p("a", "", "b"), p("b", ""), p("c", "")}},
			wantRoot:  []string{"pkg:npm/a@1.0.0", "pkg:npm/c@1.0.0"},
			wantEntry: []string{"pkg:npm/a@1.0.0", "pkg:npm/b@1.0.0", "pkg:npm/c@1.0.0"},
		},
		{
			name:      "cycle_without_roots",
			inv:       inventory.Inventory{Packages: []inventory.Package{p("a", "", "b"), p("b", "", "a")}},
			wantRoot:  []string{"pkg:npm/a@1.0.0", "pkg:npm/b@1.0.0"},
			wantEntry: []string{"pkg:npm/a@1.0.0", "pkg:npm/b@1.0.0"},
		},
		{
			name:      "nothing_known",
			inv:       inventory.Inventory{Packages: []inventory.Package{{Ecosystem: inventory.Npm, Name: "a", Version: "1"}, {Ecosystem: inventory.Npm, Name: "b", Version: "1"}}},
			wantRoot:  []string{"pkg:npm/a@1", "pkg:npm/b@1"},
			wantEntry: nil,
		},
		{
			name:      "roots_win_over_relation",
			inv:       inventory.Inventory{Roots: []string{"b"}, Packages: []inventory.Package{p("a", inventory.RelationDirect), p("b", "")}},
			wantRoot:  []string{"pkg:npm/b@1.0.0"},
			wantEntry: []string{"pkg:npm/a@1.0.0", "pkg:npm/b@1.0.0"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := newModel(context.Background(), Input{Sources: []Source{{Path: "x", Inventory: tt.inv}}}, Options{Format: CycloneDXJSON, Reproducible: true})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.wantRoot, m.rootDeps); diff != "" {
				t.Errorf("project's dependencies (-want +got):\n%s", diff)
			}
			var entries []string
			for _, c := range m.comps {
				if c.graph {
					entries = append(entries, c.ref)
				}
			}
			if diff := cmp.Diff(tt.wantEntry, entries); diff != "" {
				t.Errorf("components with a dependencies entry (-want +got):\n%s", diff)
			}
		})
	}
}
