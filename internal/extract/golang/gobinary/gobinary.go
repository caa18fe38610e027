// Package gobinary extracts the Go modules compiled into a Go executable,
// and the Go standard library it was built with, from the build information
// the Go linker embeds (since Go 1.13; module versions since Go 1.18
// binaries carry them reliably). It reads ELF, Mach-O (including universal
// "fat" files) and PE executables through [debug/buildinfo]: what is listed
// is what runs, not what a go.mod asks for.
//
// # What is listed
//
//   - The main module, when the binary records a version for it: binaries
//     built with `go install example.com/cmd@v1.2.3`, or from a tagged
//     checkout by Go 1.24 and later. Advisories about the program itself then
//     apply. A main module built from a local tree has the version
//     "(devel)" (or none); it is the program being scanned, not a dependency,
//     and is not listed. Its Note says it is the main module and its relation
//     is unknown.
//   - Every dependency module linked in, in the order the binary records
//     them (sorted by path). A module replaced by another is listed under
//     the replacement's path and version, with the original in the Note; a
//     module replaced by a local directory keeps its path and has an empty
//     Version (its code came from that directory, so advisories cannot be
//     matched against a version), as in the go.mod extractor. The binary does
//     not say which modules the main module required directly, so the
//     relation is unknown.
//   - The Go standard library, as a package named [inventory.Stdlib] whose
//     version is the toolchain the binary was built with, in the semantic
//     form of the Go vulnerability database ("1.22.3"). A development
//     toolchain ("devel ...") names no release: the package is then left out
//     and the error says so.
//
// Everything is compiled into the program, so the scope is prod. Binaries
// have no lines: locations carry the file only.
//
// # Which files
//
// [Extractor.FileRequiredByContent] takes ELF, Mach-O (32- and 64-bit,
// either byte order, and universal files) and PE files by their magic
// numbers; other formats Go can produce (XCOFF, Plan 9) are not taken.
// [Extractor.FileRequired] takes files named *.exe, which a checkout rarely
// marks executable and so would not be offered by content.
//
// # Errors
//
// An executable that is not a Go program gives an error wrapping
// [ErrNotGoBinary]. A Go program whose build information is missing (built
// before Go 1.13, or with its .go.buildinfo data removed or overwritten; the
// linker's -s -w flags keep it) gives [ErrNoBuildInfo] when the ELF or
// Mach-O sections still show it is a Go program, and [ErrNotGoBinary]
// otherwise. A truncated or corrupt file gives an error saying it could not
// be read. Callers that scan every executable may want to set
// [ErrNotGoBinary] aside rather than report it.
//
// # Memory
//
// [debug/buildinfo] needs random access. When the input's reader offers it
// ([io.ReaderAt], as files do) it is used directly; otherwise the file is
// read into memory, up to 512 MiB, and larger files are refused with an
// error.
package gobinary

import (
	"bytes"
	"context"
	"debug/buildinfo"
	"debug/elf"
	"debug/macho"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"runtime/debug"

	"github.com/patchline/patchline/internal/inventory"
	"github.com/patchline/patchline/internal/version/gover"
)

// Name identifies the extractor.
const Name = "golang/gobinary"

// maxInMemory is how large a file may be when it has to be read into memory
// (its reader offers no random access).
const maxInMemory = 512 << 20

var (
	// ErrNotGoBinary means the file is an executable but not a Go program
	// (or one whose build information and Go sections are all gone).
	ErrNotGoBinary = inventory.NotRecognized("not a Go binary")
	// ErrNoBuildInfo means the file is a Go program without the build
	// information that lists its modules.
	ErrNoBuildInfo = errors.New("no build information in this Go binary (built before Go 1.13, or its .go.buildinfo data was removed)")
)

var _ inventory.ContentExtractor = (*Extractor)(nil)

// Extractor extracts Go modules from Go executables.
type Extractor struct {
	maxInMemory int64
}

// New returns a Go binary [Extractor].
func New() *Extractor { return &Extractor{maxInMemory: maxInMemory} }

// Name returns [Name].
func (e *Extractor) Name() string { return Name }

// FileRequired is always false: no file name says "Go binary". Executables,
// *.exe included, are recognised by [Extractor.FileRequiredByContent], so a
// directory walk passes over the ones that are not Go programs.
func (e *Extractor) FileRequired(string) bool { return false }

// FileRequiredByContent reports whether header starts an ELF, Mach-O or PE
// executable.
func (e *Extractor) FileRequiredByContent(_ string, header []byte) bool {
	return format(header) != ""
}

// format names the executable format that header starts, or returns "".
func format(h []byte) string {
	switch {
	case bytes.HasPrefix(h, []byte("\x7fELF")):
		return "ELF"
	case bytes.HasPrefix(h, []byte{0xfe, 0xed, 0xfa, 0xce}), bytes.HasPrefix(h, []byte{0xfe, 0xed, 0xfa, 0xcf}),
		bytes.HasPrefix(h, []byte{0xce, 0xfa, 0xed, 0xfe}), bytes.HasPrefix(h, []byte{0xcf, 0xfa, 0xed, 0xfe}):
		return "Mach-O"
	case bytes.HasPrefix(h, []byte{0xca, 0xfe, 0xba, 0xbe}), bytes.HasPrefix(h, []byte{0xca, 0xfe, 0xba, 0xbf}):
		// Java class files share the magic; their next word is a
		// version (45 and up), a universal file's the architecture
		// count, which is small.
		if len(h) >= 8 {
			if n := binary.BigEndian.Uint32(h[4:8]); n > 0 && n < 20 {
				return "Mach-O"
			}
		}
		return ""
	case bytes.HasPrefix(h, []byte("MZ")):
		// A PE file is an MS-DOS stub whose header points, at 0x3c, to
		// the "PE\0\0" signature. When the header seen is too short
		// to hold that offset, the stub alone has to do.
		if len(h) < 0x40 {
			return ""
		}
		off := int(binary.LittleEndian.Uint32(h[0x3c:0x40]))
		if off < 0x40 || off > 1<<20 {
			return ""
		}
		if off+4 > len(h) {
			if len(h) >= 4096 {
				return "PE" // the signature lies beyond the header seen
			}
			return ""
		}
		if bytes.Equal(h[off:off+4], []byte("PE\x00\x00")) {
			return "PE"
		}
	}
	return ""
}

// Extract lists the modules and the Go toolchain of the executable in in.
func (e *Extractor) Extract(ctx context.Context, in *inventory.Input) (inventory.Inventory, error) {
	if err := ctx.Err(); err != nil {
		return inventory.Inventory{}, err
	}
	ra, err := e.readerAt(in)
	if err != nil {
		return inventory.Inventory{}, err
	}
	header := make([]byte, 4096)
	n, err := ra.ReadAt(header, 0)
	if err != nil && !errors.Is(err, io.EOF) {
		return inventory.Inventory{}, fmt.Errorf("read %q: %w", in.Path, err)
	}
	kind := format(header[:n])
	if kind == "" {
		return inventory.Inventory{}, &inventory.ParseError{Path: in.Path,
			Err: fmt.Errorf("%w: not an ELF, Mach-O or PE executable", ErrNotGoBinary)}
	}
	info, err := readBuildInfo(ra)
	if err != nil {
		return inventory.Inventory{}, &inventory.ParseError{Path: in.Path, Err: readError(err, kind, ra)}
	}
	if err := ctx.Err(); err != nil {
		return inventory.Inventory{}, err
	}
	pkgs, err := packages(info, in.Path)
	if err != nil {
		err = &inventory.ParseError{Path: in.Path, Err: err}
	}
	return inventory.Inventory{Packages: pkgs}, err
}

// readerAt returns random access to the input: its reader when it offers
// it, else the content read into memory.
func (e *Extractor) readerAt(in *inventory.Input) (io.ReaderAt, error) {
	if ra, ok := in.Reader.(io.ReaderAt); ok {
		return ra, nil
	}
	tooLarge := fmt.Errorf("%q is larger than %d MiB and its reader does not allow random access: not read", in.Path, e.maxInMemory>>20)
	if in.Info != nil && in.Info.Size() > e.maxInMemory {
		return nil, tooLarge
	}
	data, err := io.ReadAll(io.LimitReader(in.Reader, e.maxInMemory+1))
	if err != nil {
		return nil, fmt.Errorf("read %q: %w", in.Path, err)
	}
	if int64(len(data)) > e.maxInMemory {
		return nil, tooLarge
	}
	return bytes.NewReader(data), nil
}

// readBuildInfo calls [buildinfo.Read], turning a panic of the executable
// readers on hostile input into an error.
func readBuildInfo(ra io.ReaderAt) (info *buildinfo.BuildInfo, err error) {
	defer func() {
		if r := recover(); r != nil {
			info, err = nil, fmt.Errorf("corrupt executable (the reader failed: %v)", r)
		}
	}()
	return buildinfo.Read(ra)
}

// readError explains a failure of [buildinfo.Read] on an executable of the
// given kind.
func readError(err error, kind string, ra io.ReaderAt) error {
	switch err.Error() {
	case "not a Go executable":
		if hasGoSections(kind, ra) {
			return ErrNoBuildInfo
		}
		return fmt.Errorf("%w: %s executable without Go build information or Go sections", ErrNotGoBinary, kind)
	case "unrecognized file format":
		return fmt.Errorf("unreadable %s executable (truncated or corrupt)", kind)
	}
	return fmt.Errorf("read Go build information: %w", err)
}

// hasGoSections reports whether an ELF or Mach-O file has the sections the Go
// linker writes besides the build information.
func hasGoSections(kind string, ra io.ReaderAt) (found bool) {
	defer func() {
		if recover() != nil {
			found = false
		}
	}()
	switch kind {
	case "ELF":
		f, err := elf.NewFile(ra)
		if err != nil {
			return false
		}
		return f.Section(".gopclntab") != nil || f.Section(".note.go.buildid") != nil
	case "Mach-O":
		f, err := macho.NewFile(ra)
		if err != nil {
			return false
		}
		return f.Section("__gopclntab") != nil
	}
	return false
}

// packages lists the main module (when versioned), the dependencies and the
// standard library recorded in info. The error reports a toolchain version
// that names no release.
func packages(info *buildinfo.BuildInfo, file string) ([]inventory.Package, error) {
	loc := inventory.Location{File: file}
	var pkgs []inventory.Package
	if m := info.Main; m.Path != "" && m.Version != "" && m.Version != "(devel)" {
		pkgs = append(pkgs, inventory.Package{
			Ecosystem: inventory.Go,
			Name:      m.Path,
			Version:   m.Version,
			Scope:     inventory.ScopeProd,
			Location:  loc,
			Note:      "main module: the program the binary was built from",
		})
	}
	for _, d := range info.Deps {
		if d == nil || d.Path == "" {
			continue
		}
		pkgs = append(pkgs, depPackage(d, loc))
	}
	v, err := gover.ToSemver(info.GoVersion)
	if err != nil {
		return pkgs, fmt.Errorf("standard library not listed: %w", err)
	}
	pkgs = append(pkgs, inventory.Package{
		Ecosystem: inventory.Go,
		Name:      inventory.Stdlib,
		Version:   v,
		Relation:  inventory.RelationDirect,
		Scope:     inventory.ScopeProd,
		Location:  loc,
		Note:      "toolchain the binary was built with",
	})
	return pkgs, nil
}

// depPackage turns a dependency of the build information into a package,
// applying its replacement.
func depPackage(d *debug.Module, loc inventory.Location) inventory.Package {
	p := inventory.Package{
		Ecosystem: inventory.Go,
		Name:      d.Path,
		Version:   d.Version,
		Scope:     inventory.ScopeProd,
		Location:  loc,
	}
	r := d.Replace
	switch {
	case r == nil:
	case r.Version == "" || r.Version == "(devel)":
		// The go command records a directory replacement as "(devel)".
		p.Version = ""
		p.Note = fmt.Sprintf("replaced by local directory %q: the code came from that directory, not from %s, so it has no version to match advisories against",
			r.Path, modString(d.Path, d.Version))
	default:
		p.Name, p.Version = r.Path, r.Version
		p.Note = fmt.Sprintf("replaced: %s => %s", modString(d.Path, d.Version), modString(r.Path, r.Version))
	}
	return p
}

func modString(p, v string) string {
	if v == "" {
		return p
	}
	return p + " " + v
}
