package checklist

import (
	"fmt"
	"go/parser"
	"go/token"
	"go/version"
	"path"
	"regexp"
	"strconv"
	"strings"

	"golang.org/x/mod/modfile"
)

// goModule is a parsed go.mod, with the go.work above it when there is one.
type goModule struct {
	file     string // path of go.mod
	dir      string
	modPath  string
	requires []string // module paths, direct and indirect
	replaced []string // old paths of replace directives
	parsed   *modfile.File
	err      error

	work     string   // path of the go.work that covers the module, if any
	workMods []string // module paths of the workspace's modules
	workDeps []string // requires and replaces of the workspace's modules and of go.work
}

// goLaxVersion accepts any version string: a go.mod written by hand (or by a model) may hold
// non-canonical versions, and the go tool would fix them rather than fail.
func goLaxVersion(_, vers string) (string, error) { return vers, nil }

// parseGoMod parses go.mod, keeping replace directives; statements this version of x/mod does not
// know are ignored rather than failing the parse.
func parseGoMod(name string, data []byte) (*modfile.File, error) {
	f, err := modfile.Parse(name, data, goLaxVersion)
	if err == nil {
		return f, nil
	}
	if lax, lerr := modfile.ParseLax(name, data, goLaxVersion); lerr == nil {
		return lax, nil
	}
	return nil, fmt.Errorf("parse %s: %w", name, err)
}

// goMod loads and parses the go.mod at p (cached).
func (r *depsRun) goMod(p string) *goModule {
	if m, ok := r.goMods[p]; ok {
		return m
	}
	m := &goModule{file: p, dir: depDirOf(p)}
	r.goMods[p] = m
	data, err := r.read(p)
	if err != nil {
		m.err = err
		return m
	}
	f, err := parseGoMod(p, data)
	if err != nil {
		m.err = err
		return m
	}
	m.parsed = f
	if f.Module != nil {
		m.modPath = f.Module.Mod.Path
	}
	for _, req := range f.Require {
		m.requires = append(m.requires, req.Mod.Path)
	}
	for _, rep := range f.Replace {
		m.replaced = append(m.replaced, rep.Old.Path)
	}
	r.loadGoWork(m)
	return m
}

// loadGoWork finds the go.work nearest above the module and records its modules and their
// dependencies: in workspace mode a module may import any workspace module and its requirements.
func (r *depsRun) loadGoWork(m *goModule) {
	for _, d := range depAncestors(m.dir) {
		wp := depJoin(d, "go.work")
		if !r.exists(wp) {
			continue
		}
		data, err := r.read(wp)
		if err != nil {
			r.note("hallucinated-dependencies: could not read %s: %v", wp, err)
			return
		}
		wf, err := modfile.ParseWork(wp, data, goLaxVersion)
		if err != nil {
			r.note("hallucinated-dependencies: could not parse %s: %v", wp, err)
			return
		}
		m.work = wp
		for _, rep := range wf.Replace {
			m.workDeps = append(m.workDeps, rep.Old.Path)
		}
		for _, u := range wf.Use {
			if path.IsAbs(u.Path) || strings.HasPrefix(u.Path, "\\") {
				continue
			}
			gm := depJoin(d, u.Path, "go.mod")
			if gm == m.file || !r.exists(gm) {
				continue
			}
			data, err := r.read(gm)
			if err != nil {
				continue
			}
			f, err := parseGoMod(gm, data)
			if err != nil {
				continue
			}
			if f.Module != nil {
				m.workMods = append(m.workMods, f.Module.Mod.Path)
			}
			for _, req := range f.Require {
				m.workDeps = append(m.workDeps, req.Mod.Path)
			}
			for _, rep := range f.Replace {
				m.workDeps = append(m.workDeps, rep.Old.Path)
			}
		}
		return
	}
}

// goStdlib reports whether an import path is in the standard library by the go tool's rule: the
// first path element has no dot. "C" (cgo) is covered by the same rule.
func goStdlib(importPath string) bool {
	first, _, _ := strings.Cut(importPath, "/")
	return !strings.Contains(first, ".")
}

// goStdListVersion is the Go release goStdPackages was taken from.
const goStdListVersion = "go1.26"

// goStdPackages lists the importable packages of the standard library (GOROOT/src of Go 1.26, without
// internal, vendor and cmd), to recognise invented standard-library paths such as "crypto/argon2".
var goStdPackages = func() map[string]bool {
	m := map[string]bool{}
	for _, p := range strings.Fields(`
	archive/tar archive/zip arena bufio bytes cmp compress/bzip2 compress/flate compress/gzip compress/lzw
	compress/zlib container/heap container/list container/ring context crypto crypto/aes crypto/boring
	crypto/cipher crypto/des crypto/dsa crypto/ecdh crypto/ecdsa crypto/ed25519 crypto/elliptic crypto/fips140
	crypto/hkdf crypto/hmac crypto/hpke crypto/md5 crypto/mlkem crypto/mlkem/mlkemtest crypto/pbkdf2 crypto/rand
	crypto/rc4 crypto/rsa crypto/sha1 crypto/sha256 crypto/sha3 crypto/sha512 crypto/subtle crypto/tls
	crypto/tls/fipsonly crypto/x509 crypto/x509/pkix database/sql database/sql/driver debug/buildinfo debug/dwarf
	debug/elf debug/gosym debug/macho debug/pe debug/plan9obj embed encoding encoding/ascii85 encoding/asn1
	encoding/base32 encoding/base64 encoding/binary encoding/csv encoding/gob encoding/hex encoding/json
	encoding/json/jsontext encoding/json/v2 encoding/pem encoding/xml errors expvar flag fmt go/ast go/build
	go/build/constraint go/constant go/doc go/doc/comment go/format go/importer go/parser go/printer go/scanner
	go/token go/types go/version hash hash/adler32 hash/crc32 hash/crc64 hash/fnv hash/maphash html html/template
	image image/color image/color/palette image/draw image/gif image/jpeg image/png index/suffixarray io io/fs
	io/ioutil iter log log/slog log/syslog maps math math/big math/bits math/cmplx math/rand math/rand/v2 mime
	mime/multipart mime/quotedprintable net net/http net/http/cgi net/http/cookiejar net/http/fcgi
	net/http/httptest net/http/httptrace net/http/httputil net/http/pprof net/mail net/netip net/rpc
	net/rpc/jsonrpc net/smtp net/textproto net/url os os/exec os/signal os/user path path/filepath plugin reflect
	regexp regexp/syntax runtime runtime/asan runtime/cgo runtime/coverage runtime/debug runtime/metrics
	runtime/msan runtime/pprof runtime/race runtime/secret runtime/trace simd/archsimd slices sort strconv
	strings structs sync sync/atomic syscall syscall/js testing testing/cryptotest testing/fstest testing/iotest
	testing/quick testing/slogtest testing/synctest text/scanner text/tabwriter text/template text/template/parse
	time time/tzdata unicode unicode/utf16 unicode/utf8 unique unsafe weak
`) {
		m[p] = true
	}
	return m
}()

// goStdRoots are the first elements of the standard library's package paths.
var goStdRoots = func() map[string]bool {
	m := map[string]bool{}
	for p := range goStdPackages {
		first, _, _ := strings.Cut(p, "/")
		m[first] = true
	}
	return m
}()

// goPathUnder reports whether importPath is modPath or a package inside it.
func goPathUnder(importPath, modPath string) bool {
	return modPath != "" && (importPath == modPath || strings.HasPrefix(importPath, modPath+"/"))
}

// provides reports whether the module (or its workspace) can supply the package.
func (m *goModule) provides(importPath string) bool {
	if goPathUnder(importPath, m.modPath) {
		return true
	}
	for _, list := range [][]string{m.requires, m.replaced, m.workMods, m.workDeps} {
		for _, p := range list {
			if goPathUnder(importPath, p) {
				return true
			}
		}
	}
	return false
}

// goIgnoredDir reports whether the go tool ignores the file's directory for builds: vendor and
// testdata directories and those starting with "." or "_".
func goIgnoredDir(p string) bool {
	for _, part := range strings.Split(depDirOf(p), "/") {
		if part == "vendor" || part == "testdata" || strings.HasPrefix(part, ".") || strings.HasPrefix(part, "_") {
			return true
		}
	}
	return false
}

// nearestFile returns the nearest file called name in dir or above it, or "".
func (r *depsRun) nearestFile(dir, name string) string {
	for _, d := range depAncestors(dir) {
		if p := depJoin(d, name); r.exists(p) {
			return p
		}
	}
	return ""
}

// checkGoFile checks the imports of a Go file that sit on added lines.
func (r *depsRun) checkGoFile(p string, added addedLines) {
	if goIgnoredDir(p) || isTestDataPath(p) {
		return
	}
	modFile := r.nearestFile(depDirOf(p), "go.mod")
	if modFile == "" {
		r.groupNote("Go files with no go.mod above them; their imports were not checked", p)
		return
	}
	src, err := r.read(p)
	if err != nil {
		r.groupNote("files that could not be read at head; their imports were not checked", fmt.Sprintf("%s (%v)", p, err))
		return
	}
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, p, src, parser.ImportsOnly)
	if err != nil {
		r.groupNote("files that do not parse; their imports were not checked", p)
		return
	}
	var m *goModule
	for _, imp := range f.Imports {
		line := fset.Position(imp.Path.Pos()).Line
		l, ok := added.at(line)
		if !ok {
			continue
		}
		ip, err := strconv.Unquote(imp.Path.Value)
		if err != nil || ip == "" || ip == "C" || goStdPackages[ip] {
			continue
		}
		if m == nil {
			m = r.goMod(modFile)
			if m.err != nil {
				r.groupNote(fmt.Sprintf("%v; Go imports not checked", m.err), p)
				return
			}
		}
		if m.provides(ip) || r.goAlreadyUsed(ip, modFile) || strings.HasSuffix(p, "_test.go") && r.goTestModProvides(m, ip) {
			continue
		}
		if goStdlib(ip) {
			if title, body, ok := m.inventedStdlib(ip); ok {
				r.addFinding(p, l, title, body)
			}
			continue
		}
		where := modFile
		if m.work != "" {
			where = modFile + " or " + m.work
		}
		title := fmt.Sprintf("Import %q is not declared in %s", ip, modFile)
		body := fmt.Sprintf("%q is not in the standard library, not a package of module %s, and no module required or replaced in %s provides it "+
			"(checked by module-path prefix, direct and indirect requires). If the package is real, add its module with `go get %s`; "+
			"otherwise fix the import path. A plausible-looking path that no module provides is a typical invented dependency.",
			ip, depOrDefault(m.modPath, "(unnamed)"), where, ip)
		r.addFinding(p, l, title, body)
	}
}

// goTestModFile matches the name of an alternate go.mod for `go test -modfile=...`: go_test.mod,
// go.test.mod.
var goTestModFile = regexp.MustCompile(`^go[._-]test\.mod$`)

// goTestModProvides reports whether an alternate go.mod next to the module's own, one the project's
// tests run with (`go test -modfile=go_test.mod`, nats.go ae0af2c70af6), requires the package's
// module. Only a test file may rely on it: the package's own build uses go.mod.
func (r *depsRun) goTestModProvides(m *goModule, ip string) bool {
	for _, base := range r.filesByDir()[m.dir] {
		if !goTestModFile.MatchString(base) {
			continue
		}
		if alt := r.goMod(depJoin(m.dir, base)); alt.err == nil && alt.provides(ip) {
			return true
		}
	}
	return false
}

// goAlreadyUsed reports whether the project used the import's module before the change: the change
// deleted an import of it (a re-sorted or reformatted block, moved code), or another file of the same
// module imports it on a line the change did not add.
func (r *depsRun) goAlreadyUsed(ip, modFile string) bool {
	key := goImportRoot(ip)
	if r.movedImport(depLangGo, key) {
		return true
	}
	return r.usedElsewhere(usageQuery{
		lang: depLangGo, key: key,
		pattern: `"` + regexp.QuoteMeta(key) + `["/]`,
		globs:   []string{"*.go"},
		inScope: func(f string) bool {
			return !goIgnoredDir(f) && !isTestDataPath(f) && r.nearestFile(depDirOf(f), "go.mod") == modFile
		},
		imports: goFileImports(key),
	})
}

// inventedStdlib decides about an import without a dot in its first element that the module does
// not provide: the go tool takes it for the standard library. It is reported only when its first
// element is a real standard-library root (e.g. "crypto/argon2", "encoding/yaml") and the module
// does not target a Go release newer than the embedded package list.
func (m *goModule) inventedStdlib(ip string) (title, body string, ok bool) {
	first, _, _ := strings.Cut(ip, "/")
	if !goStdRoots[first] || first == ip {
		return "", "", false
	}
	if m.parsed != nil && m.parsed.Go != nil {
		if v := "go" + m.parsed.Go.Version; !version.IsValid(v) || version.Compare(version.Lang(v), goStdListVersion) > 0 {
			return "", "", false
		}
	}
	title = fmt.Sprintf("Import %q is not in the Go standard library", ip)
	body = fmt.Sprintf("The go tool treats %q as a standard-library path (its first element has no dot), but the standard library "+
		"(as of %s) has no such package, so the build fails.", ip, strings.Replace(goStdListVersion, "go", "Go ", 1))
	switch first {
	case "crypto", "net", "text", "image", "sync", "time":
		body += fmt.Sprintf(" Perhaps you meant golang.org/x/%s/%s: use the full path and add it with `go get golang.org/x/%s`.", first, strings.TrimPrefix(ip, first+"/"), first)
	default:
		body += " Use the full module path of the package you meant, or remove the import."
	}
	return title, body, true
}

// goCodeHosts are hosts whose second path element is the owner (user or organisation).
var goCodeHosts = map[string]bool{"github.com": true, "gitlab.com": true, "bitbucket.org": true, "codeberg.org": true, "gitea.com": true, "git.sr.ht": true}

// collectGoModAdditions queues the requires on added lines of a go.mod for a proxy look-up.
func (r *depsRun) collectGoModAdditions(p string, added addedLines) {
	m := r.goMod(p)
	if m.err != nil {
		r.note("hallucinated-dependencies: %s: %v; added requirements not verified", p, m.err)
		return
	}
	replaced := map[string]bool{}
	for _, rp := range m.replaced {
		replaced[rp] = true
	}
	for _, req := range m.parsed.Require {
		if req.Syntax == nil {
			continue
		}
		l, ok := added.at(req.Syntax.Start.Line)
		if !ok {
			continue
		}
		mp := req.Mod.Path
		switch {
		case replaced[mp]:
			continue // replaced: the original path need not exist
		case goPathUnder(mp, m.modPath):
			continue
		}
		isWork := false
		for _, wm := range m.workMods {
			isWork = isWork || wm == mp
		}
		if isWork {
			continue
		}
		r.verify = append(r.verify, verifyRequest{
			ecosystem: EcosystemGo, name: mp, version: req.Mod.Version, path: p, line: l,
			registry: "the Go module proxy",
			hint: "Fix the module path (a plausible-looking path that does not exist is a typical invented dependency) " +
				"or remove the requirement. If the module is private, the proxy cannot see it: list it in GOPRIVATE.",
		})
	}
}
