package gobinary

import (
	"bytes"
	"context"
	"debug/buildinfo"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/patchline/patchline/internal/extract/extracttest"
	"github.com/patchline/patchline/internal/inventory"
	"github.com/patchline/patchline/internal/version/gover"
)

func TestFileRequired(t *testing.T) {
	tests := []struct {
		path string
		want bool
	}{
		{"bin/tool.exe", false}, // every executable is recognised by content
		{"TOOL.EXE", false},
		{"bin/tool", false},
		{"tool.exe.txt", false},
		{"go.mod", false},
	}
	for _, tt := range tests {
		if got := New().FileRequired(tt.path); got != tt.want {
			t.Errorf("FileRequired(%q) = %v, want %v", tt.path, got, tt.want)
		}
	}
}

// peHeader returns an MS-DOS stub of n bytes whose header points at a PE
// signature at off (when off+4 <= n).
func peHeader(n, off int) []byte {
	h := make([]byte, n)
	copy(h, "MZ")
	binary.LittleEndian.PutUint32(h[0x3c:], uint32(off))
	if off+4 <= n {
		copy(h[off:], "PE\x00\x00")
	}
	return h
}

func TestFileRequiredByContent(t *testing.T) {
	tiny, err := os.ReadFile(filepath.Join("testdata", "notgo", "tiny.elf"))
	if err != nil {
		t.Fatal(err)
	}
	noSig := peHeader(256, 0x80)
	copy(noSig[0x80:], "NE\x00\x00")
	tests := []struct {
		name   string
		header []byte
		want   bool
	}{
		{"elf", tiny, true},
		{"macho_64_little_endian", []byte{0xcf, 0xfa, 0xed, 0xfe, 7, 0, 0, 1}, true},
		{"macho_32_little_endian", []byte{0xce, 0xfa, 0xed, 0xfe}, true},
		{"macho_64_big_endian", []byte{0xfe, 0xed, 0xfa, 0xcf}, true},
		{"macho_32_big_endian", []byte{0xfe, 0xed, 0xfa, 0xce}, true},
		{"macho_universal", []byte{0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 2}, true},
		{"macho_universal_64", []byte{0xca, 0xfe, 0xba, 0xbf, 0, 0, 0, 2}, true},
		{"java_class", []byte{0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 0x41}, false},
		{"universal_too_short", []byte{0xca, 0xfe, 0xba, 0xbe}, false},
		{"pe", peHeader(256, 0x80), true},
		{"pe_signature_beyond_header", peHeader(4096, 8192), true},
		{"ms_dos_stub_without_pe", noSig, false},
		{"mz_text_file", []byte("MZ is not enough"), false},
		{"pe_offset_beyond_small_file", peHeader(256, 512), false},
		{"shell_script", []byte("#!/bin/sh\necho hi\n"), false},
		{"empty", nil, false},
		{"elf_magic_only", []byte("\x7fELF"), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := New().FileRequiredByContent("f", tt.header); got != tt.want {
				t.Errorf("FileRequiredByContent(% x...) = %v, want %v", tt.header[:min(8, len(tt.header))], got, tt.want)
			}
		})
	}
}

// goTool returns the go command, skipping the test without one.
func goTool(t testing.TB) string {
	t.Helper()
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH to build test binaries")
	}
	return gobin
}

// buildHello builds testdata/src/hello for goos/goarch into a temporary
// directory, offline, and returns the binary's path.
func buildHello(t testing.TB, goos, goarch string, extraFlags ...string) string {
	t.Helper()
	gobin := goTool(t)
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS(filepath.Join("testdata", "src"))); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "hello.bin")
	args := append([]string{"build", "-trimpath", "-o", out}, extraFlags...)
	cmd := exec.Command(gobin, append(args, ".")...)
	cmd.Dir = filepath.Join(dir, "hello")
	cmd.Env = append(os.Environ(),
		"GOFLAGS=-mod=mod -buildvcs=false", "GOPROXY=off", "GOTOOLCHAIN=local", "GOWORK=off",
		"CGO_ENABLED=0", "GOOS="+goos, "GOARCH="+goarch)
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, msg)
	}
	return out
}

// toolchain returns the stdlib package for the go command's version.
func toolchain(t testing.TB, file string) inventory.Package {
	t.Helper()
	out, err := exec.Command(goTool(t), "env", "GOVERSION").Output()
	if err != nil {
		t.Fatal(err)
	}
	v, err := gover.ToSemver(strings.TrimSpace(string(out)))
	if err != nil {
		t.Skipf("the go command is not a release: %v", err)
	}
	return inventory.Package{
		Ecosystem: inventory.Go,
		Name:      inventory.Stdlib,
		Version:   v,
		Relation:  inventory.RelationDirect,
		Scope:     inventory.ScopeProd,
		Location:  inventory.Location{File: file},
		Note:      "toolchain the binary was built with",
	}
}

const greetNote = `replaced by local directory "../greet": the code came from that directory, not from example.com/greet v1.0.0, so it has no version to match advisories against`

// wantHello is what hello's binary at file holds.
func wantHello(t testing.TB, file string) []inventory.Package {
	return []inventory.Package{
		{
			Ecosystem: inventory.Go,
			Name:      "example.com/greet",
			Scope:     inventory.ScopeProd,
			Location:  inventory.Location{File: file},
			Note:      greetNote,
		},
		toolchain(t, file),
	}
}

// extractBytes runs the extractor on data as the file "hello".
func extractBytes(t testing.TB, data []byte) (inventory.Inventory, error) {
	return extracttest.Extract(t, New(), fstest.MapFS{"hello": {Data: data}}, "hello")
}

func TestExtractBuilt(t *testing.T) {
	plain := buildHello(t, "linux", "amd64")
	data, err := os.ReadFile(plain)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("from_a_file", func(t *testing.T) {
		inv, err := extracttest.Extract(t, New(), os.DirFS(filepath.Dir(plain)), filepath.Base(plain))
		if err != nil {
			t.Fatal(err)
		}
		extracttest.CheckPackages(t, wantHello(t, "hello.bin"), inv.Packages)
	})
	t.Run("header_is_recognised", func(t *testing.T) {
		if !New().FileRequiredByContent("hello", data[:4096]) {
			t.Error("FileRequiredByContent is false for a Go ELF binary")
		}
	})
	t.Run("symbols_stripped_keep_build_info", func(t *testing.T) {
		stripped := buildHello(t, "linux", "amd64", "-ldflags=-s -w")
		data, err := os.ReadFile(stripped)
		if err != nil {
			t.Fatal(err)
		}
		inv, err := extractBytes(t, data)
		if err != nil {
			t.Fatal(err)
		}
		extracttest.CheckPackages(t, wantHello(t, "hello"), inv.Packages)
	})
	t.Run("reader_without_random_access", func(t *testing.T) {
		in := &inventory.Input{Path: "hello", Reader: struct{ io.Reader }{bytes.NewReader(data)}}
		inv, err := New().Extract(context.Background(), in)
		if err != nil {
			t.Fatal(err)
		}
		extracttest.CheckPackages(t, wantHello(t, "hello"), inv.Packages)
	})
	t.Run("too_large_for_memory", func(t *testing.T) {
		x := New()
		x.maxInMemory = int64(len(data) - 1)
		in := &inventory.Input{Path: "hello", Reader: struct{ io.Reader }{bytes.NewReader(data)}}
		if _, err := x.Extract(context.Background(), in); err == nil || !strings.Contains(err.Error(), "larger than") {
			t.Errorf("err = %v, want a too-large error", err)
		}
	})
	t.Run("build_info_removed", func(t *testing.T) {
		// "Stripped" here means the build information blob is gone
		// (its magic overwritten), which is what tools that strip it
		// leave; the linker's -s -w keep it.
		removed := bytes.Clone(data)
		i := bytes.Index(removed, []byte("\xff Go buildinf:"))
		if i < 0 {
			t.Fatal("no build information magic in the binary")
		}
		copy(removed[i:], make([]byte, 14))
		inv, err := extractBytes(t, removed)
		if !errors.Is(err, ErrNoBuildInfo) {
			t.Errorf("err = %v, want ErrNoBuildInfo", err)
		}
		checkParseError(t, err, "hello")
		if len(inv.Packages) != 0 {
			t.Errorf("got %d packages, want none", len(inv.Packages))
		}
	})
	t.Run("truncated", func(t *testing.T) {
		_, err := extractBytes(t, data[:len(data)/2])
		if err == nil || !strings.Contains(err.Error(), "unreadable ELF executable") {
			t.Errorf("err = %v, want an unreadable-executable error", err)
		}
		checkParseError(t, err, "hello")
	})
}

func TestExtractCrossBuilt(t *testing.T) {
	if testing.Short() {
		t.Skip("cross-compiling the runtime takes a while")
	}
	for _, tt := range []struct{ goos, goarch string }{{"windows", "amd64"}, {"darwin", "arm64"}} {
		t.Run(tt.goos, func(t *testing.T) {
			data, err := os.ReadFile(buildHello(t, tt.goos, tt.goarch))
			if err != nil {
				t.Fatal(err)
			}
			if !New().FileRequiredByContent("hello", data[:4096]) {
				t.Errorf("FileRequiredByContent is false for a %s binary", tt.goos)
			}
			inv, err := extractBytes(t, data)
			if err != nil {
				t.Fatal(err)
			}
			extracttest.CheckPackages(t, wantHello(t, "hello"), inv.Packages)
		})
	}
}

func checkParseError(t *testing.T, err error, path string) {
	t.Helper()
	var pe *inventory.ParseError
	if !errors.As(err, &pe) || pe.Path != path {
		t.Errorf("err = %v, want a parse error for %q", err, path)
	}
}

func TestExtractNotGo(t *testing.T) {
	tests := []struct {
		name string
		path string // read from disk; skipped when absent
	}{
		{"tiny_elf", filepath.Join("testdata", "notgo", "tiny.elf")},
		{"shell_script", filepath.Join("testdata", "notgo", "script.sh")},
		{"system_true", "/bin/true"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data, err := os.ReadFile(tt.path)
			if errors.Is(err, os.ErrNotExist) {
				t.Skipf("no %s here", tt.path)
			}
			if err != nil {
				t.Fatal(err)
			}
			inv, err := extractBytes(t, data)
			if !errors.Is(err, ErrNotGoBinary) {
				t.Errorf("err = %v, want ErrNotGoBinary", err)
			}
			checkParseError(t, err, "hello")
			if len(inv.Packages) != 0 {
				t.Errorf("got %d packages, want none", len(inv.Packages))
			}
		})
	}
}

func TestPackages(t *testing.T) {
	loc := inventory.Location{File: "bin/tool"}
	stdlib := func(v string) inventory.Package {
		return inventory.Package{Ecosystem: inventory.Go, Name: inventory.Stdlib, Version: v,
			Relation: inventory.RelationDirect, Scope: inventory.ScopeProd, Location: loc, Note: "toolchain the binary was built with"}
	}
	dep := func(name, version, note string) inventory.Package {
		return inventory.Package{Ecosystem: inventory.Go, Name: name, Version: version, Scope: inventory.ScopeProd, Location: loc, Note: note}
	}
	tests := []struct {
		name    string
		info    buildinfo.BuildInfo
		want    []inventory.Package
		wantErr bool
	}{
		{
			name: "versioned_main_module_and_replacements",
			info: buildinfo.BuildInfo{
				GoVersion: "go1.22.3 X:rangefunc",
				Main:      debug.Module{Path: "example.com/tool", Version: "v1.4.0"},
				Deps: []*debug.Module{
					{Path: "example.com/a", Version: "v1.0.0"},
					{Path: "example.com/b", Version: "v1.0.0", Replace: &debug.Module{Path: "example.com/b-fork", Version: "v1.0.1"}},
					nil,
					{Path: "example.com/c", Version: "v0.1.0", Replace: &debug.Module{Path: "/src/c"}},
				},
			},
			want: []inventory.Package{
				{Ecosystem: inventory.Go, Name: "example.com/tool", Version: "v1.4.0", Scope: inventory.ScopeProd, Location: loc,
					Note: "main module: the program the binary was built from"},
				dep("example.com/a", "v1.0.0", ""),
				dep("example.com/b-fork", "v1.0.1", "replaced: example.com/b v1.0.0 => example.com/b-fork v1.0.1"),
				dep("example.com/c", "", `replaced by local directory "/src/c": the code came from that directory, not from example.com/c v0.1.0, so it has no version to match advisories against`),
				stdlib("1.22.3"),
			},
		},
		{
			name: "devel_main_module_is_the_program",
			info: buildinfo.BuildInfo{GoVersion: "go1.21rc2", Main: debug.Module{Path: "example.com/tool", Version: "(devel)"}},
			want: []inventory.Package{stdlib("1.21.0-rc.2")},
		},
		{
			name:    "development_toolchain",
			info:    buildinfo.BuildInfo{GoVersion: "devel go1.27-abcdef Tue Jan 1 00:00:00 2030 +0000", Deps: []*debug.Module{{Path: "example.com/a", Version: "v1.0.0"}}},
			want:    []inventory.Package{dep("example.com/a", "v1.0.0", "")},
			wantErr: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := packages(&tt.info, "bin/tool")
			if (err != nil) != tt.wantErr {
				t.Errorf("err = %v, want error %v", err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("packages (-want +got):\n%s", diff)
			}
		})
	}
}

func TestExtractCanceled(t *testing.T) {
	extracttest.CheckCanceled(t, New(), os.DirFS(filepath.Join("testdata", "notgo")), "tiny.elf")
}

// fuzzSeeds adds hand-made headers and, when the go command is at hand, the
// start and the whole of a built binary.
func fuzzSeeds(f *testing.F) {
	extracttest.AddSeeds(f, filepath.Join("testdata", "notgo"), "*")
	f.Add(peHeader(256, 0x80))
	f.Add([]byte{0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 1})
	f.Add([]byte{0xcf, 0xfa, 0xed, 0xfe, 7, 0, 0, 1, 3, 0, 0, 0, 2, 0, 0, 0})
	if _, err := exec.LookPath("go"); err == nil {
		data, err := os.ReadFile(buildHello(f, "linux", "amd64", "-ldflags=-s -w"))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data[:4096])
		f.Add(data)
	}
}

func FuzzFileRequiredByContent(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, header []byte) {
		New().FileRequiredByContent("f", header)
	})
}

func FuzzExtract(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		inv, err := extractBytes(t, data)
		if err == nil && len(inv.Packages) == 0 {
			t.Errorf("no packages and no error")
		}
		for _, p := range inv.Packages {
			if p.Ecosystem != inventory.Go || p.Name == "" {
				t.Errorf("bad package %+v", p)
			}
		}
	})
}
