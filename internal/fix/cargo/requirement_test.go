package cargo

import (
	"testing"
)

func TestRequirementAdmits(t *testing.T) {
	tests := []struct {
		name    string
		req     string
		version string
		want    bool
	}{
		{"caret_same_major", "1.6", "1.6.1", true},
		{"caret_next_minor", "1.6.0", "1.9.0", true},
		{"caret_next_major", "1.6.0", "2.0.0", false},
		{"caret_below", "1.6.1", "1.6.0", false},
		{"caret_zero_minor_same", "0.6.9", "0.6.14", true},
		{"caret_zero_minor_crossing", "0.1", "0.2.23", false},
		{"caret_zero_zero_patch", "0.0.3", "0.0.4", false},
		{"caret_zero_zero", "0.0", "0.0.4", true},
		{"caret_major_only", "1", "1.9.9", true},
		{"explicit_caret", "^0.6.9", "0.6.10", true},
		{"exact_pin", "=1.6.0", "1.6.0", true},
		{"exact_pin_excludes", "=1.6.0", "1.6.1", false},
		{"exact_partial", "=1.6", "1.6.9", true},
		{"tilde", "~1.6.0", "1.6.5", true},
		{"tilde_minor", "~1.6.0", "1.7.0", false},
		{"tilde_major_only", "~1", "1.7.0", true},
		{"range", ">=0.3, <0.5", "0.4.9", true},
		{"range_upper", ">=0.3, <0.5", "0.5.0", false},
		{"greater_partial", ">1.6", "1.6.9", false},
		{"greater_partial_next", ">1.6", "1.7.0", true},
		{"less_equal_partial", "<=1.6", "1.6.9", true},
		{"wildcard", "*", "3.0.0", true},
		{"minor_wildcard", "1.*", "1.9.0", true},
		{"minor_wildcard_next_major", "1.*", "2.0.0", false},
		{"patch_wildcard", "0.6.*", "0.6.14", true},
		{"prerelease_not_matched", "1.6", "1.7.0-rc.1", false},
		{"prerelease_named", ">=1.7.0-rc.1", "1.7.0-rc.2", true},
		{"prerelease_order", "=1.7.0-rc.1", "1.7.0-rc.1", true},
		{"bad_version", "1", "not-a-version", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := parseRequirement(tt.req)
			if err != nil {
				t.Fatalf("parseRequirement(%q): %v", tt.req, err)
			}
			if got := r.admits(tt.version); got != tt.want {
				t.Errorf("%q admits %q = %v, want %v", tt.req, tt.version, got, tt.want)
			}
		})
	}
}

func TestParseRequirementErrors(t *testing.T) {
	for _, req := range []string{"", "  ", ">=", "1.2.3.4", "01.2", "1.x.3", "~*", "a.b", "1.2-", "1.2-rc.1", ">=1.*", ","} {
		t.Run(req, func(t *testing.T) {
			if r, err := parseRequirement(req); err == nil {
				t.Errorf("parseRequirement(%q) = %+v, want an error", req, r)
			}
		})
	}
}

func TestNewRequirement(t *testing.T) {
	tests := []struct{ old, version, want string }{
		{"=1.6.0", "1.6.1", "=1.6.1"},
		{"0.1", "0.2.23", "0.2.23"},
		{">=0.3, <0.5", "0.5.1", "0.5.1"},
		{"~1.6", "1.7.0", "1.7.0"},
	}
	for _, tt := range tests {
		if got := newRequirement(tt.old, tt.version); got != tt.want {
			t.Errorf("newRequirement(%q, %q) = %q, want %q", tt.old, tt.version, got, tt.want)
		}
	}
}

func FuzzParseRequirement(f *testing.F) {
	for _, s := range []string{"1.6", "=1.6.0", ">=0.3, <0.5", "~1", "*", "0.6.*", "^1.7.0-rc.1+meta", "", ","} {
		f.Add(s, "1.6.1")
	}
	f.Fuzz(func(t *testing.T, req, version string) {
		r, err := parseRequirement(req)
		if err != nil {
			return
		}
		r.admits(version)
		r.exact()
		newRequirement(req, version)
	})
}
