package checklist

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/printer"
	"go/token"
	"io/fs"
	"path"
	"slices"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/wfreview/wfreview/diff"
)

// novelty tells a declaration the change adds from one it only re-formats, re-indents, moves or
// renames. An added diff line is not enough: gofmt re-aligns the fields of a struct when one of them
// is renamed, a moved function is all added lines in its new place, and a renamed file or type keeps
// its members. The issue-12 analyzers (ReimplementedHelpers, NeedlessAbstraction) report a
// declaration only when it did not exist at base:
//
//   - its line, whitespace-normalised, is not a deleted line of any file of the same language in the
//     change (a re-aligned field, a re-indented or moved declaration);
//   - no declaration of the same kind and name existed at base in the same enclosing scope: for Go,
//     the package directory and the enclosing type (a field, an interface method, a method) or none
//     (a type, a function); for JavaScript/TypeScript and Python, the file (its old path when it
//     was renamed) and the enclosing class;
//   - it is not a renamed one (Go): a type whose base twin, gone at head, has the same text apart
//     from the name or at least half of the same members; a function with the same text apart from
//     the name. Members of a renamed type are looked up under its base name.
//
// The base text of each changed file is rebuilt from the head file and the diff's hunks (a deleted
// file is all deleted lines), so no base checkout is needed. A file whose base cannot be rebuilt
// makes every declaration of its scope (Go: its directory; others: the file) count as old.
type novelty struct {
	added map[string]lineSet
	movedLines
	// goBase are the Go declarations at base of the changed files, per package directory, keyed by
	// goDeclKey; goHead those of the same files at head.
	goBase map[string]map[string]goDecl
	goHead map[string]map[string]goDecl
	// goRenamed maps a package directory and the key of a head declaration to the base declaration
	// it was renamed from.
	goRenamed map[string]map[string]goDecl
	// names are the function names (enclosing class included) of JS/TS and Python files at base, by
	// head path.
	names map[string]map[string]bool
	// unknown scopes: Go package directories and other files whose base could not be rebuilt.
	unknown map[string]bool
}

// goDecl is one Go declaration: a type, a function or method, a struct field or an interface
// method.
type goDecl struct {
	kind      string // goDeclType, goDeclFunc, goDeclMethod, goDeclField, goDeclIfaceMethod
	enclosing string // the type of a field or method ("" for types and functions)
	name      string
	typeKind  string   // for types: struct, interface or other
	members   []string // for types: field or method names
	body      string   // normalised text of the declaration with its name blanked (renames)
}

const (
	goDeclType        = "type"
	goDeclFunc        = "func"
	goDeclMethod      = "method"
	goDeclField       = "field"
	goDeclIfaceMethod = "imethod"
)

func goDeclKey(kind, enclosing, name string) string { return kind + "\x00" + enclosing + "\x00" + name }

func (d goDecl) key() string { return goDeclKey(d.kind, d.enclosing, d.name) }

// newNovelty reads the change's files of the given languages (driftLang values) at head and rebuilds
// them at base.
func newNovelty(ctx context.Context, in *Input, langs ...string) (*novelty, error) {
	n := &novelty{
		added: addedLineSet(in), movedLines: newMovedLines(in.Diff, langs...),
		goBase: map[string]map[string]goDecl{}, goHead: map[string]map[string]goDecl{},
		goRenamed: map[string]map[string]goDecl{}, names: map[string]map[string]bool{},
		unknown: map[string]bool{},
	}
	want := map[string]bool{}
	for _, l := range langs {
		want[l] = true
	}
	// the Go sources read, per package directory, for the texts of declarations (goDeclTexts)
	goSrcs := map[string][]goSource{}
	for _, f := range in.Diff.Files {
		lang := driftLang(f.Path())
		if lang == "" || !want[lang] {
			continue
		}
		// Files no analyzer looks at only lend their deleted lines (a declaration moved out of them).
		if (lang == "go" && goIgnoredPath(f.Path())) || (lang != "go" && driftExcludedPath(f.Path())) {
			continue
		}
		base, head, ok, err := fileVersions(ctx, in, f)
		if err != nil {
			return nil, err
		}
		if lang == "go" {
			dirs := goDirsOf(f)
			if !ok {
				for _, d := range dirs {
					n.unknown[d] = true
				}
				continue
			}
			for _, d := range dirs {
				n.goBase[d] = addGoDecls(n.goBase[d], f.OldPath, base, false)
				goSrcs[d] = append(goSrcs[d], goSource{name: f.OldPath, src: base})
			}
			if f.NewPath != "" {
				d := pathDir(f.NewPath)
				n.goHead[d] = addGoDecls(n.goHead[d], f.NewPath, head, false)
				goSrcs[d] = append(goSrcs[d], goSource{name: f.NewPath, src: head, head: true})
			}
			continue
		}
		if f.NewPath == "" {
			continue
		}
		if !ok {
			n.unknown[f.NewPath] = true
			continue
		}
		set := map[string]bool{}
		if base != nil {
			for _, s := range extractShapes(lang, f.OldPath, base) {
				set[shapeNameKey(lang, f.OldPath, s)] = true
			}
		}
		n.names[f.NewPath] = set
	}
	n.goDeclTexts(goSrcs)
	n.findGoRenames()
	return n, nil
}

// goSource is one version of a changed Go file.
type goSource struct {
	name string
	src  []byte
	head bool
}

// goDeclTexts reads again, with the texts of their declarations, the package directories where a
// declaration of base is gone at head: only there can one be renamed (findGoRenames). Printing every
// declaration of a large change costs more than the rest of the analysis.
func (n *novelty) goDeclTexts(srcs map[string][]goSource) {
	for dir, head := range n.goHead {
		gone := false
		for k, d := range n.goBase[dir] {
			if d.kind == goDeclType || d.kind == goDeclFunc || d.kind == goDeclMethod {
				if _, still := head[k]; !still {
					gone = true
					break
				}
			}
		}
		if !gone {
			continue
		}
		base, head := map[string]goDecl{}, map[string]goDecl{}
		for _, s := range srcs[dir] {
			if s.head {
				head = addGoDecls(head, s.name, s.src, true)
			} else {
				base = addGoDecls(base, s.name, s.src, true)
			}
		}
		n.goBase[dir], n.goHead[dir] = base, head
	}
}

// goDirsOf returns the package directories a changed Go file belongs to at base and head.
func goDirsOf(f *diff.File) []string {
	var out []string
	if f.OldPath != "" {
		out = append(out, pathDir(f.OldPath))
	}
	if f.NewPath != "" && (f.OldPath == "" || pathDir(f.NewPath) != pathDir(f.OldPath)) {
		out = append(out, pathDir(f.NewPath))
	}
	return out
}

func pathDir(p string) string {
	d := path.Dir(p)
	if d == "." {
		return ""
	}
	return d
}

// fileVersions returns a changed file's source at base (nil when the change adds it) and at head
// (nil when it deletes it). ok is false when the base cannot be rebuilt: no patch, or hunks that do
// not fit the head file.
func fileVersions(ctx context.Context, in *Input, f *diff.File) (base, head []byte, ok bool, err error) {
	pureRename := f.NoPatch && f.Additions == 0 && f.Deletions == 0 && f.OldPath != "" && f.NewPath != ""
	if f.Binary || (f.NoPatch && !pureRename) {
		return nil, nil, false, nil
	}
	if f.NewPath != "" {
		head, err = in.Tree.ReadFile(ctx, f.NewPath)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil, false, nil
		}
		if err != nil {
			return nil, nil, false, fmt.Errorf("read %s: %w", f.NewPath, err)
		}
	}
	if f.OldPath == "" {
		return nil, head, true, nil
	}
	if f.NewPath == "" {
		var b strings.Builder
		for _, h := range f.Hunks {
			for _, l := range h.Lines {
				if l.Kind == diff.Deleted {
					b.WriteString(l.Text)
					b.WriteByte('\n')
				}
			}
		}
		return []byte(b.String()), nil, true, nil
	}
	if pureRename {
		return head, head, true, nil
	}
	base, ok = rebuildBase(head, f)
	return base, head, ok, nil
}

// rebuildBase applies the file's hunks backwards to its head text. ok is false when a context or
// added line of a hunk is not the head file's line of that number.
func rebuildBase(head []byte, f *diff.File) ([]byte, bool) {
	lines := strings.Split(string(head), "\n")
	if len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	hunks := make([]diff.Hunk, len(f.Hunks))
	copy(hunks, f.Hunks)
	sort.SliceStable(hunks, func(i, j int) bool { return hunks[i].NewStart < hunks[j].NewStart })
	var out []string
	next := 1 // the next head line to copy
	headLine := func(n int) (string, bool) {
		if n < 1 || n > len(lines) {
			return "", false
		}
		return strings.TrimSuffix(lines[n-1], "\r"), true
	}
	for _, h := range hunks {
		start := h.NewStart // the hunk's first head line; "+c,0" deletes after line c
		if h.NewLines == 0 {
			start++
		}
		for next < start {
			s, ok := headLine(next)
			if !ok {
				return nil, false
			}
			out = append(out, s)
			next++
		}
		for _, l := range h.Lines {
			switch l.Kind {
			case diff.Deleted:
				out = append(out, l.Text)
			default:
				s, ok := headLine(l.NewLine)
				if !ok || s != l.Text || l.NewLine != next {
					return nil, false
				}
				if l.Kind == diff.Context {
					out = append(out, s)
				}
				next++
			}
		}
	}
	for ; next <= len(lines); next++ {
		s, _ := headLine(next)
		out = append(out, s)
	}
	return []byte(strings.Join(out, "\n") + "\n"), true
}

// normLine is a line without the whitespace that does not separate two words: gofmt's alignment,
// indentation and spacing around operators do not change it.
func normLine(s string) string {
	s = strings.TrimSpace(s)
	var b strings.Builder
	space := false
	var prev rune
	for _, r := range s {
		if unicode.IsSpace(r) {
			space = true
			continue
		}
		if space && isWordRune(prev) && isWordRune(r) {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
		prev = r
	}
	return b.String()
}

func isWordRune(r rune) bool {
	return r == '_' || r == '$' || unicode.IsLetter(r) || unicode.IsDigit(r) || r >= utf8.RuneSelf
}

// movedLines holds the change's added lines (their text, per head path) and its normalised deleted
// lines (per language, driftLang): an added line whose text the change deletes in a file of the
// same language was moved or re-indented, not written.
type movedLines struct {
	addedText map[string]map[int]string
	deleted   map[string]map[string]bool
}

// newMovedLines reads d's files of langs (every language driftLang knows when none is given).
func newMovedLines(d *diff.Index, langs ...string) movedLines {
	m := movedLines{addedText: map[string]map[int]string{}, deleted: map[string]map[string]bool{}}
	for _, f := range d.Files {
		lang := driftLang(f.Path())
		if lang == "" || (len(langs) > 0 && !slices.Contains(langs, lang)) {
			continue
		}
		if m.deleted[lang] == nil {
			m.deleted[lang] = map[string]bool{}
		}
		for _, h := range f.Hunks {
			for _, l := range h.Lines {
				switch l.Kind {
				case diff.Deleted:
					if s := normLine(l.Text); s != "" {
						m.deleted[lang][s] = true
					}
				case diff.Added:
					if f.NewPath != "" {
						if m.addedText[f.NewPath] == nil {
							m.addedText[f.NewPath] = map[int]string{}
						}
						m.addedText[f.NewPath][l.NewLine] = l.Text
					}
				}
			}
		}
	}
	return m
}

// lineMoved reports whether the head line at path:line is not one the change wrote: not an added
// line, or, normalised, a deleted line of the change.
func (m movedLines) lineMoved(lang, p string, line int) bool {
	text, ok := m.addedText[p][line]
	return !ok || m.deleted[lang][normLine(text)]
}

// goNew reports whether the Go declaration at path:line (of the kind, in the enclosing type, named
// name) is added by the change.
func (n *novelty) goNew(p string, line int, kind, enclosing, name string) bool {
	if !n.added[p].has(line) || n.lineMoved("go", p, line) {
		return false
	}
	dir := pathDir(p)
	if n.unknown[dir] {
		return false
	}
	base := n.goBase[dir]
	if _, ok := base[goDeclKey(kind, enclosing, name)]; ok {
		return false
	}
	switch kind {
	case goDeclField, goDeclIfaceMethod, goDeclMethod:
		if enclosing != "" {
			if from, ok := n.goRenamed[dir][goDeclKey(goDeclType, "", enclosing)]; ok {
				if _, ok := base[goDeclKey(kind, from.name, name)]; ok {
					return false
				}
			}
		}
	}
	if _, ok := n.goRenamed[dir][goDeclKey(kind, enclosing, name)]; ok {
		return false
	}
	return true
}

// shapeNew reports whether a function shape of a changed file is added by the change.
func (n *novelty) shapeNew(s *fnShape) bool {
	if !n.added[s.path].has(s.line) || n.lineMoved(s.lang, s.path, s.line) {
		return false
	}
	if s.lang == "go" {
		enclosing, name := goShapeScope(s)
		kind := goDeclFunc
		if enclosing != "" {
			kind = goDeclMethod
		}
		return n.goNew(s.path, s.line, kind, enclosing, name)
	}
	if n.unknown[s.path] {
		return false
	}
	return !n.names[s.path][shapeNameKey(s.lang, s.path, s)]
}

// goShapeScope splits a Go shape's display name (pkg.Func or pkg.Type.Method) into the receiver
// type and the name.
func goShapeScope(s *fnShape) (enclosing, name string) {
	parts := strings.Split(s.name, ".")
	if s.method != "" && len(parts) >= 3 {
		return parts[len(parts)-2], s.method
	}
	return "", parts[len(parts)-1]
}

// shapeNameKey is a function's name without the module prefix pyShapes gives it (a renamed file
// keeps its functions).
func shapeNameKey(lang, p string, s *fnShape) string {
	if lang == "python" && s.method == "" {
		return strings.TrimPrefix(s.name, strings.TrimSuffix(path.Base(p), ".py")+".")
	}
	return s.name
}

// addGoDecls parses a Go source and adds its declarations to set (nil src: nothing), with their
// normalised texts when withText is set. A file that does not parse adds what the parser recovered.
func addGoDecls(set map[string]goDecl, name string, src []byte, withText bool) map[string]goDecl {
	if set == nil {
		set = map[string]goDecl{}
	}
	if src == nil {
		return set
	}
	fset := token.NewFileSet()
	f, _ := parser.ParseFile(fset, name, src, parser.SkipObjectResolution)
	if f == nil {
		return set
	}
	text := func(n ast.Node, blank *ast.Ident) string {
		if !withText {
			return ""
		}
		saved := ""
		if blank != nil {
			saved, blank.Name = blank.Name, "_"
		}
		var b bytes.Buffer
		_ = printer.Fprint(&b, fset, n)
		if blank != nil {
			blank.Name = saved
		}
		return normLine(strings.Join(strings.Fields(b.String()), " "))
	}
	for _, decl := range f.Decls {
		switch d := decl.(type) {
		case *ast.FuncDecl:
			gd := goDecl{kind: goDeclFunc, name: d.Name.Name}
			if d.Recv != nil && len(d.Recv.List) > 0 {
				gd.kind, gd.enclosing = goDeclMethod, goRecvName(d.Recv.List[0].Type)
			}
			doc := d.Doc
			d.Doc = nil
			gd.body = text(d, d.Name)
			d.Doc = doc
			set[gd.key()] = gd
		case *ast.GenDecl:
			if d.Tok != token.TYPE {
				continue
			}
			for _, spec := range d.Specs {
				ts := spec.(*ast.TypeSpec)
				gd := goDecl{kind: goDeclType, name: ts.Name.Name, typeKind: "other", body: text(ts.Type, nil)}
				switch t := ts.Type.(type) {
				case *ast.StructType:
					gd.typeKind = "struct"
					for _, fl := range t.Fields.List {
						names := fl.Names
						if len(names) == 0 {
							names = []*ast.Ident{{Name: embeddedName(fl.Type)}}
						}
						for _, id := range names {
							gd.members = append(gd.members, id.Name)
							set[goDeclKey(goDeclField, ts.Name.Name, id.Name)] = goDecl{kind: goDeclField, enclosing: ts.Name.Name, name: id.Name}
						}
					}
				case *ast.InterfaceType:
					gd.typeKind = "interface"
					for _, m := range t.Methods.List {
						for _, id := range m.Names {
							gd.members = append(gd.members, id.Name)
							set[goDeclKey(goDeclIfaceMethod, ts.Name.Name, id.Name)] = goDecl{kind: goDeclIfaceMethod, enclosing: ts.Name.Name, name: id.Name}
						}
					}
				}
				set[gd.key()] = gd
			}
		}
	}
	return set
}

// embeddedName is the field name of an embedded field's type.
func embeddedName(e ast.Expr) string {
	switch t := e.(type) {
	case *ast.StarExpr:
		return embeddedName(t.X)
	case *ast.SelectorExpr:
		return t.Sel.Name
	case *ast.IndexExpr:
		return embeddedName(t.X)
	case *ast.IndexListExpr:
		return embeddedName(t.X)
	case *ast.Ident:
		return t.Name
	}
	return "?"
}

// findGoRenames pairs each type and function of a package that is new by name with a base one that
// is gone at head and looks the same. Types go first: a method keeps its name when its receiver
// type is renamed.
func (n *novelty) findGoRenames() {
	for dir, head := range n.goHead {
		base := n.goBase[dir]
		var gone []goDecl
		for k, d := range base {
			if d.kind != goDeclType && d.kind != goDeclFunc && d.kind != goDeclMethod {
				continue
			}
			if _, still := head[k]; !still {
				gone = append(gone, d)
			}
		}
		if len(gone) == 0 {
			continue
		}
		sort.Slice(gone, func(i, j int) bool { return gone[i].key() < gone[j].key() })
		var fresh []goDecl
		for k, d := range head {
			if _, existed := base[k]; !existed && (d.kind == goDeclType || d.kind == goDeclFunc || d.kind == goDeclMethod) {
				fresh = append(fresh, d)
			}
		}
		sort.Slice(fresh, func(i, j int) bool {
			if (fresh[i].kind == goDeclType) != (fresh[j].kind == goDeclType) {
				return fresh[i].kind == goDeclType
			}
			return fresh[i].key() < fresh[j].key()
		})
		renamed := map[string]goDecl{}
		for _, d := range fresh {
			bestCommon := 0
			for _, g := range gone {
				if g.kind != d.kind {
					continue
				}
				if d.kind == goDeclMethod && g.enclosing != d.enclosing {
					if from, ok := renamed[goDeclKey(goDeclType, "", d.enclosing)]; !ok || from.name != g.enclosing {
						continue
					}
				}
				if g.body == d.body && d.body != "" {
					renamed[d.key()] = g
					break
				}
				if d.kind != goDeclType || g.typeKind != d.typeKind {
					continue
				}
				common := commonCount(d.members, g.members)
				if common > 0 && 2*common >= max(len(d.members), len(g.members)) && common > bestCommon {
					bestCommon = common
					renamed[d.key()] = g
				}
			}
		}
		n.goRenamed[dir] = renamed
	}
}

func commonCount(a, b []string) int {
	set := map[string]bool{}
	for _, s := range a {
		set[s] = true
	}
	n := 0
	for _, s := range b {
		if set[s] {
			n++
			delete(set, s)
		}
	}
	return n
}
