package imports

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
)

// How a Python module was mapped to a distribution.
const (
	mapMetadata = "installed metadata" // *.dist-info RECORD or top_level.txt
	mapTable    = "built-in table"
	mapGuess    = "name guess"
)

// knownModules maps import names (dotted prefixes) to the distributions
// that provide them where the two differ in more than PEP 503
// normalisation. It lists, for each distribution named here, all of its
// top-level modules, so that a distribution in the table whose modules are
// not imported is known not to be imported. Distribution names are
// normalised.
var knownModules = map[string][]string{
	"yaml": {"pyyaml"}, "_yaml": {"pyyaml"},
	"PIL":     {"pillow"},
	"sklearn": {"scikit-learn"}, "skimage": {"scikit-image"},
	"cv2":      {"opencv-python", "opencv-python-headless", "opencv-contrib-python", "opencv-contrib-python-headless"},
	"bs4":      {"beautifulsoup4"},
	"dateutil": {"python-dateutil"},
	"jwt":      {"pyjwt"},
	"Crypto":   {"pycryptodome", "pycrypto"}, "Cryptodome": {"pycryptodomex"},
	"OpenSSL":         {"pyopenssl"},
	"dns":             {"dnspython"},
	"google.protobuf": {"protobuf"},
	"attr":            {"attrs"}, "attrs": {"attrs"},
	"magic":  {"python-magic"},
	"serial": {"pyserial"},
	"usb":    {"pyusb"},
	"git":    {"gitpython"},
	"jose":   {"python-jose"},
	"docx":   {"python-docx"}, "pptx": {"python-pptx"},
	"dotenv":    {"python-dotenv"},
	"multipart": {"python-multipart"},
	"socketio":  {"python-socketio"}, "engineio": {"python-engineio"},
	"ldap":          {"python-ldap"},
	"nacl":          {"pynacl"},
	"zmq":           {"pyzmq"},
	"MySQLdb":       {"mysqlclient"},
	"psycopg2":      {"psycopg2", "psycopg2-binary"},
	"pkg_resources": {"setuptools"}, "setuptools": {"setuptools"}, "_distutils_hack": {"setuptools"},
	"gi":       {"pygobject"},
	"wx":       {"wxpython"},
	"fitz":     {"pymupdf"},
	"win32api": {"pywin32"}, "win32con": {"pywin32"}, "win32com": {"pywin32"}, "pythoncom": {"pywin32"}, "pywintypes": {"pywin32"},
	"websocket":       {"websocket-client"},
	"kafka":           {"kafka-python"},
	"telegram":        {"python-telegram-bot"},
	"slugify":         {"python-slugify"},
	"OpenGL":          {"pyopengl"},
	"github":          {"pygithub"},
	"Xlib":            {"python-xlib"},
	"cairo":           {"pycairo"},
	"rest_framework":  {"djangorestframework"},
	"corsheaders":     {"django-cors-headers"},
	"debug_toolbar":   {"django-debug-toolbar"},
	"django_filters":  {"django-filter"},
	"allauth":         {"django-allauth"},
	"crispy_forms":    {"django-crispy-forms"},
	"environ":         {"django-environ"},
	"storages":        {"django-storages"},
	"mptt":            {"django-mptt"},
	"taggit":          {"django-taggit"},
	"grpc":            {"grpcio"},
	"googleapiclient": {"google-api-python-client"},
	"bson":            {"pymongo"}, "gridfs": {"pymongo"}, "pymongo": {"pymongo"},
	"Levenshtein":  {"levenshtein", "python-levenshtein"},
	"snappy":       {"python-snappy"},
	"memcache":     {"python-memcached"},
	"consul":       {"python-consul"},
	"osgeo":        {"gdal"},
	"Bio":          {"biopython"},
	"igraph":       {"igraph", "python-igraph"},
	"mpl_toolkits": {"matplotlib"}, "pylab": {"matplotlib"}, "matplotlib": {"matplotlib"},
	"_pytest": {"pytest"}, "pytest": {"pytest"},
	"xdist":      {"pytest-xdist"},
	"faiss":      {"faiss-cpu", "faiss-gpu"},
	"msgpack":    {"msgpack", "msgpack-python"},
	"markdown":   {"markdown"},
	"jinja2":     {"jinja2"},
	"sentry_sdk": {"sentry-sdk"},
}

var normRe = regexp.MustCompile(`[-_.]+`)

// normalize returns the PEP 503 normalised form of a distribution name.
func normalize(name string) string { return strings.ToLower(normRe.ReplaceAllString(name, "-")) }

// pyMapper maps imported Python modules to distributions.
type pyMapper struct {
	// provides maps dotted module paths (up to four parts) to the
	// normalised names of the installed distributions that provide them.
	provides map[string][]string
	// installed holds the normalised names of distributions whose
	// metadata was read.
	installed map[string]bool
	// table maps normalised distribution names to the modules the
	// built-in table lists for them.
	table map[string][]string
	// pkgs holds the normalised names of the PyPI packages analysed.
	pkgs map[string]bool
}

func newPyMapper(pkgs map[string]bool) *pyMapper {
	m := &pyMapper{provides: map[string][]string{}, installed: map[string]bool{}, table: map[string][]string{}, pkgs: pkgs}
	for mod, dists := range knownModules {
		for _, d := range dists {
			m.table[d] = append(m.table[d], mod)
		}
	}
	return m
}

// dists returns the distributions that provide module mod (or mod.name
// for one of names, for a from-import), and how that was found. It
// prefers installed metadata, then the built-in table, then a guess from
// the names of the analysed packages; the longest matching dotted prefix
// wins, so that google.cloud.storage maps to google-cloud-storage and not
// to every distribution sharing the google namespace.
func (m *pyMapper) dists(mod string, names []string) ([]string, string) {
	cands := make([]string, 0, len(names)+1)
	for _, n := range names {
		if n != "*" {
			cands = append(cands, mod+"."+n)
		}
	}
	cands = append(cands, mod)
	if d := longestPrefix(cands, m.provides); d != nil {
		return d, mapMetadata
	}
	if d := longestPrefix(cands, knownModules); d != nil {
		return d, mapTable
	}
	for _, c := range cands {
		parts := strings.Split(c, ".")
		for k := min(len(parts), 4); k >= 1; k-- {
			key := normalize(strings.Join(parts[:k], "-"))
			for _, g := range []string{key, "py" + key, "python-" + key, key + "-python", key + "-py"} {
				if m.pkgs[g] && !m.installed[g] {
					return []string{g}, mapGuess
				}
			}
		}
	}
	return nil, ""
}

func longestPrefix(cands []string, index map[string][]string) []string {
	var best []string
	bestLen := 0
	for _, c := range cands {
		parts := strings.Split(c, ".")
		for k := min(len(parts), 4); k > bestLen; k-- {
			if d := index[strings.Join(parts[:k], ".")]; len(d) > 0 {
				best, bestLen = d, k
				break
			}
		}
	}
	return best
}

// known reports how the modules of distribution dist (normalised) are
// known: from installed metadata, the built-in table, or not at all.
func (m *pyMapper) known(dist string) string {
	switch {
	case m.installed[dist]:
		return mapMetadata
	case len(m.table[dist]) > 0:
		return mapTable
	}
	return ""
}

// modules returns the top-level modules dist is known to provide.
func (m *pyMapper) modules(dist string) []string {
	if m.installed[dist] {
		var out []string
		for mod, ds := range m.provides {
			if !strings.Contains(mod, ".") && containsString(ds, dist) {
				out = append(out, mod)
			}
		}
		return out
	}
	if len(m.table[dist]) > 0 {
		return m.table[dist]
	}
	return []string{strings.ReplaceAll(dist, "-", "_")}
}

// readSitePackages reads the metadata of every distribution installed in
// dir: *.dist-info (RECORD, else top_level.txt) and *.egg-info
// (top_level.txt).
func (m *pyMapper) readSitePackages(ctx context.Context, dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("read site-packages %q: %w", dir, err)
	}
	var errs []error
	for _, e := range entries {
		if err := ctx.Err(); err != nil {
			return err
		}
		name := e.Name()
		var base string
		switch {
		case strings.HasSuffix(name, ".dist-info"):
			base = strings.TrimSuffix(name, ".dist-info")
		case strings.HasSuffix(name, ".egg-info") && e.IsDir():
			base = strings.TrimSuffix(name, ".egg-info")
		default:
			continue
		}
		meta := filepath.Join(dir, name)
		dist := distName(meta, base)
		mods, err := distModules(meta)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		m.installed[dist] = true
		for _, mod := range mods {
			if !containsString(m.provides[mod], dist) {
				m.provides[mod] = append(m.provides[mod], dist)
			}
		}
	}
	return errors.Join(errs...)
}

// distName returns the normalised name of the distribution whose metadata
// directory is meta: the Name field of METADATA (or PKG-INFO), else the
// directory name up to the version.
func distName(meta, base string) string {
	for _, f := range []string{"METADATA", "PKG-INFO"} {
		b, err := os.ReadFile(filepath.Join(meta, f))
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(bytes.NewReader(b))
		for sc.Scan() {
			line := sc.Text()
			if line == "" {
				break // end of the headers
			}
			if v, ok := strings.CutPrefix(line, "Name:"); ok {
				return normalize(strings.TrimSpace(v))
			}
		}
	}
	name, _, _ := strings.Cut(base, "-")
	return normalize(name)
}

// distModules lists the dotted module paths (up to four parts) that the
// distribution with metadata directory meta installs.
func distModules(meta string) ([]string, error) {
	seen := map[string]bool{}
	var out []string
	add := func(mod string) {
		if mod != "" && !seen[mod] && isModulePath(mod) {
			seen[mod] = true
			out = append(out, mod)
		}
	}
	record, err := os.ReadFile(filepath.Join(meta, "RECORD"))
	if err == nil {
		r := csv.NewReader(bytes.NewReader(record))
		r.FieldsPerRecord, r.LazyQuotes, r.ReuseRecord = -1, true, true
		for {
			rec, err := r.Read()
			if err == io.EOF {
				break
			}
			if err != nil {
				return nil, fmt.Errorf("read %q: %w", filepath.Join(meta, "RECORD"), err)
			}
			for _, mod := range recordModules(rec[0]) {
				add(mod)
			}
		}
		if len(out) > 0 {
			return out, nil
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("read metadata of %q: %w", meta, err)
	}
	top, err := os.ReadFile(filepath.Join(meta, "top_level.txt"))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("read metadata of %q: %w", meta, err)
	}
	for _, line := range strings.Split(string(top), "\n") {
		add(strings.ReplaceAll(strings.TrimSpace(line), "/", "."))
	}
	return out, nil
}

// recordModules returns the module paths a RECORD entry installs:
// "google/cloud/storage/blob.py" gives google, google.cloud,
// google.cloud.storage and google.cloud.storage.blob (up to four parts).
func recordModules(p string) []string {
	p = strings.ReplaceAll(p, "\\", "/")
	if strings.HasPrefix(p, "../") || strings.HasPrefix(p, "/") || strings.Contains(p, "__pycache__") {
		return nil
	}
	parts := strings.Split(p, "/")
	if strings.HasSuffix(parts[0], ".dist-info") || strings.HasSuffix(parts[0], ".data") || strings.HasSuffix(parts[0], ".egg-info") {
		return nil
	}
	last := parts[len(parts)-1]
	ext := path.Ext(last)
	if ext != ".py" && ext != ".so" && ext != ".pyd" && ext != ".pyc" {
		return nil
	}
	stem, _, _ := strings.Cut(last, ".") // _yaml.cpython-312-x86_64-linux-gnu.so → _yaml
	mods := parts[:len(parts)-1]
	if stem != "__init__" {
		mods = append(mods[:len(mods):len(mods)], stem)
	}
	var out []string
	for k := 1; k <= min(len(mods), 4); k++ {
		out = append(out, strings.Join(mods[:k], "."))
	}
	return out
}

var modulePathRe = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$`)

func isModulePath(s string) bool { return modulePathRe.MatchString(s) }

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
