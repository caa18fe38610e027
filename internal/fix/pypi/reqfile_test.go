package pypi

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Hashes of the tests; made up (see testdata/SOURCES.md).
const (
	hashA = "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	hashB = "sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
	hashC = "sha256:cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"
)

func TestRewritePins(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		pkg      string // normalised
		from, to string
		hashes   []string
		want     string
		wantN    int
		wantErr  string
	}{
		{
			name: "plain_pin",
			in:   "requests==2.19.1\n",
			pkg:  "requests", from: "2.19.1", to: "2.31.0",
			want: "requests==2.31.0\n", wantN: 1,
		},
		{
			name: "casing_and_separators_normalised",
			in:   "Django==3.2.16\nflask==2.0.0\n",
			pkg:  "django", from: "3.2.16", to: "3.2.17",
			want: "Django==3.2.17\nflask==2.0.0\n", wantN: 1,
		},
		{
			name: "underscore_and_dot_names",
			in:   "Zope.Interface==5.0\nzope_interface==5.0 ; python_version < \"3\"\n",
			pkg:  "zope-interface", from: "5.0", to: "5.1",
			want: "Zope.Interface==5.1\nzope_interface==5.1 ; python_version < \"3\"\n", wantN: 2,
		},
		{
			name: "extras_spaces_marker_comment_kept",
			in:   "requests [security, socks] == 2.19.1 ; python_version >= \"3.6\"  # pinned for CVE triage\n",
			pkg:  "requests", from: "2.19.1", to: "2.31.0",
			want: "requests [security, socks] == 2.31.0 ; python_version >= \"3.6\"  # pinned for CVE triage\n", wantN: 1,
		},
		{
			name: "crlf_kept",
			in:   "jinja2==2.10\r\nmarkupsafe==1.1.1\r\n",
			pkg:  "jinja2", from: "2.10", to: "2.11.3",
			want: "jinja2==2.11.3\r\nmarkupsafe==1.1.1\r\n", wantN: 1,
		},
		{
			name: "no_final_newline",
			in:   "jinja2==2.10",
			pkg:  "jinja2", from: "2.10", to: "2.11.3",
			want: "jinja2==2.11.3", wantN: 1,
		},
		{
			name: "equal_version_spelled_differently",
			in:   "jinja2==2.10.0\n",
			pkg:  "jinja2", from: "2.10", to: "2.11.3",
			want: "jinja2==2.11.3\n", wantN: 1,
		},
		{
			name: "other_version_of_same_package_untouched",
			in:   "numpy==1.21.6; python_version < \"3.8\"\nnumpy==1.24.0; python_version >= \"3.8\"\n",
			pkg:  "numpy", from: "1.21.6", to: "1.22.0",
			want: "numpy==1.22.0; python_version < \"3.8\"\nnumpy==1.24.0; python_version >= \"3.8\"\n", wantN: 1,
		},
		{
			name: "ranges_not_touched",
			in:   "requests>=2.19\nrequests~=2.19.1\nrequests\n",
			pkg:  "requests", from: "2.19.1", to: "2.31.0",
			want: "requests>=2.19\nrequests~=2.19.1\nrequests\n", wantN: 0,
		},
		{
			name: "arbitrary_equality",
			in:   "requests===2.19.1\n",
			pkg:  "requests", from: "2.19.1", to: "2.31.0",
			want: "requests===2.31.0\n", wantN: 1,
		},
		{
			name: "prefix_name_not_matched",
			in:   "requests-oauthlib==1.0.0\nrequests==1.0.0\n",
			pkg:  "requests", from: "1.0.0", to: "2.31.0",
			want: "requests-oauthlib==1.0.0\nrequests==2.31.0\n", wantN: 1,
		},
		{
			name: "comment_lines_and_options_skipped",
			in:   "# requests==2.19.1\n-i https://files.pypi.example/simple\n-e git+https://git.example/requests.git#egg=requests\nrequests==2.19.1\n",
			pkg:  "requests", from: "2.19.1", to: "2.31.0",
			want: "# requests==2.19.1\n-i https://files.pypi.example/simple\n-e git+https://git.example/requests.git#egg=requests\nrequests==2.31.0\n", wantN: 1,
		},
		{
			name: "pip_compile_hashes_replaced",
			in:   "requests==2.19.1 \\\n    --hash=" + hashA + " \\\n    --hash=" + hashB + "\n    # via -r requirements.in\nurllib3==1.23\n",
			pkg:  "requests", from: "2.19.1", to: "2.31.0", hashes: []string{hashC},
			want:  "requests==2.31.0 \\\n    --hash=" + hashC + "\n    # via -r requirements.in\nurllib3==1.23\n",
			wantN: 1,
		},
		{
			name: "pip_compile_hashes_more_than_before_crlf",
			in:   "requests==2.19.1 \\\r\n    --hash=" + hashA + "\r\n    # via -r requirements.in\r\n",
			pkg:  "requests", from: "2.19.1", to: "2.31.0", hashes: []string{hashB, hashC},
			want:  "requests==2.31.0 \\\r\n    --hash=" + hashB + " \\\r\n    --hash=" + hashC + "\r\n    # via -r requirements.in\r\n",
			wantN: 1,
		},
		{
			name: "pip_compile_hashes_at_end_of_file",
			in:   "requests==2.19.1 \\\n  --hash=" + hashA,
			pkg:  "requests", from: "2.19.1", to: "2.31.0", hashes: []string{hashB, hashC},
			want:  "requests==2.31.0 \\\n  --hash=" + hashB + " \\\n  --hash=" + hashC,
			wantN: 1,
		},
		{
			name: "inline_hashes_replaced",
			in:   "requests==2.19.1 --hash=" + hashA + " --hash=" + hashB + "  # pinned\n",
			pkg:  "requests", from: "2.19.1", to: "2.31.0", hashes: []string{hashC},
			want:  "requests==2.31.0 --hash=" + hashC + "  # pinned\n",
			wantN: 1,
		},
		{
			name: "hashes_unknown_is_error",
			in:   "requests==2.19.1 \\\n    --hash=" + hashA + "\n",
			pkg:  "requests", from: "2.19.1", to: "2.31.0",
			wantErr: "hashes of 2.31.0 are not known",
		},
		{
			name: "hashes_mixed_layout_is_error",
			in:   "requests==2.19.1 --hash=" + hashA + " \\\n    --hash=" + hashB + "\n",
			pkg:  "requests", from: "2.19.1", to: "2.31.0", hashes: []string{hashC},
			wantErr: "unusual way",
		},
		{
			name: "continuation_without_hashes",
			in:   "requests==2.19.1 \\\n    ; python_version >= \"3.6\"\n",
			pkg:  "requests", from: "2.19.1", to: "2.31.0",
			want: "requests==2.31.0 \\\n    ; python_version >= \"3.6\"\n", wantN: 1,
		},
		{
			name: "bom_and_empty_lines",
			in:   "\n\nrequests==2.19.1\n\n",
			pkg:  "requests", from: "2.19.1", to: "2.31.0",
			want: "\n\nrequests==2.31.0\n\n", wantN: 1,
		},
		{
			name: "empty_file",
			in:   "",
			pkg:  "requests", from: "2.19.1", to: "2.31.0",
			want: "",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, n, err := rewritePins([]byte(tt.in), tt.pkg, tt.from, tt.to, tt.hashes)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("rewritePins error = %v, want it to contain %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("rewritePins: %v", err)
			}
			if diff := cmp.Diff(tt.want, string(got)); diff != "" {
				t.Errorf("rewritePins mismatch (-want +got):\n%s", diff)
			}
			if n != tt.wantN {
				t.Errorf("rewritePins changed %d pins, want %d", n, tt.wantN)
			}
		})
	}
}

func TestScanRequirements(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "project", "requirements.txt"))
	if err != nil {
		t.Fatal(err)
	}
	data = append(data, []byte("click==7.0  # via flask, black\nflask==1.0 \\\n    --hash="+hashA+"\n    # via\n    #   -r requirements.in\n    #   dash\nsix==1.16.0\n    # via\n    #   dash\n    #   python-dateutil\nmyproj-helper==1.0\n    # via myproj (pyproject.toml)\n")...)
	type row struct {
		Name, Version string
		Hashes        bool
		Transitive    bool
		Via           []string
	}
	var got []row
	for _, e := range scanRequirements(splitLines(data)) {
		got = append(got, row{e.name, e.version, e.hashes, e.transitive(), e.via})
	}
	want := []row{
		{"certifi", "2018.4.16", true, true, []string{"requests"}},
		{"chardet", "3.0.4", true, true, []string{"requests"}},
		{"idna", "2.7", true, true, []string{"requests"}},
		{"jinja2", "2.10", true, false, []string{"-r requirements.in"}},
		{"markupsafe", "1.1.1", true, true, []string{"jinja2"}},
		{"requests", "2.19.1", true, false, []string{"-r requirements.in"}},
		{"urllib3", "1.23", true, true, []string{"requests"}},
		{"click", "7.0", false, true, []string{"flask", "black"}},
		{"flask", "1.0", true, false, []string{"-r requirements.in", "dash"}},
		{"six", "1.16.0", false, true, []string{"dash", "python-dateutil"}},
		{"myproj-helper", "1.0", false, false, []string{"myproj (pyproject.toml)"}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("scanRequirements mismatch (-want +got):\n%s", diff)
	}
}

func FuzzRewritePins(f *testing.F) {
	for _, s := range []string{
		"requests==2.19.1\n",
		"requests [security] == 2.19.1 ; python_version >= \"3.6\"  # c\r\n",
		"requests==2.19.1 \\\n    --hash=" + hashA + " \\\n    --hash=" + hashB + "\n    # via -r requirements.in\n",
		"requests==2.19.1 --hash=" + hashA + "\n",
		"requests==2.19.1 --hash \\\n",
		"requests (==2.19.1)\n",
		"requests==2.19.1 \\",
		"\\\n\\\n",
		"-r other.txt\n# via\n#   x\n",
	} {
		f.Add([]byte(s))
	}
	if data, err := os.ReadFile(filepath.Join("testdata", "project", "requirements.txt")); err == nil {
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, hashes := range [][]string{nil, {hashC}} {
			out, n, err := rewritePins(data, "requests", "2.19.1", "2.31.0", hashes)
			if err != nil {
				continue
			}
			if n == 0 && !bytes.Equal(out, data) {
				t.Fatalf("no pin changed but the content did:\n%q\n%q", data, out)
			}
			if n > 0 && !bytes.Contains(out, []byte("2.31.0")) {
				t.Fatalf("%d pins changed but the new version is missing:\n%q", n, out)
			}
		}
	})
}
