package policy

import "fmt"

// Preset is a built-in rule, selected by name in a policy's presets: list
// or by the caller ([WithPresets]).
type Preset struct {
	Name        string
	Description string
	For         Kind
	Action      Action
	Expr        string
	Message     string
	// Params names the params: entries the preset reads.
	Params []string

	check func(params map[string]any) error
}

// Presets returns the built-in presets, in the order MODEL.md lists them.
func Presets() []Preset {
	return []Preset{
		{
			Name:        "no-critical-or-high-with-fix",
			Description: "fail on critical and high findings that have a fixed version",
			For:         ForFinding,
			Action:      Fail,
			Expr:        `finding.severity.level in ["critical", "high"] && finding.fix_available`,
			Message:     `{{finding.package}}@{{finding.version}} has {{finding.id}} ({{finding.severity.level}}); fixed in {{finding.fixed[0]}}`,
		},
		{
			Name:        "no-kev",
			Description: "fail on findings in CISA's Known Exploited Vulnerabilities catalog",
			For:         ForFinding,
			Action:      Fail,
			Expr:        `finding.kev`,
			Message:     `{{finding.package}}@{{finding.version}} has {{finding.id}}, which is known to be exploited (CISA KEV{{finding.kev_ransomware ? ", used by ransomware" : ""}})`,
		},
		{
			Name:        "no-new-vulnerable-transitive",
			Description: "fail when the changes add a transitive dependency with a known vulnerability",
			For:         ForDiff,
			Action:      Fail,
			Expr:        `diff.new_transitive.filter(p, size(p.vulns) > 0)`,
			Message:     `new transitive dependency {{item.name}}@{{item.version}}{{size(item.via) > 0 ? " (via " + item.via.join(", ") + ")" : ""}} has {{item.vulns}}`,
		},
		{
			Name:        "no-downgrades",
			Description: "fail when the changes downgrade a package",
			For:         ForDiff,
			Action:      Fail,
			Expr:        `diff.downgraded`,
			Message:     `{{item.package.name}} was downgraded from {{item.from}} to {{item.to}}`,
		},
		{
			Name:        "license-deny",
			Description: "fail on packages whose licence is in params.license_deny",
			For:         ForPackage,
			Action:      Fail,
			Expr:        `pkg.license != "" && pkg.license in params.license_deny`,
			Message:     `{{pkg.name}}@{{pkg.version}} is licensed under {{pkg.license}}, which the policy denies`,
			Params:      []string{"license_deny"},
			check:       checkStringList("license_deny", "a list of licences, e.g. [GPL-3.0-only, AGPL-3.0-only]"),
		},
		{
			Name:        "no-reachable-critical",
			Description: "fail on critical findings whose vulnerable code is reachable",
			For:         ForFinding,
			Action:      Fail,
			Expr:        `finding.severity.level == "critical" && finding.reachable == "reachable"`,
			Message:     `{{finding.package}}@{{finding.version}} has {{finding.id}} (critical), and the vulnerable code is reachable`,
		},
	}
}

func presetByName(name string) (Preset, bool) {
	for _, p := range Presets() {
		if p.Name == name {
			return p, true
		}
	}
	return Preset{}, false
}

func presetNames() []string {
	var names []string
	for _, p := range Presets() {
		names = append(names, p.Name)
	}
	return names
}

// checkStringList checks that params[key] is a list of strings.
func checkStringList(key, want string) func(map[string]any) error {
	return func(params map[string]any) error {
		v, ok := params[key]
		if !ok {
			return fmt.Errorf("needs params.%s: %s", key, want)
		}
		switch list := v.(type) {
		case []string:
			return nil
		case []any:
			for _, e := range list {
				if _, ok := e.(string); !ok {
					return fmt.Errorf("params.%s must be %s, but has %v", key, want, e)
				}
			}
			return nil
		}
		return fmt.Errorf("params.%s must be %s", key, want)
	}
}
