package config

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
)

// MaxFileBytes is the largest configuration file accepted. A .wfreview.yml comes from the reviewed
// repository, so its size is capped before it is parsed.
const MaxFileBytes = 256 << 10

// position is a 1-based line and column; the zero value means unknown.
type position struct{ line, col int }

// document is a parsed configuration file: the problems found so far and, for every key and list
// element present in the file, where it is. Paths are written like "checks.security.severity" and
// "custom_checks[1].id".
type document struct {
	file   string
	keyPos map[string]position // position of the key of a mapping entry
	valPos map[string]position // position of a value (mapping entry or list element)
	null   map[string]bool     // present but null (`key:` or `key: ~`)
	errs   Errors
}

func newDocument(file string) *document {
	return &document{
		file:   file,
		keyPos: map[string]position{},
		valPos: map[string]position{},
		null:   map[string]bool{},
	}
}

// errorf records a problem at p.
func (d *document) errorf(p position, format string, args ...any) {
	d.errs = append(d.errs, &Error{File: d.file, Line: p.line, Column: p.col, Msg: fmt.Sprintf(format, args...)})
}

// err returns the problems found, sorted by position, or nil.
func (d *document) err() error {
	if len(d.errs) == 0 {
		return nil
	}
	return d.errs.sorted()
}

// has reports whether path is present in the file with a non-null value.
func (d *document) has(path string) bool {
	_, ok := d.valPos[path]
	return ok && !d.null[path]
}

// at returns the position of the value at the first of paths present in the file. Callers list
// ancestors as fallbacks, so a problem about a missing key points at the entry that lacks it.
func (d *document) at(paths ...string) position {
	for _, p := range paths {
		if pos, ok := d.valPos[p]; ok {
			return pos
		}
	}
	return position{}
}

// keyAt is like at but prefers the position of the key.
func (d *document) keyAt(paths ...string) position {
	for _, p := range paths {
		if pos, ok := d.keyPos[p]; ok {
			return pos
		}
		if pos, ok := d.valPos[p]; ok {
			return pos
		}
	}
	return position{}
}

// decodeYAML parses data, checks it against the shape of v (unknown keys, wrong kinds of values),
// and decodes it into v, which must point to a struct. An empty file leaves v untouched. The returned
// document indexes the positions of everything present; the error, if any, is Errors.
func decodeYAML(file string, data []byte, v any) (*document, error) {
	d := newDocument(file)
	if len(data) > MaxFileBytes {
		d.errorf(position{}, "file is %d bytes; the limit is %d", len(data), MaxFileBytes)
		return d, d.err()
	}
	f, err := parser.ParseBytes(data, 0)
	if err != nil {
		d.addYAMLError(err)
		return d, d.err()
	}
	var body ast.Node
	for _, doc := range f.Docs {
		if doc == nil || doc.Body == nil {
			continue
		}
		if body != nil {
			d.errorf(nodePos(doc.Body), "the file holds more than one YAML document; expected one")
			return d, d.err()
		}
		body = doc.Body
	}
	if body == nil {
		return d, nil
	}
	if _, ok := body.(*ast.NullNode); ok {
		return d, nil
	}
	d.walk(body, reflect.TypeOf(v).Elem(), "")
	if len(d.errs) > 0 {
		return d, d.err()
	}
	if err := yaml.NodeToValue(body, v, yaml.Strict()); err != nil {
		// The walk above catches the mistakes a user makes; this is the decoder's own word on
		// whatever it did not foresee (an alias to a value of the wrong kind, an overflow).
		d.addYAMLError(err)
		return d, d.err()
	}
	return d, nil
}

// addYAMLError records an error from go-yaml with the position of its token. Only the message is
// kept, never the source excerpt go-yaml would print, so values from the file are not echoed.
func (d *document) addYAMLError(err error) {
	var ye yaml.Error
	if errors.As(err, &ye) {
		var p position
		if tk := ye.GetToken(); tk != nil && tk.Position != nil {
			p = position{tk.Position.Line, tk.Position.Column}
		}
		d.errorf(p, "%s", ye.GetMessage())
		return
	}
	d.errorf(position{}, "invalid YAML: %s", err.Error())
}

// nodePos is where a node starts: for a block mapping go-yaml's own token is the first ':', so
// the first key is used instead.
func nodePos(n ast.Node) position {
	switch n := n.(type) {
	case nil:
		return position{}
	case *ast.MappingNode:
		if !n.IsFlowStyle && len(n.Values) > 0 {
			return nodePos(n.Values[0])
		}
	case *ast.MappingValueNode:
		return nodePos(n.Key)
	}
	tk := n.GetToken()
	if tk == nil || tk.Position == nil {
		return position{}
	}
	return position{tk.Position.Line, tk.Position.Column}
}

var durationType = reflect.TypeFor[time.Duration]()

// walk checks node n against Go type t, recording positions and problems. It reports every unknown
// key and every value of the wrong kind, not just the first.
func (d *document) walk(n ast.Node, t reflect.Type, path string) {
	switch nn := n.(type) {
	case nil:
		return
	case *ast.AnchorNode:
		d.walk(nn.Value, t, path)
		return
	case *ast.AliasNode:
		return // resolved and checked by the decoder
	case *ast.TagNode:
		d.errorf(nodePos(n), "%s: YAML tags such as %s are not supported", label(path), nn.Start.Value)
		return
	case *ast.NullNode:
		return // null leaves the default in place
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == durationType {
		s, ok := n.(*ast.StringNode)
		if !ok {
			d.errorf(nodePos(n), "%s: expected a duration such as 90s or 2m, got %s", label(path), kindOf(n))
			return
		}
		if _, err := time.ParseDuration(s.Value); err != nil {
			d.errorf(nodePos(n), "%s: %q is not a duration such as 90s or 2m", label(path), clip(s.Value))
		}
		return
	}
	switch t.Kind() {
	case reflect.Struct:
		pairs, ok := mappingPairs(n)
		if !ok {
			d.errorf(nodePos(n), "%s: expected a mapping, got %s", label(path), kindOf(n))
			return
		}
		fields, names := yamlFields(t)
		for _, mv := range pairs {
			if _, ok := mv.Key.(*ast.MergeKeyNode); ok {
				continue // "<<: *anchor"; the decoder merges and checks it
			}
			key := keyString(mv.Key)
			f, ok := fields[key]
			if !ok {
				where := ""
				if path != "" {
					where = " in " + path
				}
				d.errorf(nodePos(mv.Key), "unknown key %q%s; known keys: %s", clip(key), where, strings.Join(names, ", "))
				continue
			}
			d.walkEntry(mv, f.Type, join(path, key))
		}
	case reflect.Map:
		pairs, ok := mappingPairs(n)
		if !ok {
			d.errorf(nodePos(n), "%s: expected a mapping, got %s", label(path), kindOf(n))
			return
		}
		for _, mv := range pairs {
			if _, ok := mv.Key.(*ast.MergeKeyNode); ok {
				continue
			}
			d.walkEntry(mv, t.Elem(), join(path, keyString(mv.Key)))
		}
	case reflect.Slice:
		seq, ok := n.(*ast.SequenceNode)
		if !ok {
			d.errorf(nodePos(n), "%s: expected a list, got %s", label(path), kindOf(n))
			return
		}
		for i, e := range seq.Values {
			p := fmt.Sprintf("%s[%d]", path, i)
			d.valPos[p] = nodePos(e)
			if isNull(e) {
				d.null[p] = true
			}
			d.walk(e, t.Elem(), p)
		}
	case reflect.String:
		switch n.(type) {
		case *ast.StringNode, *ast.LiteralNode, *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode:
		default:
			d.errorf(nodePos(n), "%s: expected a string, got %s", label(path), kindOf(n))
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		if _, ok := n.(*ast.IntegerNode); !ok {
			d.errorf(nodePos(n), "%s: expected an integer, got %s", label(path), kindOf(n))
		}
	case reflect.Float32, reflect.Float64:
		switch n.(type) {
		case *ast.IntegerNode, *ast.FloatNode:
		default:
			d.errorf(nodePos(n), "%s: expected a number, got %s", label(path), kindOf(n))
		}
	case reflect.Bool:
		if _, ok := n.(*ast.BoolNode); !ok {
			d.errorf(nodePos(n), "%s: expected true or false, got %s", label(path), kindOf(n))
		}
	}
}

// walkEntry records the positions of one mapping entry and walks its value.
func (d *document) walkEntry(mv *ast.MappingValueNode, t reflect.Type, path string) {
	d.keyPos[path] = nodePos(mv.Key)
	d.valPos[path] = nodePos(mv.Value)
	if isNull(mv.Value) {
		// "key:" with nothing after it: point at the key, not past the colon.
		d.valPos[path] = nodePos(mv.Key)
		d.null[path] = true
	}
	d.walk(mv.Value, t, path)
}

func isNull(n ast.Node) bool {
	_, ok := n.(*ast.NullNode)
	return ok
}

// mappingPairs returns the entries of a mapping node.
func mappingPairs(n ast.Node) ([]*ast.MappingValueNode, bool) {
	switch n := n.(type) {
	case *ast.MappingNode:
		return n.Values, true
	case *ast.MappingValueNode:
		return []*ast.MappingValueNode{n}, true
	}
	return nil, false
}

func keyString(k ast.MapKeyNode) string {
	if s, ok := k.(*ast.StringNode); ok {
		return s.Value
	}
	if tk := k.GetToken(); tk != nil {
		return tk.Value
	}
	return k.String()
}

// yamlFields maps the YAML names of t's fields to the fields, the way go-yaml names them: the yaml
// tag, else the json tag, else the lowercased field name. names lists them in declaration order.
func yamlFields(t reflect.Type) (map[string]reflect.StructField, []string) {
	fields := map[string]reflect.StructField{}
	var names []string
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("yaml")
		if tag == "" {
			tag = f.Tag.Get("json")
		}
		name, _, _ := strings.Cut(tag, ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		fields[name] = f
		names = append(names, name)
	}
	return fields, names
}

// kindOf names the kind of a YAML value for an error message, never its content.
func kindOf(n ast.Node) string {
	switch n.(type) {
	case *ast.MappingNode, *ast.MappingValueNode:
		return "a mapping"
	case *ast.SequenceNode:
		return "a list"
	case *ast.StringNode, *ast.LiteralNode:
		return "a string"
	case *ast.IntegerNode:
		return "an integer"
	case *ast.FloatNode, *ast.InfinityNode, *ast.NanNode:
		return "a number"
	case *ast.BoolNode:
		return "a boolean"
	case *ast.NullNode:
		return "null"
	}
	return "a " + strings.ToLower(n.Type().String())
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func label(path string) string {
	if path == "" {
		return "top level"
	}
	return path
}

// clip shortens user text quoted in a message.
func clip(s string) string {
	const max = 60
	if r := []rune(s); len(r) > max {
		return string(r[:max]) + "…"
	}
	return s
}
