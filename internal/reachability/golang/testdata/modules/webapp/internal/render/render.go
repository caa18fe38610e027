// Package render writes the item list as an HTML page with html/template.
package render

import (
	"html/template"
	"io"
)

const page = `<!doctype html><title>items</title><ul>{{range .}}<li>{{.}}</li>{{end}}</ul>`

// Page renders the item list.
type Page struct {
	tmpl *template.Template
}

// New parses the page template.
func New() (*Page, error) {
	t, err := template.New("page").Parse(page)
	if err != nil {
		return nil, err
	}
	return &Page{tmpl: t}, nil
}

// Write renders items to w.
func (p *Page) Write(w io.Writer, items []string) error {
	return p.tmpl.Execute(w, items)
}
