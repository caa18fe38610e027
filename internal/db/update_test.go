package db

import (
	"context"
	"crypto/sha256"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// exportServer serves an OSV export layout from dir with ETags, and records
// the requests it gets.
type exportServer struct {
	*httptest.Server
	mu       sync.Mutex
	requests []string // "METHOD path status"
}

func newExportServer(t *testing.T, dir string) *exportServer {
	t.Helper()
	s := &exportServer{}
	files := http.FileServer(http.Dir(dir))
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w, status: 200}
		data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(strings.TrimPrefix(r.URL.Path, "/"))))
		if err == nil {
			w.Header().Set("ETag", fmt.Sprintf(`"%x"`, sha256.Sum256(data)))
		}
		files.ServeHTTP(rec, r)
		s.mu.Lock()
		s.requests = append(s.requests, fmt.Sprintf("%s %s %d", r.Method, r.URL.Path, rec.status))
		s.mu.Unlock()
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *exportServer) take() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.requests
	s.requests = nil
	return r
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

func TestUpdateConditional(t *testing.T) {
	layout := exportLayout(t)
	srv := newExportServer(t, layout)
	dbDir := t.TempDir()
	opts := UpdateOptions{BaseURL: srv.URL, Ecosystems: []string{"Go", "PyPI"}}

	res, err := Update(context.Background(), dbDir, opts)
	if err != nil {
		t.Fatalf("first Update: %v", err)
	}
	for _, r := range res {
		if !r.Changed || r.Bytes == 0 {
			t.Errorf("first update of %s = %+v, want a download", r.Ecosystem, r)
		}
	}
	if diff := cmp.Diff([]string{"GET /Go/all.zip 200", "GET /PyPI/all.zip 200"}, srv.take()); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
	d := open(t, dbDir)
	if got := ids(t, d, "PyPI", "django"); len(got) != 1 {
		t.Errorf("django after update = %v", got)
	}
	st := d.Status()
	if st[0].ETag == "" || st[0].Source != srv.URL+"/Go/all.zip" || st[0].Checked.IsZero() {
		t.Errorf("status after update = %+v, want etag, source URL and checked time", st[0])
	}
	d.Close()

	// Nothing changed: one conditional request each, answered 304. Without
	// --ecosystem, the ecosystems already in the database are updated.
	res, err = Update(context.Background(), dbDir, UpdateOptions{BaseURL: srv.URL})
	if err != nil {
		t.Fatalf("second Update: %v", err)
	}
	for _, r := range res {
		if r.Changed {
			t.Errorf("second update of %s = %+v, want unchanged", r.Ecosystem, r)
		}
	}
	if diff := cmp.Diff([]string{"GET /Go/all.zip 304", "GET /PyPI/all.zip 304"}, srv.take()); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}

	// PyPI changes upstream: only it is downloaded again.
	writeZip(t, filepath.Join(layout, "PyPI", "all.zip"), zipFile{name: "PYSEC-2012-6.json", data: fixture(t, "PYSEC-2012-6.json")})
	if _, err := Update(context.Background(), dbDir, UpdateOptions{BaseURL: srv.URL}); err != nil {
		t.Fatalf("third Update: %v", err)
	}
	if diff := cmp.Diff([]string{"GET /Go/all.zip 304", "GET /PyPI/all.zip 200"}, srv.take()); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
	if got := ids(t, open(t, dbDir), "PyPI", "django"); len(got) != 0 {
		t.Errorf("django after upstream removal = %v, want none", got)
	}
}

func TestUpdateFailureKeepsDatabase(t *testing.T) {
	layout := exportLayout(t)
	srv := newExportServer(t, layout)
	dbDir := t.TempDir()
	if _, err := Update(context.Background(), dbDir, UpdateOptions{BaseURL: srv.URL, Ecosystems: []string{"PyPI"}}); err != nil {
		t.Fatal(err)
	}
	before, err := os.ReadFile(filepath.Join(dbDir, manifestName))
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name    string
		ecos    []string
		prepare func()
		wantErr string
	}{
		{name: "missing_ecosystem", ecos: []string{"PyPI", "NoSuchEcosystem"}, wantErr: "404"},
		{name: "corrupt_archive", ecos: []string{"PyPI"}, prepare: func() {
			if err := os.WriteFile(filepath.Join(layout, "PyPI", "all.zip"), []byte("PK\x03\x04 garbage"), 0o644); err != nil {
				t.Fatal(err)
			}
		}, wantErr: "not a readable zip archive"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.prepare != nil {
				tt.prepare()
			}
			_, err := Update(context.Background(), dbDir, UpdateOptions{BaseURL: srv.URL, Ecosystems: tt.ecos})
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Update error = %v, want %q", err, tt.wantErr)
			}
			after, err := os.ReadFile(filepath.Join(dbDir, manifestName))
			if err != nil {
				t.Fatal(err)
			}
			if string(before) != string(after) {
				t.Errorf("failed update changed the manifest")
			}
			if got := ids(t, open(t, dbDir), "PyPI", "django"); len(got) != 1 {
				t.Errorf("database unusable after failed update: %v", got)
			}
			if tmp, _ := filepath.Glob(filepath.Join(dbDir, "*.tmp")); len(tmp) != 0 {
				t.Errorf("temporary files left: %v", tmp)
			}
		})
	}
}
