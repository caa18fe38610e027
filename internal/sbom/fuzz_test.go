package sbom

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/patchline/patchline/internal/inventory"
	"github.com/patchline/patchline/internal/result"
)

// FuzzWrite writes SBOMs of packages with arbitrary fields and checks that
// Write never fails nor panics on them and that every output is valid.
func FuzzWrite(f *testing.F) {
	for _, src := range handmade().Sources {
		for _, p := range src.Inventory.Packages {
			for _, h := range append(p.Hashes, "") {
				for _, l := range append(p.Licenses, "") {
					f.Add(p.Ecosystem, p.Name, p.Version, h, l, p.Note, string(p.Scope))
				}
			}
		}
	}
	f.Add("Maven", "org.example:lib", "1.0", "sha1:"+"ab", "Apache 2.0\nMIT", "line\nbreak", "dev")
	f.Add("npm", "@/", "1\r\n", "sha512-", "(", "<text>", "optional")
	f.Add("Packagist", "/", "", "md5:00000000000000000000000000000000", "LicenseRef-", "</text>", "")
	f.Add("", "", "", "", "", "", "")                                  // an empty bom-ref is invalid
	f.Add("npm", "x", strings.Repeat("\x1a", 1100), "", "", "", "dev") // CycloneDX versions have at most 1,024 characters
	f.Fuzz(func(t *testing.T, eco, name, version, hash, lic, note, scope string) {
		p := inventory.Package{
			Ecosystem: eco, Name: name, Version: version, Scope: inventory.Scope(scope), Note: note,
			Hashes: []string{hash}, Licenses: []string{lic}, ID: name, DependsOn: []string{name, "x"},
			Location: inventory.Location{File: "lock", Line: 3},
		}
		q := p
		q.ID, q.DependsOn = "x", []string{name}
		in := Input{
			Sources: []Source{{Path: "lock", Extractor: "x/y", Inventory: inventory.Inventory{Roots: []string{name}, Packages: []inventory.Package{p, q}}}},
			Findings: []result.Finding{{
				Source: "lock", Line: 3, Ecosystem: eco, Package: name, Version: version, ID: note, Aliases: []string{lic, hash},
				URL: hash, Suppression: &result.Suppression{Reason: note},
			}},
		}
		for _, f := range Formats() {
			var b bytes.Buffer
			if err := Write(context.Background(), &b, in, Options{Format: f, ProjectName: name, ToolVersion: version, Reproducible: true}); err != nil {
				t.Fatalf("Write(%s): %v", f, err)
			}
			checkValid(t, f, b.Bytes())
		}
	})
}
