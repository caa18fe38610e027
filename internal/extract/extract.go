// Package extract finds the files of a project that patchline can read and
// hands each to its extractor. The extractors themselves live in one
// subpackage per file format (extract/javascript/packagelock, ...); [List] is
// the one place they are registered.
package extract
