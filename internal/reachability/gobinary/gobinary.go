// Package gobinary judges reachability in a built Go program: which
// functions did the linker keep? It reads the function table (pclntab)
// that every Go binary carries, stripped ones included, and looks for the
// vulnerable symbols an advisory names (OSV ecosystem_specific.imports).
//
// Verdicts: a vulnerable symbol in the table is "reachable" (present in
// what runs, as govulncheck's binary mode says); a vulnerable package with
// no function in the table is "not_reachable" at package level (the linker
// left it out); a package that is there without the vulnerable symbol is
// "unknown", because the symbol may have been inlined into its callers.
package gobinary

import (
	"debug/elf"
	"debug/gosym"
	"debug/macho"
	"debug/pe"
	"errors"
	"fmt"
	"strings"

	"github.com/patchline/patchline/internal/reachability/golang"
	"github.com/patchline/patchline/internal/result"
)

// Functions returns the names of the functions in the Go binary at path,
// as the runtime knows them ("net/http.(*Client).Do").
func Functions(path string) (map[string]bool, error) {
	data, text, err := pclntab(path)
	if err != nil {
		return nil, err
	}
	table, err := gosym.NewTable(nil, gosym.NewLineTable(data, text))
	if err != nil {
		return nil, fmt.Errorf("read the function table of %q: %w", path, err)
	}
	names := make(map[string]bool, len(table.Funcs))
	for _, f := range table.Funcs {
		names[f.Name] = true
	}
	return names, nil
}

// pclntab returns the function table and the start of the text segment.
func pclntab(path string) ([]byte, uint64, error) {
	if f, err := elf.Open(path); err == nil {
		defer f.Close()
		sec, text := f.Section(".gopclntab"), f.Section(".text")
		if sec == nil || text == nil {
			return nil, 0, errors.New("no .gopclntab section: not a Go binary, or one built without a function table")
		}
		data, err := sec.Data()
		return data, text.Addr, err
	}
	if f, err := macho.Open(path); err == nil {
		defer f.Close()
		sec, text := f.Section("__gopclntab"), f.Section("__text")
		if sec == nil || text == nil {
			return nil, 0, errors.New("no __gopclntab section")
		}
		data, err := sec.Data()
		return data, text.Addr, err
	}
	if f, err := pe.Open(path); err == nil {
		defer f.Close()
		return pePclntab(f)
	}
	return nil, 0, errors.New("not an ELF, Mach-O or PE file (universal Mach-O binaries are not read yet)")
}

// pePclntab finds the table of a Windows binary through the runtime's
// symbols, which the Go linker keeps in PE files.
func pePclntab(f *pe.File) ([]byte, uint64, error) {
	var start, end *pe.Symbol
	for _, s := range f.Symbols {
		switch s.Name {
		case "runtime.pclntab":
			start = s
		case "runtime.epclntab":
			end = s
		}
	}
	if start == nil || end == nil || start.SectionNumber != end.SectionNumber || int(start.SectionNumber) < 1 || int(start.SectionNumber) > len(f.Sections) {
		return nil, 0, errors.New("no runtime.pclntab symbol (a stripped Windows binary)")
	}
	sec := f.Sections[start.SectionNumber-1]
	data, err := sec.Data()
	if err != nil {
		return nil, 0, err
	}
	if end.Value < start.Value || int(end.Value) > len(data) {
		return nil, 0, errors.New("runtime.pclntab out of range")
	}
	var imageBase uint64
	switch oh := f.OptionalHeader.(type) {
	case *pe.OptionalHeader64:
		imageBase = oh.ImageBase
	case *pe.OptionalHeader32:
		imageBase = uint64(oh.ImageBase)
	}
	var text uint64
	if t := f.Section(".text"); t != nil {
		text = imageBase + uint64(t.VirtualAddress)
	}
	return data[start.Value:end.Value], text, nil
}

// Judge gives the verdict for one advisory's vulnerable packages and
// symbols against a binary's functions.
func Judge(funcs map[string]bool, imports []golang.Import) result.Reachability {
	if len(imports) == 0 {
		return result.Reachability{Level: golang.LevelModule, Verdict: result.Unknown,
			Reason: "the advisory does not name vulnerable packages or symbols"}
	}
	var present, packages []string
	for _, imp := range imports {
		prefix := imp.Path + "."
		pkgThere := false
		for name := range funcs {
			if strings.HasPrefix(name, prefix) {
				pkgThere = true
				break
			}
		}
		if !pkgThere {
			continue
		}
		packages = append(packages, imp.Path)
		if len(imp.Symbols) == 0 {
			present = append(present, imp.Path+" (every function is vulnerable)")
			continue
		}
		for _, sym := range imp.Symbols {
			for _, cand := range candidates(imp.Path, sym) {
				if funcs[cand] {
					present = append(present, cand)
					break
				}
			}
		}
	}
	switch {
	case len(present) > 0:
		return result.Reachability{Level: golang.LevelSymbol, Verdict: result.Reachable, Evidence: present,
			Reason: "the vulnerable symbols are in the binary's function table"}
	case len(packages) > 0:
		return result.Reachability{Level: golang.LevelPackage, Verdict: result.Unknown,
			Reason: "the vulnerable package " + strings.Join(packages, ", ") + " is in the binary but not the vulnerable symbols; they may have been inlined"}
	}
	return result.Reachability{Level: golang.LevelPackage, Verdict: result.NotReachable,
		Reason: "no function of the vulnerable packages is in the binary: the linker left them out"}
}

// candidates spells an OSV symbol ("Decode", "Client.Do") as the runtime
// names functions: "path.Decode", "path.(*Client).Do", "path.Client.Do".
func candidates(path, sym string) []string {
	typ, method, ok := strings.Cut(sym, ".")
	if !ok {
		return []string{path + "." + sym}
	}
	return []string{path + ".(*" + typ + ")." + method, path + "." + typ + "." + method}
}
