package review

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"path"
	"regexp"
	"sort"
	"strings"
	"unicode"

	"golang.org/x/mod/modfile"

	"github.com/wfreview/wfreview/diff"
)

// Go context: the changed file's package (its files with the same package clause) is
// type-checked with go/types; its in-repository imports are type-checked from source (without
// function bodies) so selectors into them resolve; every other import (standard library,
// third-party modules, deeper in-repository imports) is an empty fake package, so checking never
// needs the network or a module cache and its errors are ignored. The objects the added lines
// use are mapped back to their declarations by position.

// parseGo parses a Go file and indexes its declarations and imports.
func (ix *repoIndex) parseGo(sf *srcFile, src []byte) {
	f, err := parser.ParseFile(ix.fset, sf.Path, src, parser.ParseComments|parser.SkipObjectResolution)
	if f == nil {
		return
	}
	_ = err // a partial AST is still useful
	sf.Go, sf.GoPkg = f, f.Name.Name
	line := func(p token.Pos) int { return ix.fset.Position(p).Line }
	for _, is := range f.Imports {
		spec := strings.Trim(is.Path.Value, "\"`")
		ir := importRef{Spec: spec, Line: line(is.Pos())}
		if is.Name != nil {
			ir.Name = is.Name.Name
		}
		sf.Imports = append(sf.Imports, ir)
	}
	docLine := func(cg *ast.CommentGroup, start int) int {
		if cg != nil && line(cg.End()) >= start-1 {
			return line(cg.Pos())
		}
		return start
	}
	for _, decl := range f.Decls {
		switch d := decl.(type) {
		case *ast.FuncDecl:
			sd := &symDecl{File: sf, Name: d.Name.Name, Kind: "func", Start: line(d.Pos()), End: line(d.End())}
			if d.Recv != nil && len(d.Recv.List) > 0 {
				sd.Kind, sd.Container = "method", recvName(d.Recv.List[0].Type)
			}
			sd.DocStart = docLine(d.Doc, sd.Start)
			sd.SigEnd = sd.End
			if d.Body != nil {
				sd.SigEnd = line(d.Body.Lbrace)
			}
			sf.Decls = append(sf.Decls, sd)
		case *ast.GenDecl:
			for _, spec := range d.Specs {
				sd := &symDecl{File: sf, Start: line(spec.Pos()), End: line(spec.End())}
				var doc *ast.CommentGroup
				switch s := spec.(type) {
				case *ast.TypeSpec:
					sd.Name, sd.Kind, doc = s.Name.Name, "type", s.Doc
					sd.SigEnd = line(s.Type.Pos())
				case *ast.ValueSpec:
					if len(s.Names) == 0 {
						continue
					}
					sd.Name, sd.Kind, doc = s.Names[0].Name, strings.ToLower(d.Tok.String()), s.Doc
					sd.SigEnd = sd.End
				default:
					continue
				}
				if len(d.Specs) == 1 || d.Lparen == token.NoPos {
					sd.Start = line(d.Pos())
					if doc == nil {
						doc = d.Doc
					}
				}
				sd.DocStart = docLine(doc, sd.Start)
				sf.Decls = append(sf.Decls, sd)
			}
		}
	}
}

func recvName(e ast.Expr) string {
	for {
		switch t := e.(type) {
		case *ast.StarExpr:
			e = t.X
		case *ast.IndexExpr:
			e = t.X
		case *ast.IndexListExpr:
			e = t.X
		case *ast.ParenExpr:
			e = t.X
		case *ast.Ident:
			return t.Name
		default:
			return ""
		}
	}
}

// goPackage is a type-checked package of the repository.
type goPackage struct {
	dir, importPath string
	files           []*srcFile
	pkg             *types.Package
	info            *types.Info
}

// goModulePath returns the import path of a directory from the nearest go.mod above it.
func (ix *repoIndex) goImportPath(dir string) string {
	ix.loadGoMods()
	for d := dir; ; d = path.Dir(d) {
		if mp, ok := ix.goMod[d]; ok {
			if d == dir {
				return mp
			}
			rel := strings.TrimPrefix(dir, d+"/")
			if d == "." {
				rel = dir
			}
			return mp + "/" + rel
		}
		if d == "." || d == "/" || d == "" {
			return ""
		}
	}
}

func (ix *repoIndex) loadGoMods() {
	if ix.goMod != nil {
		return
	}
	ix.goMod = map[string]string{}
	for _, p := range ix.all {
		if path.Base(p) != "go.mod" {
			continue
		}
		if ex, _ := ix.cfg.Excluded(p); ex {
			continue
		}
		b, err := ix.tree.ReadFile(ix.ctx, p)
		if err != nil {
			continue
		}
		if mp := modfile.ModulePath(b); mp != "" {
			ix.goMod[path.Dir(p)] = mp
		}
	}
}

// goDirOf returns the repository directory of an import path, when it is in the repository.
func (ix *repoIndex) goDirOf(importPath string) (string, bool) {
	ix.loadGoMods()
	best, bestLen := "", -1
	for dir, mp := range ix.goMod {
		if importPath == mp || strings.HasPrefix(importPath, mp+"/") {
			if len(mp) > bestLen {
				rel := strings.TrimPrefix(strings.TrimPrefix(importPath, mp), "/")
				best, bestLen = path.Clean(path.Join(dir, rel)), len(mp)
			}
		}
	}
	return best, bestLen >= 0
}

// goFilesOf returns the parsed Go files of dir whose package clause is pkgName ("" any), test
// files only when tests is set.
func (ix *repoIndex) goFilesOf(dir, pkgName string, tests bool) []*srcFile {
	var out []*srcFile
	for _, p := range ix.all {
		if path.Dir(p) != dir || ctxLangOf(p) != langGoCtx || (!tests && strings.HasSuffix(p, "_test.go")) {
			continue
		}
		sf := ix.changed[p]
		if sf == nil {
			sf = ix.file(p)
		}
		if sf == nil || sf.Go == nil || (pkgName != "" && sf.GoPkg != pkgName) {
			continue
		}
		out = append(out, sf)
	}
	return out
}

// goCheck type-checks the package of a changed Go file (cached by directory and package name).
func (ix *repoIndex) goCheck(sf *srcFile) *goPackage {
	dir := path.Dir(sf.Path)
	key := dir + "|" + sf.GoPkg
	if gp, ok := ix.goPkg[key]; ok {
		return gp
	}
	gp := &goPackage{dir: dir, importPath: ix.goImportPath(dir)}
	ix.goPkg[key] = gp
	gp.files = ix.goFilesOf(dir, sf.GoPkg, strings.HasSuffix(sf.Path, "_test.go"))
	gp.pkg, gp.info = ix.typeCheck(gp.importPath, gp.files, 0)
	return gp
}

// typeCheck runs go/types over files, ignoring errors. depth 0 resolves in-repository imports
// from source; deeper levels use fakes.
func (ix *repoIndex) typeCheck(importPath string, files []*srcFile, depth int) (pkg *types.Package, info *types.Info) {
	var asts []*ast.File
	for _, f := range files {
		asts = append(asts, f.Go)
	}
	info = &types.Info{Uses: map[*ast.Ident]types.Object{}, Defs: map[*ast.Ident]types.Object{},
		Selections: map[*ast.SelectorExpr]*types.Selection{}}
	conf := types.Config{Importer: &goImporter{ix: ix, depth: depth}, Error: func(error) {}, FakeImportC: true,
		IgnoreFuncBodies: depth > 0}
	defer func() {
		if recover() != nil { // go/types on broken code: keep what was recorded
			pkg = nil
		}
	}()
	if importPath == "" {
		importPath = "repo"
	}
	pkg, _ = conf.Check(importPath, ix.fset, asts, info)
	return pkg, info
}

// goImporter resolves imports for go/types without the network: in-repository packages from
// source (one level deep), everything else as an empty package.
type goImporter struct {
	ix    *repoIndex
	depth int
}

func (im *goImporter) Import(importPath string) (*types.Package, error) {
	ix := im.ix
	key := "import|" + importPath
	if im.depth == 0 {
		if gp, ok := ix.goPkg[key]; ok && gp.pkg != nil {
			return gp.pkg, nil
		}
		if dir, ok := ix.goDirOf(importPath); ok {
			files := ix.goFilesOf(dir, "", false)
			name := ""
			var same []*srcFile
			for _, f := range files {
				if name == "" {
					name = f.GoPkg
				}
				if f.GoPkg == name {
					same = append(same, f)
				}
			}
			if len(same) > 0 {
				gp := &goPackage{dir: dir, importPath: importPath, files: same}
				gp.pkg, gp.info = ix.typeCheck(importPath, same, im.depth+1)
				ix.goPkg[key] = gp
				if gp.pkg != nil {
					return gp.pkg, nil
				}
			}
		}
	}
	p := types.NewPackage(importPath, guessPkgName(importPath))
	p.MarkComplete()
	return p, nil
}

var majorSuffix = regexp.MustCompile(`^v[0-9]+$`)

// guessPkgName guesses the package name of an import path: its last element, without a major
// version suffix, a ".vN" (gopkg.in) suffix or a "go-" prefix.
func guessPkgName(p string) string {
	parts := strings.Split(p, "/")
	name := parts[len(parts)-1]
	if majorSuffix.MatchString(name) && len(parts) > 1 {
		name = parts[len(parts)-2]
	}
	if i := strings.Index(name, ".v"); i > 0 {
		name = name[:i]
	}
	name = strings.TrimPrefix(name, "go-")
	name = strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' {
			return r
		}
		return -1
	}, name)
	if name == "" {
		return "pkg"
	}
	return name
}

// goDefinitions returns the declarations, outside the diff, of the package-level objects, methods
// and fields that the added lines of a Go file use.
func (ix *repoIndex) goDefinitions(sf *srcFile) []*symDecl {
	if sf.Go == nil {
		return nil
	}
	gp := ix.goCheck(sf)
	if gp.info == nil {
		return nil
	}
	added := ix.added[sf.Path]
	var out []*symDecl
	seen := map[*symDecl]bool{}
	ast.Inspect(sf.Go, func(n ast.Node) bool {
		id, ok := n.(*ast.Ident)
		if !ok {
			return true
		}
		if !added[ix.fset.Position(id.Pos()).Line] {
			return true
		}
		obj := gp.info.Uses[id]
		if obj == nil || obj.Pkg() == nil || !obj.Pos().IsValid() {
			return true
		}
		switch o := obj.(type) {
		case *types.PkgName, *types.Label, *types.Builtin, *types.Nil:
			return true
		case *types.Var:
			if !o.IsField() && o.Parent() != o.Pkg().Scope() {
				return true // a local variable or parameter
			}
		case *types.TypeName, *types.Const:
			if obj.Parent() != nil && obj.Parent() != obj.Pkg().Scope() {
				return true
			}
		}
		pos := ix.fset.Position(obj.Pos())
		df := ix.src[pos.Filename]
		if df == nil {
			return true
		}
		d := df.declAtLine(pos.Line)
		if d == nil || seen[d] || ix.declInDiff(d) {
			return true
		}
		seen[d] = true
		out = append(out, d)
		return true
	})
	return out
}

// callSite is a use of an altered function.
type callSite struct {
	File   *srcFile
	Line   int
	ByName bool // matched by name only (methods, and the JS / Python index)
}

// alteredFuncs returns the functions of a changed file whose signature or body the change
// touches (not those it adds whole), and the names of functions whose declaration it deletes.
func (ix *repoIndex) alteredFuncs(sf *srcFile, f *diff.File, changed map[int]bool) (altered []*symDecl, removed []string) {
	for _, d := range sf.Decls {
		if !d.isFunc() || d.Kind == "func" && d.Name == "init" {
			continue
		}
		touched, allAdded := false, true
		for l := d.Start; l <= d.End; l++ {
			if changed[l] {
				touched = true
			}
			if !ix.inDiff(sf.Path, l) {
				allAdded = false
			}
		}
		if touched && !allAdded {
			altered = append(altered, d)
		}
	}
	declared := map[string]bool{}
	for _, d := range sf.Decls {
		declared[d.Name] = true
	}
	re := removedDeclRe[sf.Lang]
	if re == nil {
		return altered, nil
	}
	for _, h := range f.Hunks {
		for _, l := range h.Lines {
			if l.Kind != diff.Deleted {
				continue
			}
			if m := re.FindStringSubmatch(l.Text); m != nil && !declared[m[1]] && len(m[1]) > 2 {
				removed = append(removed, m[1])
				declared[m[1]] = true
			}
		}
	}
	return altered, removed
}

var removedDeclRe = map[string]*regexp.Regexp{
	langGoCtx: regexp.MustCompile(`^func\s+(?:\([^)]*\)\s*)?([A-Za-z_]\w*)\s*[\[(]`),
	langJSCtx: regexp.MustCompile(`^\s*(?:export\s+(?:default\s+)?)?(?:async\s+)?function\s*\*?\s*([A-Za-z_$][\w$]*)\s*\(`),
	langPyCtx: regexp.MustCompile(`^\s*(?:async\s+)?def\s+([A-Za-z_]\w*)\s*\(`),
}

// callers returns, for each function the change alters or removes, its call sites elsewhere in
// the repository.
func (ix *repoIndex) callers(sf *srcFile, f *diff.File, changed map[int]bool) []*ctxBlock {
	if f.Status == diff.StatusAdded {
		return nil
	}
	altered, removed := ix.alteredFuncs(sf, f, changed)
	var out []*ctxBlock
	for _, d := range altered {
		var sites []callSite
		if sf.Lang == langGoCtx {
			sites = ix.goCallSites(sf, d.Name, d.Kind == "method")
		} else {
			sites = ix.indexCallSites(d)
		}
		if b := ix.callersBlock(sf.Path, fmt.Sprintf("%s %s (changed at %s:%d)", d.Kind, d.qualified(), sf.Path, d.Start), sites); b != nil {
			out = append(out, b)
		}
	}
	for _, name := range removed {
		var sites []callSite
		if sf.Lang == langGoCtx {
			sites = ix.goCallSites(sf, name, false)
		} else {
			sites = ix.indexCallSites(&symDecl{File: sf, Name: name, Kind: "func"})
		}
		if b := ix.callersBlock(sf.Path, fmt.Sprintf("%s (removed from %s)", name, sf.Path), sites); b != nil {
			out = append(out, b)
		}
	}
	return out
}

// callersBlock renders call sites: each with the signature of its enclosing function and two
// lines either side.
func (ix *repoIndex) callersBlock(forPath, what string, sites []callSite) *ctxBlock {
	if len(sites) == 0 {
		return nil
	}
	var b strings.Builder
	byName := false
	for i, s := range sites {
		if i == maxCallSites {
			fmt.Fprintf(&b, "… %d more call sites not shown\n", len(sites)-maxCallSites)
			break
		}
		byName = byName || s.ByName
		encl := s.File.declAtLine(s.Line)
		fmt.Fprintf(&b, "--- %s:%d", s.File.Path, s.Line)
		if encl != nil {
			fmt.Fprintf(&b, " in %s %s", encl.Kind, encl.qualified())
		}
		b.WriteByte('\n')
		if encl != nil && encl.Start < s.Line-2 {
			b.WriteString(numbered(s.File.Lines, encl.Start, min(encl.SigEnd, s.Line-3)))
			if encl.SigEnd < s.Line-3 {
				b.WriteString("    …\n")
			}
		}
		b.WriteString(numbered(s.File.Lines, s.Line-2, s.Line+2))
	}
	label := "callers of " + what
	if byName {
		label += "; matched by name"
	}
	return &ctxBlock{Kind: ctxCaller, Key: "callers:" + what, For: forPath, Label: label, Text: b.String()}
}

// goCallSites finds the references to a function or method of the package of sf: bare in the
// files of the same package, qualified by the import name in files that import it, and for a
// method any selector with its name in those files (by name: no type information across
// packages).
func (ix *repoIndex) goCallSites(sf *srcFile, name string, method bool) []callSite {
	dir := path.Dir(sf.Path)
	ipath := ix.goImportPath(dir)
	var out []callSite
	for _, f := range ix.scan(langGoCtx) {
		if f.Go == nil || !f.mentions(name) {
			continue
		}
		samePkg := path.Dir(f.Path) == dir && f.GoPkg == sf.GoPkg
		local := ""
		if !samePkg && ipath != "" {
			for _, ir := range f.Imports {
				if ir.Spec == ipath {
					local = ir.Name
					if local == "" {
						local = sf.GoPkg
					}
				}
			}
			if local == "" || local == "_" {
				continue
			}
		}
		if !samePkg && ipath == "" {
			continue
		}
		lines := map[int]bool{}
		ast.Inspect(f.Go, func(n ast.Node) bool {
			switch x := n.(type) {
			case *ast.FuncDecl:
				if x.Name.Name == name && f == sf {
					// the declaration itself: look inside its body only
					if x.Body != nil {
						ast.Inspect(x.Body, func(m ast.Node) bool { return ix.goRefAt(m, name, method, samePkg, local, lines) })
					}
					return false
				}
			}
			return ix.goRefAt(n, name, method, samePkg, local, lines)
		})
		var ls []int
		for l := range lines {
			if !ix.inDiff(f.Path, l) {
				ls = append(ls, l)
			}
		}
		sort.Ints(ls)
		for _, l := range ls {
			out = append(out, callSite{File: f, Line: l, ByName: method})
		}
	}
	return out
}

// goRefAt records the line of n when it refers to name; it returns whether to descend.
func (ix *repoIndex) goRefAt(n ast.Node, name string, method, samePkg bool, local string, lines map[int]bool) bool {
	switch x := n.(type) {
	case *ast.SelectorExpr:
		if x.Sel.Name != name {
			return true
		}
		if method {
			lines[ix.fset.Position(x.Sel.Pos()).Line] = true
			return true
		}
		if id, ok := x.X.(*ast.Ident); ok && !samePkg && id.Name == local {
			lines[ix.fset.Position(x.Sel.Pos()).Line] = true
		}
		return false // a field or method of the same name, not the function
	case *ast.Ident:
		if !method && samePkg && x.Name == name {
			lines[ix.fset.Position(x.Pos()).Line] = true
		}
	case *ast.KeyValueExpr:
		// struct literal keys of the same name are not references
		ast.Inspect(x.Value, func(m ast.Node) bool { return ix.goRefAt(m, name, method, samePkg, local, lines) })
		if _, isIdent := x.Key.(*ast.Ident); !isIdent {
			ast.Inspect(x.Key, func(m ast.Node) bool { return ix.goRefAt(m, name, method, samePkg, local, lines) })
		}
		return false
	}
	return true
}

// ---- similar helpers (pattern drift) ----

// similar returns, for each function the change adds whole, the existing functions of the
// repository that look most like it by name and body tokens.
func (ix *repoIndex) similar(sf *srcFile, f *diff.File) []*ctxBlock {
	if sf.Lang == "" {
		return nil
	}
	var fresh []*symDecl
	for _, d := range sf.Decls {
		if !d.isFunc() {
			continue
		}
		all := true
		for l := d.Start; l <= d.End && all; l++ {
			all = ix.inDiff(sf.Path, l)
		}
		if all {
			fresh = append(fresh, d)
		}
	}
	if len(fresh) == 0 {
		return nil
	}
	pool := ix.scan(sf.Lang)
	var out []*ctxBlock
	for _, nd := range fresh {
		type scored struct {
			d *symDecl
			s float64
		}
		var best []scored
		nt, bt := nd.tokens()
		if len(nt) == 0 {
			continue
		}
		for _, pf := range pool {
			for _, d := range pf.Decls {
				if !d.isFunc() || d == nd || ix.declInDiff(d) || strings.HasSuffix(d.File.Path, "_test.go") != strings.HasSuffix(sf.Path, "_test.go") {
					continue
				}
				dn, db := d.tokens()
				jn, jb := jaccard(nt, dn), jaccard(bt, db)
				if jn == 0 && jb < 0.5 {
					continue
				}
				s := 0.6*jn + 0.4*jb
				if s < 0.3 {
					continue
				}
				best = append(best, scored{d, s})
			}
		}
		sort.SliceStable(best, func(i, j int) bool { return best[i].s > best[j].s })
		for i := 0; i < len(best) && i < maxSimilarPerFunc; i++ {
			b := ix.declBlock(ctxSimilar, sf.Path, best[i].d, fmt.Sprintf("an existing helper similar to the new %s %s, score %.2f", nd.Kind, nd.qualified(), best[i].s))
			b.Key = "similar:" + b.Key
			out = append(out, b)
		}
	}
	return out
}

var stopTokens = map[string]bool{"get": true, "set": true, "new": true, "the": true, "to": true, "of": true, "and": true,
	"err": true, "ctx": true, "nil": true, "return": true, "func": true, "if": true, "def": true, "self": true,
	"const": true, "let": true, "var": true, "this": true, "for": true, "in": true, "is": true, "none": true, "true": true,
	"false": true, "null": true, "undefined": true, "async": true, "await": true, "function": true, "string": true, "int": true,
	"error": true, "range": true, "else": true, "fmt": true}

// tokens returns the lower-case word tokens of the declaration's name and of its body.
func (d *symDecl) tokens() (name, body map[string]bool) {
	if d.tokName != nil {
		return d.tokName, d.tokBody
	}
	d.tokName, d.tokBody = map[string]bool{}, map[string]bool{}
	for _, w := range splitWords(d.Name) {
		if !stopTokens[w] && len(w) > 1 {
			d.tokName[w] = true
		}
	}
	for l := d.Start; l <= d.End && l <= len(d.File.Lines) && l < d.Start+200; l++ {
		for _, id := range identRe.FindAllString(d.File.Lines[l-1], -1) {
			for _, w := range splitWords(id) {
				if !stopTokens[w] && len(w) > 2 {
					d.tokBody[w] = true
				}
			}
		}
	}
	return d.tokName, d.tokBody
}

// splitWords splits camelCase, PascalCase, snake_case and kebab names into lower-case words.
func splitWords(s string) []string {
	var out []string
	var cur []rune
	rs := []rune(s)
	flush := func() {
		if len(cur) > 0 {
			out = append(out, strings.ToLower(string(cur)))
			cur = cur[:0]
		}
	}
	for i, r := range rs {
		switch {
		case r == '_' || r == '-' || r == '$' || r == '#':
			flush()
		case unicode.IsUpper(r):
			if i > 0 && (unicode.IsLower(rs[i-1]) || i+1 < len(rs) && unicode.IsLower(rs[i+1]) && unicode.IsUpper(rs[i-1])) {
				flush()
			}
			cur = append(cur, r)
		default:
			cur = append(cur, r)
		}
	}
	flush()
	return out
}

func jaccard(a, b map[string]bool) float64 {
	if len(a) == 0 || len(b) == 0 {
		return 0
	}
	inter := 0
	for k := range a {
		if b[k] {
			inter++
		}
	}
	return float64(inter) / float64(len(a)+len(b)-inter)
}

// ---- sibling libraries (pattern drift) ----

var libCategories = []struct{ cat, re string }{
	{"logging", `(?i)(^|[/.@-])(log|logs|logger|logging|logrus|zap|zerolog|slog|glog|klog|winston|pino|bunyan|loguru|structlog)([/.-]|$)`},
	{"errors", `(?i)(^|/)(errors|xerrors|pkg/errors|multierr|eris|cockroachdb/errors)$`},
	{"HTTP", `(?i)(net/http|gin-gonic|labstack/echo|go-chi|gorilla/mux|fiber|resty|axios|node-fetch|got|ky|express|fastify|koa|requests|httpx|aiohttp|urllib3|flask|django|fastapi|starlette)`},
	{"tests", `(?i)(^testing$|testify|gomock|go-cmp|gotest\.tools|ginkgo|gomega|jest|vitest|mocha|chai|sinon|@testing-library|pytest|unittest|hypothesis|nose)`},
	{"config", `(?i)(viper|envconfig|koanf|dotenv|pydantic|yaml|toml)`},
	{"database", `(?i)(database/sql|gorm|sqlx|pgx|ent|prisma|typeorm|sequelize|knex|mongoose|sqlalchemy|psycopg|pymongo)`},
}

var libCategoryRe = func() []*regexp.Regexp {
	out := make([]*regexp.Regexp, len(libCategories))
	for i, c := range libCategories {
		out[i] = regexp.MustCompile(c.re)
	}
	return out
}()

func libCategory(spec string) string {
	for i, re := range libCategoryRe {
		if re.MatchString(spec) {
			return libCategories[i].cat
		}
	}
	return ""
}

// siblingLibraries lists the libraries the other files of a changed file's directory import,
// with how many use each, marking the ones the changed file does not import.
func (ix *repoIndex) siblingLibraries(sf *srcFile) *ctxBlock {
	if sf.Lang == "" {
		return nil
	}
	dir := path.Dir(sf.Path)
	count := map[string]int{}
	siblings := 0
	for _, p := range ix.all {
		if p == sf.Path || path.Dir(p) != dir || ctxLangOf(p) != sf.Lang {
			continue
		}
		if strings.HasSuffix(p, "_test.go") != strings.HasSuffix(sf.Path, "_test.go") {
			continue
		}
		f := ix.changed[p]
		if f == nil {
			f = ix.file(p)
		}
		if f == nil {
			continue
		}
		siblings++
		seen := map[string]bool{}
		for _, ir := range f.Imports {
			if strings.HasPrefix(ir.Spec, ".") || seen[ir.Spec] {
				continue
			}
			seen[ir.Spec] = true
			count[ir.Spec]++
		}
	}
	if len(count) == 0 {
		return nil
	}
	own := map[string]bool{}
	for _, ir := range sf.Imports {
		own[ir.Spec] = true
	}
	specs := make([]string, 0, len(count))
	for s := range count {
		specs = append(specs, s)
	}
	sort.Slice(specs, func(i, j int) bool {
		ci, cj := libCategory(specs[i]) != "", libCategory(specs[j]) != ""
		if ci != cj {
			return ci
		}
		if count[specs[i]] != count[specs[j]] {
			return count[specs[i]] > count[specs[j]]
		}
		return specs[i] < specs[j]
	})
	var b strings.Builder
	fmt.Fprintf(&b, "Imports of the %d other %s files in %s/:\n", siblings, langName(sf.Lang), dir)
	for i, s := range specs {
		if i == 25 {
			fmt.Fprintf(&b, "… %d more\n", len(specs)-25)
			break
		}
		line := fmt.Sprintf("- %s: %d file(s)", s, count[s])
		if c := libCategory(s); c != "" {
			line += " [" + c + "]"
		}
		if own[s] {
			line += " (also imported by " + path.Base(sf.Path) + ")"
		}
		b.WriteString(line + "\n")
	}
	var ownOnly []string
	for _, ir := range sf.Imports {
		if count[ir.Spec] == 0 && !strings.HasPrefix(ir.Spec, ".") {
			ownOnly = append(ownOnly, ir.Spec)
		}
	}
	if len(ownOnly) > 0 {
		fmt.Fprintf(&b, "Imported by %s but by no sibling: %s\n", path.Base(sf.Path), strings.Join(ownOnly, ", "))
	}
	return &ctxBlock{Kind: ctxLibraries, Key: "libs:" + sf.Path, For: sf.Path,
		Label: fmt.Sprintf("libraries used by the files next to %s", sf.Path), Text: b.String()}
}

func langName(l string) string {
	switch l {
	case langGoCtx:
		return "Go"
	case langJSCtx:
		return "JavaScript/TypeScript"
	case langPyCtx:
		return "Python"
	}
	return l
}
