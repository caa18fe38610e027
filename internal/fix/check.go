package fix

import (
	"context"
	"fmt"
	"sort"

	"github.com/patchline/patchline/internal/db"
	"github.com/patchline/patchline/internal/match"
	"github.com/patchline/patchline/internal/severity"
)

// DBChecker is a [Checker] over patchline's vulnerability database, with
// the scanner's matching rules.
type DBChecker struct {
	db *db.DB
}

// NewDBChecker returns a checker that asks d.
func NewDBChecker(d *db.DB) *DBChecker { return &DBChecker{db: d} }

// Check returns the advisories in the database that affect p.
func (c *DBChecker) Check(ctx context.Context, p Package) (Verdict, error) {
	if err := ctx.Err(); err != nil {
		return Verdict{}, err
	}
	entries, err := c.db.Lookup(p.Ecosystem, p.Name)
	if err != nil {
		return Verdict{}, fmt.Errorf("look up %s/%q in the vulnerability database: %w", p.Ecosystem, p.Name, err)
	}
	var v Verdict
	mp := match.Package{Ecosystem: p.Ecosystem, Name: p.Name, Version: p.Version}
	for _, e := range entries {
		hits, problems := match.Matcher{}.Affects(e, mp)
		for _, pr := range problems {
			v.Problems = append(v.Problems, pr.ID+": "+pr.Reason)
		}
		if len(hits) == 0 {
			continue
		}
		x := Vuln{ID: e.ID, Aliases: e.Aliases, Severity: severity.Of(e, hits[0].Affected)}
		for _, h := range hits {
			x.Fixed = append(x.Fixed, h.Fixed...)
		}
		v.Vulns = append(v.Vulns, x)
	}
	sort.Slice(v.Vulns, func(i, j int) bool { return v.Vulns[i].ID < v.Vulns[j].ID })
	return v, nil
}
