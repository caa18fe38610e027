//go:build unix

package db

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestMain lets the test binary act as a child process that imports and is
// killed with SIGKILL at a chosen stage of the import.
func TestMain(m *testing.M) {
	if stage := os.Getenv("PATCHLINE_TEST_KILL_AT"); stage != "" {
		opts := ImportOptions{stage: func(name string) {
			if name == stage {
				_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
				select {} // wait for the signal
			}
		}}
		_, err := Import(context.Background(), os.Getenv("PATCHLINE_TEST_DB"), []string{os.Getenv("PATCHLINE_TEST_SRC")}, opts)
		if err != nil {
			os.Stderr.WriteString(err.Error())
			os.Exit(2)
		}
		os.Exit(0) // the stage was never reached
	}
	os.Exit(m.Run())
}

// TestImportKilled kills an import with SIGKILL at each stage and checks
// that the previous database is intact and usable, and that the next import
// cleans up what the killed one left.
func TestImportKilled(t *testing.T) {
	for _, stage := range []string{"segment-written", "before-manifest"} {
		t.Run(stage, func(t *testing.T) {
			dbDir := t.TempDir()
			mustImport(t, dbDir, exportLayout(t))
			before, err := os.ReadFile(filepath.Join(dbDir, manifestName))
			if err != nil {
				t.Fatal(err)
			}

			// The new import would drop django from PyPI.
			layout := t.TempDir()
			writeZip(t, filepath.Join(layout, "PyPI", "all.zip"),
				zipFile{name: "PYSEC-2012-6.json", data: fixture(t, "PYSEC-2012-6.json")})

			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), "PATCHLINE_TEST_KILL_AT="+stage, "PATCHLINE_TEST_DB="+dbDir, "PATCHLINE_TEST_SRC="+layout)
			out, err := cmd.CombinedOutput()
			ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus)
			if err == nil || !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
				t.Fatalf("child was not killed at %q: %v\n%s", stage, err, out)
			}

			after, err := os.ReadFile(filepath.Join(dbDir, manifestName))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(string(before), string(after)); diff != "" {
				t.Errorf("manifest changed by a killed import (-before +after):\n%s", diff)
			}
			d := open(t, dbDir)
			if got := ids(t, d, "PyPI", "django"); !cmp.Equal(got, []string{"PYSEC-2008-1"}) {
				t.Errorf("django after killed import = %v, want the previous data", got)
			}
			if got := ids(t, d, "Go", "stdlib"); len(got) != 1 {
				t.Errorf("Go after killed import = %v, want the previous data", got)
			}
			d.Close()

			// The killed import left a segment behind; the next one removes it.
			mustImport(t, dbDir, layout)
			segs, _ := filepath.Glob(filepath.Join(dbDir, "*.seg"))
			if len(segs) != 2 {
				t.Errorf("segment files after next import = %v, want 2", segs)
			}
			if got := ids(t, open(t, dbDir), "PyPI", "django"); len(got) != 0 {
				t.Errorf("django after the next import = %v, want none", got)
			}
		})
	}
}
