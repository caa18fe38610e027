package golang

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/patchline/patchline/internal/osv"
)

func TestVulnsFromOSV(t *testing.T) {
	tests := []struct {
		name    string
		entry   string // JSON
		want    []Vuln
		wantErr string
	}{
		{
			name:  "minimal",
			entry: `{"id":"GO-1","affected":[{"package":{"ecosystem":"Go","name":"example.com/m"},"ecosystem_specific":{"imports":[{"path":"example.com/m/p","symbols":["F","T.M"]}]}}]}`,
			want:  []Vuln{{ID: "GO-1", Module: "example.com/m", Imports: []Import{{Path: "example.com/m/p", Symbols: []string{"F", "T.M"}}}}},
		},
		{
			name:  "platforms",
			entry: `{"id":"GO-2","affected":[{"package":{"ecosystem":"Go","name":"stdlib"},"ecosystem_specific":{"imports":[{"path":"path/filepath","goos":["windows"],"goarch":["amd64"],"symbols":["Clean"]}]}}]}`,
			want:  []Vuln{{ID: "GO-2", Module: "stdlib", Imports: []Import{{Path: "path/filepath", Symbols: []string{"Clean"}, GOOS: []string{"windows"}, GOARCH: []string{"amd64"}}}}},
		},
		{
			name: "same_module_twice_is_merged",
			entry: `{"id":"GO-3","affected":[
				{"package":{"ecosystem":"Go","name":"stdlib"},"ecosystem_specific":{"imports":[{"path":"a","symbols":["F"]}]}},
				{"package":{"ecosystem":"Go","name":"stdlib"},"ecosystem_specific":{"imports":[{"path":"b"}]}}]}`,
			want: []Vuln{{ID: "GO-3", Module: "stdlib", Imports: []Import{{Path: "a", Symbols: []string{"F"}}, {Path: "b"}}}},
		},
		{
			name: "element_without_imports_makes_whole_module",
			entry: `{"id":"GO-4","affected":[
				{"package":{"ecosystem":"Go","name":"example.com/m"},"ecosystem_specific":{"imports":[{"path":"example.com/m","symbols":["F"]}]}},
				{"package":{"ecosystem":"Go","name":"example.com/m"}}]}`,
			want: []Vuln{{ID: "GO-4", Module: "example.com/m"}},
		},
		{
			name:  "no_ecosystem_specific",
			entry: `{"id":"GO-5","affected":[{"package":{"ecosystem":"Go","name":"example.com/m"},"ecosystem_specific":null}]}`,
			want:  []Vuln{{ID: "GO-5", Module: "example.com/m"}},
		},
		{
			name:  "empty_entry",
			entry: `{}`,
		},
		{
			name:  "wrong_ecosystem_is_skipped",
			entry: `{"id":"GHSA-x","affected":[{"package":{"ecosystem":"npm","name":"left-pad"},"ecosystem_specific":{"imports":"not Go"}}]}`,
		},
		{
			name: "malformed_ecosystem_specific",
			entry: `{"id":"GO-6","affected":[
				{"package":{"ecosystem":"Go","name":"example.com/bad"},"ecosystem_specific":{"imports":{"path":"x"}}},
				{"package":{"ecosystem":"Go","name":"example.com/good"}}]}`,
			want:    []Vuln{{ID: "GO-6", Module: "example.com/good"}},
			wantErr: `advisory "GO-6" affected[0] ("example.com/bad"): ecosystem_specific`,
		},
		{
			name:    "import_without_path",
			entry:   `{"id":"GO-7","affected":[{"package":{"ecosystem":"Go","name":"example.com/m"},"ecosystem_specific":{"imports":[{"symbols":["F"]}]}}]}`,
			want:    []Vuln{{ID: "GO-7", Module: "example.com/m"}},
			wantErr: "imports[0] has no path",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var e osv.Entry
			if err := json.Unmarshal([]byte(tt.entry), &e); err != nil {
				t.Fatalf("bad test entry: %v", err)
			}
			got, err := VulnsFromOSV(&e)
			if tt.wantErr == "" && err != nil {
				t.Errorf("VulnsFromOSV error: %v", err)
			}
			if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Errorf("VulnsFromOSV error = %v, want it to contain %q", err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("VulnsFromOSV mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestVulnsFromOSVReal reads the real advisories in testdata/osv.
func TestVulnsFromOSVReal(t *testing.T) {
	got := readVulns(t)
	want := map[string][]Vuln{
		"GO-2021-0061": {
			{ID: "GO-2021-0061", Module: "gopkg.in/yaml.v2", Imports: []Import{{Path: "gopkg.in/yaml.v2", Symbols: []string{"Decoder.Decode", "Unmarshal", "UnmarshalStrict", "decoder.unmarshal"}}}},
			{ID: "GO-2021-0061", Module: "github.com/go-yaml/yaml", Imports: []Import{{Path: "github.com/go-yaml/yaml", Symbols: []string{"Decoder.Decode", "Unmarshal", "UnmarshalStrict", "decoder.unmarshal"}}}},
		},
		"GO-2025-4009": {{ID: "GO-2025-4009", Module: "stdlib", Imports: []Import{{Path: "encoding/pem", Symbols: []string{"Decode", "getLine"}}}}},
	}
	for id, w := range want {
		if diff := cmp.Diff(w, got[id]); diff != "" {
			t.Errorf("VulnsFromOSV(%s) mismatch (-want +got):\n%s", id, diff)
		}
	}
	if g := got["GO-2023-1568"]; len(g) != 1 || len(g[0].Imports) != 1 || strings.Join(g[0].Imports[0].GOOS, ",") != "windows" {
		t.Errorf("VulnsFromOSV(GO-2023-1568) = %+v, want one windows-only import", g)
	}
}

func FuzzVulnsFromOSV(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "osv", "*.json"))
	if err != nil {
		f.Fatal(err)
	}
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"id":"GO-6","affected":[{"package":{"ecosystem":"Go","name":"m"},"ecosystem_specific":{"imports":{"path":"x"}}}]}`))
	f.Add([]byte(`{"id":"GHSA-x","affected":[{"package":{"ecosystem":"npm","name":"x"}}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var e osv.Entry
		if err := json.Unmarshal(data, &e); err != nil {
			return
		}
		vulns, _ := VulnsFromOSV(&e)
		for _, v := range vulns {
			if v.Module == "" {
				t.Errorf("vuln without module: %+v", v)
			}
			for _, imp := range v.Imports {
				if imp.Path == "" {
					t.Errorf("import without path: %+v", v)
				}
			}
		}
	})
}
