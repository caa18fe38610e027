package golang

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/patchline/patchline/internal/osv"
)

// goEcosystem is the OSV ecosystem of Go modules.
const goEcosystem = "Go"

// ecosystemSpecific is the Go vulnerability database's
// affected[].ecosystem_specific object.
type ecosystemSpecific struct {
	Imports []Import `json:"imports"`
}

// VulnsFromOSV returns one [Vuln] per Go module that entry affects,
// merging the affected[] elements of the same module. Elements of other
// ecosystems are skipped. A malformed ecosystem_specific is an error that
// names the entry; the other modules are still returned. When one element
// of a module names no packages, the module's Vuln has no Imports.
func VulnsFromOSV(entry *osv.Entry) ([]Vuln, error) {
	var vulns []Vuln
	index := map[string]int{}
	var errs []error
	whole := map[string]bool{} // modules with an element that names no packages
	for i, a := range entry.Affected {
		if osv.BaseEcosystem(a.Package.Ecosystem) != goEcosystem || a.Package.Name == "" {
			continue
		}
		var es ecosystemSpecific
		if len(a.EcosystemSpecific) > 0 && string(a.EcosystemSpecific) != "null" {
			if err := json.Unmarshal(a.EcosystemSpecific, &es); err != nil {
				errs = append(errs, fmt.Errorf("advisory %q affected[%d] (%q): ecosystem_specific: %w", entry.ID, i, a.Package.Name, err))
				continue
			}
		}
		var imports []Import
		for j, imp := range es.Imports {
			if imp.Path == "" {
				errs = append(errs, fmt.Errorf("advisory %q affected[%d] (%q): ecosystem_specific.imports[%d] has no path", entry.ID, i, a.Package.Name, j))
				continue
			}
			imports = append(imports, imp)
		}
		if len(es.Imports) == 0 {
			whole[a.Package.Name] = true
		}
		if k, ok := index[a.Package.Name]; ok {
			vulns[k].Imports = append(vulns[k].Imports, imports...)
			continue
		}
		index[a.Package.Name] = len(vulns)
		vulns = append(vulns, Vuln{ID: entry.ID, Module: a.Package.Name, Imports: imports})
	}
	// An element that names no packages makes the whole module vulnerable
	// for its versions: no symbol list can be trusted to be complete.
	for k := range vulns {
		if whole[vulns[k].Module] {
			vulns[k].Imports = nil
		}
	}
	return vulns, errors.Join(errs...)
}
