package extract

import (
	"github.com/patchline/patchline/internal/extract/cocoapods/podfilelock"
	"github.com/patchline/patchline/internal/extract/cpp/conanlock"
	"github.com/patchline/patchline/internal/extract/dart/pubspeclock"
	"github.com/patchline/patchline/internal/extract/dotnet/depsjson"
	"github.com/patchline/patchline/internal/extract/dotnet/packagesconfig"
	"github.com/patchline/patchline/internal/extract/dotnet/packageslockjson"
	"github.com/patchline/patchline/internal/extract/erlang/mixlock"
	"github.com/patchline/patchline/internal/extract/golang/gobinary"
	"github.com/patchline/patchline/internal/extract/golang/gomod"
	"github.com/patchline/patchline/internal/extract/golang/vendormodules"
	"github.com/patchline/patchline/internal/extract/haskell/cabalfreeze"
	"github.com/patchline/patchline/internal/extract/haskell/stacklock"
	"github.com/patchline/patchline/internal/extract/java/gradlelock"
	"github.com/patchline/patchline/internal/extract/java/gradleverification"
	"github.com/patchline/patchline/internal/extract/java/pomxml"
	"github.com/patchline/patchline/internal/extract/javascript/bunlock"
	"github.com/patchline/patchline/internal/extract/javascript/manifest"
	"github.com/patchline/patchline/internal/extract/javascript/packagelock"
	"github.com/patchline/patchline/internal/extract/javascript/pnpmlock"
	"github.com/patchline/patchline/internal/extract/javascript/yarnlock"
	"github.com/patchline/patchline/internal/extract/php/composerlock"
	"github.com/patchline/patchline/internal/extract/python/pdmlock"
	"github.com/patchline/patchline/internal/extract/python/pipfilelock"
	"github.com/patchline/patchline/internal/extract/python/poetrylock"
	"github.com/patchline/patchline/internal/extract/python/pylock"
	"github.com/patchline/patchline/internal/extract/python/requirements"
	"github.com/patchline/patchline/internal/extract/python/uvlock"
	"github.com/patchline/patchline/internal/extract/r/renvlock"
	"github.com/patchline/patchline/internal/extract/ruby/gemfilelock"
	"github.com/patchline/patchline/internal/extract/rust/cargolock"
	"github.com/patchline/patchline/internal/extract/sbom/cyclonedx"
	"github.com/patchline/patchline/internal/extract/sbom/spdx"
	"github.com/patchline/patchline/internal/extract/swift/packageresolved"
	"github.com/patchline/patchline/internal/inventory"
)

// Options select what the extractors report.
type Options struct {
	// GoStdlib makes go.mod report the Go standard library version it
	// declares, so that standard-library advisories are matched.
	GoStdlib bool
}

// List returns every extractor patchline has, in the order a file is offered
// to them. This is the one place extractors are registered; a test checks it
// against the table of supported formats in docs/formats.md.
func List(opts Options) []inventory.Extractor {
	return []inventory.Extractor{
		gomod.New(gomod.Config{OmitStdlib: !opts.GoStdlib}),
		vendormodules.New(),
		gobinary.New(),
		packagelock.New(),
		yarnlock.New(),
		pnpmlock.New(),
		bunlock.New(),
		manifest.New(),
		requirements.New(),
		poetrylock.New(),
		pipfilelock.New(),
		uvlock.New(),
		pdmlock.New(),
		pylock.New(),
		gemfilelock.New(),
		composerlock.New(),
		podfilelock.New(),
		cargolock.New(),
		mixlock.New(),
		pubspeclock.New(),
		pomxml.New(),
		gradlelock.New(),
		gradleverification.New(),
		packageslockjson.New(),
		packagesconfig.New(),
		depsjson.New(),
		packageresolved.New(),
		conanlock.New(),
		renvlock.New(),
		cabalfreeze.New(),
		stacklock.New(),
		cyclonedx.New(),
		spdx.New(),
	}
}
