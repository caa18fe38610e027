package main

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/pem"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// exportServerCmd is the script command `osv-export-server DIR [FILES]`: it
// serves DIR/<Ecosystem>/*.json as an OSV export (<Ecosystem>/all.zip, with
// ETags) and the files of FILES at /files/NAME
// over HTTPS, behind an HTTP CONNECT proxy, and points the environment of
// the following commands at them: HTTPS_PROXY, SSL_CERT_FILE (the server's
// certificate) and OSV_URL. Every request the export server answers is
// appended to $WORK/export.log, every tunnel the proxy opens to
// $WORK/proxy.log, so scripts can check what went over the wire.
func exportServerCmd(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 1 || len(args) > 2 {
		ts.Fatalf("usage: osv-export-server DIR [FILES_DIR]")
	}
	zips := map[string][]byte{}
	ecos, err := os.ReadDir(args[0])
	ts.Check(err)
	for _, eco := range ecos {
		if !eco.IsDir() {
			continue
		}
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		files, err := filepath.Glob(filepath.Join(args[0], eco.Name(), "*.json"))
		ts.Check(err)
		for _, f := range files {
			data, err := os.ReadFile(f)
			ts.Check(err)
			w, err := zw.Create(filepath.Base(f))
			ts.Check(err)
			_, err = w.Write(data)
			ts.Check(err)
		}
		ts.Check(zw.Close())
		zips["/"+eco.Name()+"/all.zip"] = buf.Bytes()
	}

	var mu sync.Mutex
	logTo := func(name, line string) {
		mu.Lock()
		defer mu.Unlock()
		f, err := os.OpenFile(ts.MkAbs(name), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		if err == nil {
			fmt.Fprintln(f, line)
			f.Close()
		}
	}
	if len(args) == 2 { // plain files, served at /files/NAME
		files, err := os.ReadDir(args[1])
		ts.Check(err)
		for _, f := range files {
			data, err := os.ReadFile(filepath.Join(args[1], f.Name()))
			ts.Check(err)
			zips["/files/"+f.Name()] = data
		}
	}
	export := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		data, ok := zips[r.URL.Path]
		if !ok {
			logTo("export.log", r.Method+" "+r.URL.Path+" 404")
			http.NotFound(w, r)
			return
		}
		etag := fmt.Sprintf(`"%x"`, sha256.Sum256(data))
		w.Header().Set("ETag", etag)
		if r.Header.Get("If-None-Match") == etag {
			logTo("export.log", r.Method+" "+r.URL.Path+" 304")
			w.WriteHeader(http.StatusNotModified)
			return
		}
		logTo("export.log", r.Method+" "+r.URL.Path+" 200")
		http.ServeContent(w, r, "all.zip", time.Time{}, bytes.NewReader(data))
	}))
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodConnect {
			http.Error(w, "only CONNECT", http.StatusMethodNotAllowed)
			return
		}
		logTo("proxy.log", "CONNECT "+r.Host)
		upstream, err := net.Dial("tcp", export.Listener.Addr().String())
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		conn, rw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			upstream.Close()
			return
		}
		fmt.Fprint(rw, "HTTP/1.1 200 Connection established\r\n\r\n")
		rw.Flush()
		go func() { io.Copy(upstream, rw); upstream.Close() }()
		io.Copy(conn, upstream)
		conn.Close()
	}))
	ts.Defer(func() {
		proxy.CloseClientConnections()
		proxy.Close()
		export.CloseClientConnections()
		export.Close()
	})

	cert := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: export.Certificate().Raw})
	ts.Check(os.WriteFile(ts.MkAbs("export-ca.pem"), cert, 0o644))
	ts.Setenv("SSL_CERT_FILE", ts.MkAbs("export-ca.pem"))
	ts.Setenv("HTTPS_PROXY", proxy.URL)
	ts.Setenv("NO_PROXY", "")
	// The test certificate is valid for example.com; the proxy, not DNS,
	// decides where the connection goes.
	ts.Setenv("OSV_URL", "https://example.com")
}
