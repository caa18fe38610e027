package tomllock

import (
	"testing"

	"github.com/BurntSushi/toml"
	"github.com/google/go-cmp/cmp"
)

// decoded is a table as the decoder gives it, with one value of each type.
func decoded(t *testing.T) map[string]any {
	t.Helper()
	const doc = `
s = "text"
i = 1
f = 1.5
b = true
d = 2024-01-02
strs = ["a", "b"]
mixed = ["a", 1]
tab = { k = "v" }
tabs = [{ name = "x" }, { name = "y" }]
notabs = [{ name = "x" }, "y"]

[[aot]]
name = "z"
`
	var m map[string]any
	if _, err := toml.Decode(doc, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestFields(t *testing.T) {
	m := decoded(t)
	errText := func(err error) string {
		if err == nil {
			return ""
		}
		return err.Error()
	}
	tests := []struct {
		name    string
		read    func(key string) (any, error)
		key     string
		want    any
		wantErr string
	}{
		{"string", func(k string) (any, error) { return String(m, k) }, "s", "text", ""},
		{"string_absent", func(k string) (any, error) { return String(m, k) }, "none", "", ""},
		{"string_wrong_type", func(k string) (any, error) { return String(m, k) }, "i", "", `"i" is an integer, want a string`},
		{"bool", func(k string) (any, error) { return Bool(m, k) }, "b", true, ""},
		{"bool_absent", func(k string) (any, error) { return Bool(m, k) }, "none", false, ""},
		{"bool_wrong_type", func(k string) (any, error) { return Bool(m, k) }, "s", false, `"s" is a string, want true or false`},
		{"strings", func(k string) (any, error) { return Strings(m, k) }, "strs", []string{"a", "b"}, ""},
		{"strings_absent", func(k string) (any, error) { return Strings(m, k) }, "none", []string(nil), ""},
		{"strings_wrong_type", func(k string) (any, error) { return Strings(m, k) }, "f", []string(nil), `"f" is a float, want an array of strings`},
		{"strings_mixed", func(k string) (any, error) { return Strings(m, k) }, "mixed", []string(nil), `"mixed" holds an integer, want only strings`},
		{"table", func(k string) (any, error) { return Table(m, k) }, "tab", map[string]any{"k": "v"}, ""},
		{"table_absent", func(k string) (any, error) { return Table(m, k) }, "none", map[string]any(nil), ""},
		{"table_wrong_type", func(k string) (any, error) { return Table(m, k) }, "d", map[string]any(nil), `"d" is a date or time, want a table`},
		{"tables_inline", func(k string) (any, error) { return Tables(m, k) }, "tabs", []map[string]any{{"name": "x"}, {"name": "y"}}, ""},
		{"tables_array_of_tables", func(k string) (any, error) { return Tables(m, k) }, "aot", []map[string]any{{"name": "z"}}, ""},
		{"tables_absent", func(k string) (any, error) { return Tables(m, k) }, "none", []map[string]any(nil), ""},
		{"tables_wrong_type", func(k string) (any, error) { return Tables(m, k) }, "tab", []map[string]any(nil), `"tab" is a table, want an array of tables`},
		{"tables_mixed", func(k string) (any, error) { return Tables(m, k) }, "notabs", []map[string]any(nil), `"notabs" holds a string, want only tables`},
		{"array_described", func(k string) (any, error) { return String(m, k) }, "strs", "", `"strs" is an array, want a string`},
		{"boolean_described", func(k string) (any, error) { return Table(m, k) }, "b", map[string]any(nil), `"b" is a boolean, want a table`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.read(tt.key)
			if diff := cmp.Diff(tt.wantErr, errText(err)); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("value (-want +got):\n%s", diff)
			}
		})
	}
}
