// Command webapp is the largest fixture: an HTTP server that renders
// html/template pages, fetches upstream data with an HTTP client through an
// interface, and reads its settings with the YAML module.
package main

import (
	"flag"
	"log"
	"net/http"
	"os"

	"example.com/webapp/internal/fetch"
	"example.com/webapp/internal/render"
	"gopkg.in/yaml.v2"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "listen address")
	conf := flag.String("config", "", "settings file")
	flag.Parse()

	settings := map[string]string{"upstream": "http://127.0.0.1:9090/"}
	if *conf != "" {
		f, err := os.Open(*conf)
		if err != nil {
			log.Fatal(err)
		}
		if err := yaml.NewDecoder(f).Decode(&settings); err != nil {
			log.Fatal(err)
		}
		f.Close()
	}

	client := fetch.New(http.DefaultClient, settings["upstream"])
	page, err := render.New()
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		items, err := client.Items(r.Context())
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		if err := page.Write(w, items); err != nil {
			log.Print(err)
		}
	})
	log.Fatal(http.ListenAndServe(*addr, mux))
}
