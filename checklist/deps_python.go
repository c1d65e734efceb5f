package checklist

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/wfreview/wfreview/diff"
)

// pyStdlib is sys.stdlib_module_names of Python 3.13.
var pyStdlib = depSetOf(strings.Fields(`
	__future__ _abc _aix_support _android_support _ast _asyncio _bisect _blake2 _bz2 _codecs _codecs_cn _codecs_hk
	_codecs_iso2022 _codecs_jp _codecs_kr _codecs_tw _collections _collections_abc _colorize _compat_pickle
	_compression _contextvars _csv _ctypes _curses _curses_panel _datetime _dbm _decimal _elementtree
	_frozen_importlib _frozen_importlib_external _functools _gdbm _hashlib _heapq _imp _interpchannels
	_interpqueues _interpreters _io _ios_support _json _locale _lsprof _lzma _markupbase _md5 _multibytecodec
	_multiprocessing _opcode _opcode_metadata _operator _osx_support _overlapped _pickle _posixshmem
	_posixsubprocess _py_abc _pydatetime _pydecimal _pyio _pylong _pyrepl _queue _random _scproxy _sha1 _sha2
	_sha3 _signal _sitebuiltins _socket _sqlite3 _sre _ssl _stat _statistics _string _strptime _struct
	_suggestions _symtable _sysconfig _thread _threading_local _tkinter _tokenize _tracemalloc _typing _uuid
	_warnings _weakref _weakrefset _winapi _wmi _zoneinfo abc antigravity argparse array ast asyncio atexit base64
	bdb binascii bisect builtins bz2 cProfile calendar cmath cmd code codecs codeop collections colorsys
	compileall concurrent configparser contextlib contextvars copy copyreg csv ctypes curses dataclasses datetime
	dbm decimal difflib dis doctest email encodings ensurepip enum errno faulthandler fcntl filecmp fileinput
	fnmatch fractions ftplib functools gc genericpath getopt getpass gettext glob graphlib grp gzip hashlib heapq
	hmac html http idlelib imaplib importlib inspect io ipaddress itertools json keyword linecache locale logging
	lzma mailbox marshal math mimetypes mmap modulefinder msvcrt multiprocessing netrc nt ntpath nturl2path
	numbers opcode operator optparse os pathlib pdb pickle pickletools pkgutil platform plistlib poplib posix
	posixpath pprint profile pstats pty pwd py_compile pyclbr pydoc pydoc_data pyexpat queue quopri random re
	readline reprlib resource rlcompleter runpy sched secrets select selectors shelve shlex shutil signal site
	smtplib socket socketserver sqlite3 sre_compile sre_constants sre_parse ssl stat statistics string stringprep
	struct subprocess symtable sys sysconfig syslog tabnanny tarfile tempfile termios textwrap this threading time
	timeit tkinter token tokenize tomllib trace traceback tracemalloc tty turtle turtledemo types typing
	unicodedata unittest urllib uuid venv warnings wave weakref webbrowser winreg winsound wsgiref xml xmlrpc
	zipapp zipfile zipimport zlib zoneinfo
`)...)

// pyRemovedStdlib are standard-library modules removed in Python 3.8-3.13 that older code still
// imports (distutils, imp, asyncore, ...).
var pyRemovedStdlib = depSetOf(strings.Fields(`
	_bootsubprocess _crypt _dummy_thread _msi _sha256 _sha512 aifc asynchat asyncore audioop binhex cgi cgitb
	chunk crypt distutils dummy_threading formatter imghdr imp lib2to3 macpath mailcap msilib nis nntplib
	ossaudiodev parser pipes smtpd sndhdr spwd sunau symbol telnetlib uu xdrlib
`)...)

// pyPython2Stdlib are Python 2 standard-library names. Importing them from Python 3 is a bug, but
// not a missing dependency: no distribution provides them.
var pyPython2Stdlib = depSetOf(strings.Fields(`
	__builtin__ anydbm BaseHTTPServer CGIHTTPServer commands ConfigParser Cookie cookielib copy_reg cPickle
	cStringIO dbhash dircache dumbdbm exceptions gdbm htmlentitydefs HTMLParser httplib md5 mimetools
	mimetools multifile mutex new popen2 Queue repr robotparser sets sha SimpleHTTPServer SimpleXMLRPCServer
	SocketServer StringIO thread Tkinter tkMessageBox ttk urllib2 urlparse UserDict UserList UserString
	whichdb xmlrpclib`)...)

// pyAmbient are modules nearly every Python environment has without a declaration: the packaging
// tools and the test runner (often installed by CI or tox rather than the manifest).
var pyAmbient = depSetOf("pip", "setuptools", "pkg_resources", "wheel", "pytest", "_pytest", "__main__")

// pyStubOnly are modules that exist only for type checkers (typeshed's _typeshed): importable in
// stubs and under TYPE_CHECKING, never at run time, and provided by no distribution.
var pyStubOnly = depSetOf("_typeshed")

// pyRunnerModule is the module a task-runner file imports from the runner that executes it (often
// installed globally rather than declared).
var pyRunnerModule = map[string]string{"noxfile.py": "nox", "tasks.py": "invoke", "fabfile.py": "fabric", "dodo.py": "doit"}

// pyImportDists maps import names (a top-level module or a dotted prefix) to the distributions that
// provide them, for the usual cases where the two differ. Names equal to their distribution (after
// PEP 503 normalisation, dots and underscores as dashes) need no entry.
var pyImportDists = map[string][]string{
	"yaml": {"pyyaml"}, "PIL": {"pillow", "pillow-simd"}, "griffe": {"griffe", "griffelib"}, "phue": {"phue", "phue2"},
	"redminelib": {"python-redmine"}, "glide": {"valkey-glide"}, "glide_sync": {"valkey-glide-sync"},
	"autogen": {"autogen", "pyautogen", "ag2"},
	"cv2":     {"opencv-python", "opencv-python-headless", "opencv-contrib-python", "opencv-contrib-python-headless"},
	"sklearn": {"scikit-learn"}, "skimage": {"scikit-image"}, "bs4": {"beautifulsoup4"},
	"dateutil": {"python-dateutil"}, "dotenv": {"python-dotenv"}, "jwt": {"pyjwt"},
	"google.protobuf": {"protobuf"}, "attr": {"attrs"}, "Crypto": {"pycryptodome", "pycrypto"},
	"Cryptodome": {"pycryptodomex"}, "OpenSSL": {"pyopenssl"}, "magic": {"python-magic", "python-magic-bin"},
	"serial": {"pyserial"}, "usb": {"pyusb"}, "gi": {"pygobject"}, "cairo": {"pycairo"},
	"win32api": {"pywin32"}, "win32con": {"pywin32"}, "win32com": {"pywin32"}, "win32gui": {"pywin32"},
	"win32file": {"pywin32"}, "win32process": {"pywin32"}, "win32event": {"pywin32"}, "win32service": {"pywin32"},
	"win32serviceutil": {"pywin32"}, "win32clipboard": {"pywin32"}, "pythoncom": {"pywin32"}, "pywintypes": {"pywin32"},
	"MySQLdb": {"mysqlclient"}, "psycopg2": {"psycopg2", "psycopg2-binary"}, "psycopg": {"psycopg", "psycopg-binary"},
	"zmq": {"pyzmq"}, "Levenshtein": {"python-levenshtein", "levenshtein"}, "docx": {"python-docx"},
	"pptx": {"python-pptx"}, "fitz": {"pymupdf"}, "grpc": {"grpcio"},
	"grpc_tools": {"grpcio-tools"}, "grpc_health": {"grpcio-health-checking"}, "grpc_status": {"grpcio-status"},
	"grpc_reflection": {"grpcio-reflection"}, "jose": {"python-jose"}, "multipart": {"python-multipart"},
	"telegram": {"python-telegram-bot"}, "slugify": {"python-slugify"}, "websocket": {"websocket-client"},
	"googleapiclient": {"google-api-python-client"}, "google.oauth2": {"google-auth"},
	"google.api": {"googleapis-common-protos"}, "google.rpc": {"googleapis-common-protos"},
	"google.type": {"googleapis-common-protos"}, "mpl_toolkits": {"matplotlib"}, "pylab": {"matplotlib"},
	"Xlib": {"python-xlib"}, "OpenGL": {"pyopengl"}, "wx": {"wxpython"}, "nacl": {"pynacl"},
	"kafka": {"kafka-python", "kafka-python-ng"}, "memcache": {"python-memcached"}, "ldap": {"python-ldap"},
	"dns": {"dnspython"}, "github": {"pygithub"}, "gitlab": {"python-gitlab"}, "git": {"gitpython"},
	"jenkins": {"python-jenkins"}, "consul": {"python-consul", "python-consul2"}, "Bio": {"biopython"},
	"vlc": {"python-vlc"}, "socketio": {"python-socketio"}, "engineio": {"python-engineio"},
	"environ": {"django-environ"}, "rest_framework": {"djangorestframework"},
	"rest_framework_simplejwt": {"djangorestframework-simplejwt"}, "corsheaders": {"django-cors-headers"},
	"django_filters": {"django-filter"}, "debug_toolbar": {"django-debug-toolbar"},
	"crispy_forms": {"django-crispy-forms"}, "allauth": {"django-allauth"}, "storages": {"django-storages"},
	"strawberry": {"strawberry-graphql"}, "pyximport": {"cython"}, "Cython": {"cython"},
	"snappy": {"python-snappy"}, "pdfminer": {"pdfminer.six"}, "speech_recognition": {"speechrecognition"},
	"nmap": {"python-nmap"}, "mongo": {"pymongo"}, "bson": {"pymongo"}, "gridfs": {"pymongo"},
	"cassandra": {"cassandra-driver"}, "nats": {"nats-py"}, "argon2": {"argon2-cffi"},
	"barcode": {"python-barcode"}, "frontmatter": {"python-frontmatter"}, "dbus": {"dbus-python"},
	"board": {"adafruit-blinka"}, "busio": {"adafruit-blinka"}, "digitalio": {"adafruit-blinka"},
	"antlr4": {"antlr4-python3-runtime"}, "past": {"future"}, "libfuturize": {"future"},
	"cattr": {"cattrs"}, "pydispatch": {"pydispatcher"}, "xdist": {"pytest-xdist"}, "factory": {"factory-boy"},
	"vcr": {"vcrpy"}, "pythonjsonlogger": {"python-json-logger"}, "faiss": {"faiss-cpu", "faiss-gpu"},
	"pinecone": {"pinecone", "pinecone-client"}, "weaviate": {"weaviate-client"},
	"airflow": {"apache-airflow"}, "dbt": {"dbt-core"}, "osgeo": {"gdal"}, "igraph": {"python-igraph", "igraph"},
	"slack": {"slackclient"}, "whisper": {"openai-whisper"}, "telebot": {"pytelegrambotapi"},
	"decouple": {"python-decouple"}, "hydra": {"hydra-core"}, "gflags": {"python-gflags"},
	"absl": {"absl-py"}, "umap": {"umap-learn"}, "bluetooth": {"pybluez"}, "can": {"python-can"},
	"snap7": {"python-snap7"}, "benedict": {"python-benedict"}, "box": {"python-box"},
	"clr": {"pythonnet"}, "jnius": {"pyjnius"}, "jpype": {"jpype1"}, "objc": {"pyobjc", "pyobjc-core"},
	"Foundation": {"pyobjc", "pyobjc-framework-cocoa"}, "AppKit": {"pyobjc", "pyobjc-framework-cocoa"},
	"Quartz": {"pyobjc", "pyobjc-framework-quartz"}, "rtmidi": {"python-rtmidi"},
	"smbclient": {"smbprotocol"}, "cchardet": {"cchardet", "faust-cchardet"},
	"brotli": {"brotli", "brotlipy", "brotlicffi"}, "lark": {"lark", "lark-parser"},
	"docker": {"docker", "docker-py"}, "zstd": {"zstd", "zstandard"}, "pkg_resources": {"setuptools"},
	"_cffi_backend": {"cffi"}, "ruamel": {"ruamel.yaml"}, "pynvml": {"pynvml", "nvidia-ml-py"},
	"playwright": {"playwright", "pytest-playwright"}, "llama_cpp": {"llama-cpp-python"},
	"soundfile": {"soundfile", "pysoundfile"}, "Image": {"pillow"}, "tflite_runtime": {"tflite-runtime"},
	"tensorflow": {"tensorflow", "tensorflow-cpu", "tensorflow-gpu", "tensorflow-macos", "tf-nightly"},
	"torch":      {"torch", "pytorch"},
}

// normalizePyName normalises a distribution name per PEP 503: lowercase, runs of -, _ and . as one -.
func normalizePyName(name string) string {
	var b strings.Builder
	dash := false
	for _, c := range strings.ToLower(strings.TrimSpace(name)) {
		if c == '-' || c == '_' || c == '.' {
			dash = true
			continue
		}
		if dash && b.Len() > 0 {
			b.WriteByte('-')
		}
		dash = false
		b.WriteRune(c)
	}
	return b.String()
}

// pyImport is a module imported by an absolute import statement.
type pyImport struct {
	module    string
	line      int  // line of the module name
	optional  bool // inside try/except ImportError (or with suppress(ImportError))
	generated bool // imports protobuf-generated modules (x_pb2) from it
}

// pyTok is a token of the small Python lexer.
type pyTok struct {
	kind byte // 'n' name, 's' string, 'o' operator, 'x' other
	text string
	line int
}

// pyLogical is one logical line: its indentation and tokens.
type pyLogical struct {
	indent int
	toks   []pyTok
}

func (l pyLogical) first() string {
	if len(l.toks) == 0 || l.toks[0].kind != 'n' {
		return ""
	}
	return l.toks[0].text
}

// hasName reports whether any name token of the line is one of names.
func (l pyLogical) hasName(names ...string) bool {
	for _, t := range l.toks {
		if t.kind != 'n' {
			continue
		}
		for _, n := range names {
			if t.text == n {
				return true
			}
		}
	}
	return false
}

var pyStringPrefixes = depSetOf("r", "u", "b", "f", "t", "br", "rb", "fr", "rf", "tr", "rt")

// lexPython splits Python source into logical lines of tokens, skipping comments and the content
// of strings (docstrings that show import statements are not imports).
func lexPython(src []byte) []pyLogical {
	var lines []pyLogical
	var cur pyLogical
	line, depth := 1, 0
	atLineStart := true
	col := 0
	n := len(src)
	flush := func() {
		if len(cur.toks) > 0 {
			lines = append(lines, cur)
		}
		cur = pyLogical{}
	}
	emit := func(t pyTok) {
		if len(cur.toks) == 0 {
			cur.indent = col
		}
		cur.toks = append(cur.toks, t)
	}
	for i := 0; i < n; {
		c := src[i]
		if atLineStart {
			col = 0
			for i < n && (src[i] == ' ' || src[i] == '\t' || src[i] == '\f') {
				if src[i] == '\t' {
					col = (col/8 + 1) * 8
				} else {
					col++
				}
				i++
			}
			atLineStart = false
			continue
		}
		switch {
		case c == '\n':
			line++
			i++
			if depth == 0 {
				flush()
				atLineStart = true
			}
		case c == '\\' && i+1 < n && (src[i+1] == '\n' || src[i+1] == '\r'):
			i++
			if src[i] == '\r' && i+1 < n && src[i+1] == '\n' {
				i++
			}
			i++
			line++
		case c == '#':
			for i < n && src[i] != '\n' {
				i++
			}
		case c == ' ' || c == '\t' || c == '\r' || c == '\f':
			i++
		case c == '\'' || c == '"':
			start := line
			i = skipPyString(src, i, &line)
			emit(pyTok{kind: 's', line: start})
		case isPyIdentStart(c):
			start := i
			for i < n && isPyIdentByte(src[i]) {
				i++
			}
			word := string(src[start:i])
			if i < n && (src[i] == '\'' || src[i] == '"') && pyStringPrefixes[strings.ToLower(word)] {
				sl := line
				i = skipPyString(src, i, &line)
				emit(pyTok{kind: 's', line: sl})
				continue
			}
			emit(pyTok{kind: 'n', text: word, line: line})
		default:
			switch c {
			case '(', '[', '{':
				depth++
			case ')', ']', '}':
				if depth > 0 {
					depth--
				}
			}
			text := string(c)
			if c == ':' && i+1 < n && src[i+1] == '=' {
				text = ":="
				i++
			}
			emit(pyTok{kind: 'o', text: text, line: line})
			i++
		}
	}
	flush()
	return lines
}

// skipPyString skips the string literal starting at the quote src[i] and returns the index after it.
func skipPyString(src []byte, i int, line *int) int {
	n := len(src)
	q := src[i]
	triple := i+2 < n && src[i+1] == q && src[i+2] == q
	if triple {
		i += 3
		for i < n {
			switch {
			case src[i] == '\\':
				if i+1 < n && src[i+1] == '\n' {
					*line++
				}
				i += 2
				continue
			case src[i] == '\n':
				*line++
			case src[i] == q && i+2 < n && src[i+1] == q && src[i+2] == q:
				return i + 3
			}
			i++
		}
		return n
	}
	i++
	for i < n && src[i] != q && src[i] != '\n' {
		if src[i] == '\\' && i+1 < n {
			if src[i+1] == '\n' {
				*line++
			}
			i++
		}
		i++
	}
	if i < n && src[i] == q {
		i++
	}
	return i
}

func isPyIdentStart(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}

func isPyIdentByte(c byte) bool { return isPyIdentStart(c) || c >= '0' && c <= '9' }

var pyCompoundKeywords = depSetOf("if", "elif", "else", "try", "except", "finally", "for", "while", "with", "def", "class", "async")

// pythonImports returns the absolute imports of a Python file (relative imports and __future__
// are left out).
func pythonImports(src []byte) []pyImport {
	lines := lexPython(src)
	var out []pyImport
	for i, l := range lines {
		for _, stmt := range splitPyStatements(l.toks) {
			for _, imp := range parsePyImport(stmt) {
				imp.optional = pyOptionalImport(lines, i)
				out = append(out, imp)
			}
		}
	}
	return out
}

// splitPyStatements splits a logical line into simple statements: at top-level semicolons, and
// after the colon of a compound statement header ("try: import x").
func splitPyStatements(toks []pyTok) [][]pyTok {
	var out [][]pyTok
	depth, start := 0, 0
	for j := 0; j < len(toks); j++ {
		t := toks[j]
		if t.kind == 'o' {
			switch t.text {
			case "(", "[", "{":
				depth++
			case ")", "]", "}":
				depth--
			case ";":
				if depth == 0 {
					out = append(out, toks[start:j])
					start = j + 1
				}
			case ":":
				if depth == 0 && start < len(toks) && toks[start].kind == 'n' && pyCompoundKeywords[toks[start].text] && !containsLambda(toks[start:j]) {
					out = append(out, toks[start:j])
					start = j + 1
				}
			}
		}
	}
	if start < len(toks) {
		out = append(out, toks[start:])
	}
	return out
}

func containsLambda(toks []pyTok) bool {
	for _, t := range toks {
		if t.kind == 'n' && t.text == "lambda" {
			return true
		}
	}
	return false
}

// parsePyImport reads an `import a.b as c, d` or `from a.b import c` statement.
func parsePyImport(stmt []pyTok) []pyImport {
	if len(stmt) < 2 || stmt[0].kind != 'n' {
		return nil
	}
	isDot := func(t pyTok) bool { return t.kind == 'o' && t.text == "." }
	dotted := func(j int) (string, int, int) {
		if j >= len(stmt) || stmt[j].kind != 'n' {
			return "", 0, j
		}
		name, line := stmt[j].text, stmt[j].line
		j++
		for j+1 < len(stmt) && isDot(stmt[j]) && stmt[j+1].kind == 'n' {
			name += "." + stmt[j+1].text
			j += 2
		}
		return name, line, j
	}
	switch stmt[0].text {
	case "import":
		var out []pyImport
		j := 1
		for j < len(stmt) {
			name, line, next := dotted(j)
			if name == "" {
				break
			}
			out = append(out, pyImport{module: name, line: line})
			j = next
			if j+1 < len(stmt) && stmt[j].kind == 'n' && stmt[j].text == "as" {
				j += 2
			}
			if j < len(stmt) && stmt[j].kind == 'o' && stmt[j].text == "," {
				j++
				continue
			}
			break
		}
		return out
	case "from":
		j := 1
		if j < len(stmt) && isDot(stmt[j]) {
			return nil // relative import
		}
		name, line, next := dotted(j)
		if name == "" || name == "__future__" || next >= len(stmt) || stmt[next].kind != 'n' || stmt[next].text != "import" {
			return nil
		}
		imp := pyImport{module: name, line: line}
		for _, t := range stmt[next+1:] {
			// from gen.api import orders_pb2: code generated from .proto files at build time.
			imp.generated = imp.generated || t.kind == 'n' && (strings.HasSuffix(t.text, "_pb2") || strings.HasSuffix(t.text, "_pb2_grpc"))
		}
		return []pyImport{imp}
	}
	return nil
}

// pyImportErrors are the exception names whose handler makes an import optional.
var pyImportErrors = []string{"ImportError", "ModuleNotFoundError", "Exception", "BaseException"}

// pyOptionalImport reports whether the import on logical line i runs only under a guard that makes
// it optional or type-only. Every block enclosing the import counts, however deep (an import inside
// a function inside such a block too):
//   - the body of a try whose handlers catch ImportError, ModuleNotFoundError, Exception,
//     BaseException or everything, its else branch, and the bodies of those handlers (fallbacks);
//   - `with suppress(ImportError)` (or ModuleNotFoundError);
//   - `if TYPE_CHECKING:` (typing.TYPE_CHECKING, t.TYPE_CHECKING, MYPY, `if False:`), and the else of
//     `if not TYPE_CHECKING:`;
//   - every branch of an if/elif/else chain testing the interpreter or the platform
//     (sys.version_info, sys.platform, os.name, platform.system(), PY2/PY3/PYPY flags) or a feature
//     flag (has_x, HAS_X, _have_x, USE_X, x_available, x is not None, importlib.util.find_spec,
//     sys.modules).
func pyOptionalImport(lines []pyLogical, i int) bool {
	if pyGuards(lines, i) { // "if TYPE_CHECKING: import x", "try: import x"
		return true
	}
	cur := lines[i].indent
	for j := i - 1; j >= 0 && cur > 0; j-- {
		if lines[j].indent >= cur {
			continue
		}
		cur = lines[j].indent
		if pyGuards(lines, j) {
			return true
		}
	}
	return false
}

// pyGuards reports whether the block header on logical line j makes the imports in its body optional.
func pyGuards(lines []pyLogical, j int) bool {
	l := lines[j]
	switch l.first() {
	case "try":
		return pyTryCatchesImportError(lines, j)
	case "except":
		return pyHandlerCatchesImportError(l)
	case "with":
		return l.hasName("ImportError", "ModuleNotFoundError")
	case "if":
		tc, neg, env := pyConditionKind(pyCondition(l))
		return (tc && !neg) || env
	case "elif", "else":
		owner := pyBlockOwner(lines, j)
		if owner < 0 {
			return false
		}
		if lines[owner].first() == "try" {
			return l.first() == "else" && pyTryCatchesImportError(lines, owner)
		}
		if lines[owner].first() != "if" {
			return false
		}
		for k := owner; k <= j; k++ {
			if lines[k].indent != l.indent {
				continue
			}
			tc, neg, env := pyConditionKind(pyCondition(lines[k]))
			switch {
			case env:
				return true
			case k == j && tc && !neg: // elif TYPE_CHECKING:
				return true
			case k == owner && l.first() == "else" && tc && neg: // else of `if not TYPE_CHECKING:`
				return true
			}
		}
	}
	return false
}

// pyBlockOwner returns the logical line of the if/try/for/while that an elif, else, except or
// finally clause on line j belongs to, or -1.
func pyBlockOwner(lines []pyLogical, j int) int {
	t := lines[j].indent
	for k := j - 1; k >= 0; k-- {
		l := lines[k]
		if l.indent > t {
			continue
		}
		if l.indent < t {
			return -1
		}
		switch l.first() {
		case "elif", "except", "else", "finally":
			continue
		case "if", "try", "for", "while":
			return k
		}
		return -1
	}
	return -1
}

// pyCondition returns the condition tokens of an if/elif header: after the keyword, up to the colon
// that ends the header.
func pyCondition(l pyLogical) []pyTok {
	if len(l.toks) < 2 {
		return nil
	}
	depth := 0
	for k := 1; k < len(l.toks); k++ {
		t := l.toks[k]
		if t.kind != 'o' {
			continue
		}
		switch t.text {
		case "(", "[", "{":
			depth++
		case ")", "]", "}":
			depth--
		case ":":
			if depth <= 0 {
				return l.toks[1:k]
			}
		}
	}
	return l.toks[1:]
}

// pyEnvNames are names whose test in a condition selects code by interpreter version or platform.
var pyEnvNames = depSetOf("version_info", "hexversion", "platform", "system", "python_implementation", "implementation",
	"python_version", "sys_platform", "maxsize", "PY2", "PY3", "PY37", "PY38", "PY39", "PY310", "PY311", "PY312", "PY313",
	"PYPY", "IS_PYPY", "WINDOWS", "IS_WINDOWS", "WIN", "WIN32", "IS_WIN", "MACOS", "IS_MACOS", "LINUX", "IS_LINUX",
	"find_spec", "find_loader", "modules", "None")

// pyFlagNameRE matches feature-flag names: has_x, HAS_X, _have_x, USE_X, x_available, X_INSTALLED.
var pyFlagNameRE = regexp.MustCompile(`(?i)^_*(has|have|use|using|with|enable|can|supports?|allow)_|(available|installed|enabled|importable|supported|present)_*$`)

// pyConditionKind classifies a condition: a TYPE_CHECKING test (neg: negated with a leading not),
// and env: a version, platform or feature-flag test.
func pyConditionKind(cond []pyTok) (tc, neg, env bool) {
	for i, t := range cond {
		if t.kind != 'n' {
			continue
		}
		switch {
		case t.text == "TYPE_CHECKING" || t.text == "MYPY":
			tc = true
			neg = i > 0 && cond[0].kind == 'n' && cond[0].text == "not"
		case t.text == "name" && i > 1 && cond[i-1].text == "." && cond[i-2].text == "os":
			env = true
		case pyEnvNames[t.text] || pyFlagNameRE.MatchString(t.text):
			env = true
		}
	}
	if len(cond) == 1 && cond[0].kind == 'n' && cond[0].text == "False" {
		tc = true
	}
	return tc, neg, env
}

// pyHandlerCatchesImportError reports whether an except clause catches ImportError, one of its
// bases, or everything.
func pyHandlerCatchesImportError(l pyLogical) bool {
	if len(l.toks) > 1 && l.toks[1].kind == 'o' && l.toks[1].text == ":" {
		return true // bare except
	}
	return l.hasName(pyImportErrors...)
}

// pyTryCatchesImportError reports whether the try statement on logical line j has a handler for
// ImportError, one of its bases, or a bare except.
func pyTryCatchesImportError(lines []pyLogical, j int) bool {
	t := lines[j].indent
	for k := j + 1; k < len(lines); k++ {
		l := lines[k]
		if l.indent > t {
			continue
		}
		if l.indent < t {
			return false
		}
		switch l.first() {
		case "except":
			if pyHandlerCatchesImportError(l) {
				return true
			}
		case "else", "finally":
		default:
			return false
		}
	}
	return false
}

// pyEnv is what Python imports resolve against: every Python manifest of the repository.
type pyEnv struct {
	manifests []string          // manifest files read
	declared  map[string]bool   // normalised distribution names
	locks     []string          // lock files, read only when an import is otherwise unresolved
	locked    map[string]string // normalised name -> lock file, once read
	local     map[string]bool   // top-level module names that exist in the repository
	projects  map[string]bool   // normalised names of the repository's own projects
}

// isRequirementsFile reports pip requirement files: *requirements*.txt|.in, constraints*.txt and
// .txt/.in files in a requirements/ directory.
func isRequirementsFile(p string) bool {
	base := path.Base(p)
	ext := path.Ext(base)
	if ext != ".txt" && ext != ".in" {
		return false
	}
	if strings.Contains(base, "requirements") || strings.HasPrefix(base, "constraints") {
		return true
	}
	return path.Base(depDirOf(p)) == "requirements"
}

// pyIgnoredDir reports directories that hold installed or generated Python code, not the project.
func pyIgnoredDir(p string) bool {
	return depHasPathElem(p, "node_modules", ".venv", "venv", "site-packages", ".tox", ".nox", "__pypackages__", ".git")
}

// pythonEnv builds (once) the Python resolution environment.
func (r *depsRun) pythonEnv() *pyEnv {
	if r.py != nil {
		return r.py
	}
	e := &pyEnv{declared: map[string]bool{}, local: map[string]bool{}, projects: map[string]bool{}}
	r.py = e
	for _, f := range r.files {
		if pyIgnoredDir(f) {
			continue
		}
		base := path.Base(f)
		switch ext := path.Ext(base); ext {
		case ".py", ".pyi", ".pyx", ".pxd", ".so", ".pyd", ".proto":
			// Modules generated from .proto files (x_pb2, x_pb2_grpc) live next to them.
			mod, _, _ := strings.Cut(base, ".")
			e.local[mod] = true
			if ext == ".proto" {
				e.local[mod+"_pb2"], e.local[mod+"_pb2_grpc"] = true, true
			}
			for _, part := range strings.Split(depDirOf(f), "/") {
				if part != "" {
					e.local[part] = true
				}
			}
		}
		var names []string
		switch {
		case isRequirementsFile(f):
			names = r.requirementsNames(f, map[string]bool{})
		case base == "pyproject.toml":
			names = r.pyprojectNames(f, e)
		case base == "setup.cfg":
			names = r.setupCfgNames(f, e)
		case base == "setup.py":
			names = r.setupPyNames(f, e)
		case base == "Pipfile":
			names = r.pipfileNames(f)
		case base == "environment.yml" || base == "environment.yaml":
			names = r.condaNames(f)
		case isDockerfile(base):
			// Its packages count as declared, but a Dockerfile alone does not make the repository
			// a Python project whose imports are checked.
			for _, n := range dockerPipNames(string(r.readOptional(f))) {
				if n = normalizePyName(n); n != "" {
					e.declared[n] = true
				}
			}
			continue
		case base == "tox.ini":
			names = r.iniNames(f, func(section, key string) bool { return key == "deps" })
		case isPyLockFile(base):
			e.locks = append(e.locks, f)
			continue
		default:
			continue
		}
		e.manifests = append(e.manifests, f)
		for _, n := range names {
			if n = normalizePyName(n); n != "" {
				e.declared[n] = true
			}
		}
	}
	return e
}

// reqNameRE matches the distribution name at the start of a PEP 508 requirement.
var reqNameRE = regexp.MustCompile(`^\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)`)

// eggRE finds the #egg= name of a VCS or URL requirement.
var eggRE = regexp.MustCompile(`[#&]egg=([A-Za-z0-9][A-Za-z0-9._-]*)`)

// pep508Name returns the distribution name of a PEP 508 requirement string ("requests[socks]>=2;
// python_version<'3.9'", "pkg @ https://..."), or "".
func pep508Name(req string) string {
	m := reqNameRE.FindStringSubmatch(req)
	if m == nil {
		return ""
	}
	rest := strings.TrimSpace(req[len(m[0]):])
	if rest != "" && !strings.ContainsAny(rest[:1], "[<>=!~;@(,") {
		return "" // not a requirement: "some text"
	}
	return m[1]
}

// reqLine is one requirement of a requirements file.
type reqLine struct {
	name     string
	line     int  // first physical line
	plain    bool // from the index (not -e, URL, path or "name @ url")
	include  string
	isOption bool // an option line such as --index-url
	option   string
}

// parseRequirements reads a pip requirements file, joining continuation lines.
func parseRequirements(data []byte) []reqLine {
	var out []reqLine
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	lineNo, start := 0, 0
	var buf strings.Builder
	for sc.Scan() {
		lineNo++
		text := strings.TrimRight(sc.Text(), "\r")
		if buf.Len() == 0 {
			start = lineNo
		}
		if strings.HasSuffix(text, "\\") {
			buf.WriteString(strings.TrimSuffix(text, "\\"))
			buf.WriteByte(' ')
			continue
		}
		buf.WriteString(text)
		full := buf.String()
		buf.Reset()
		if rl, ok := parseRequirementLine(full); ok {
			rl.line = start
			out = append(out, rl)
		}
	}
	return out
}

func parseRequirementLine(s string) (reqLine, bool) {
	// Strip a comment: # at the start or after whitespace (a URL fragment such as #egg= stays).
	if i := strings.Index(s, "#"); i == 0 {
		s = ""
	} else if i > 0 {
		for j := 1; j < len(s); j++ {
			if s[j] == '#' && (s[j-1] == ' ' || s[j-1] == '\t') {
				s = s[:j]
				break
			}
		}
	}
	s = strings.TrimSpace(s)
	if s == "" {
		return reqLine{}, false
	}
	if strings.HasPrefix(s, "-") {
		opt := strings.Fields(s)[0]
		val := strings.TrimSpace(strings.TrimPrefix(s, opt))
		if k := strings.Index(opt, "="); k >= 0 { // --opt=value
			val, opt = strings.TrimSpace(opt[k+1:]+" "+val), opt[:k]
		}
		switch opt {
		case "-r", "--requirement", "-c", "--constraint":
			return reqLine{include: val}, true
		case "-e", "--editable":
			if m := eggRE.FindStringSubmatch(val); m != nil {
				return reqLine{name: m[1]}, true
			}
			return reqLine{}, false
		}
		if strings.HasPrefix(s, "-r") && len(s) > 2 {
			return reqLine{include: strings.TrimSpace(s[2:])}, true
		}
		return reqLine{isOption: true, option: opt}, true
	}
	if strings.Contains(s, "://") || strings.HasPrefix(s, ".") || strings.HasPrefix(s, "/") {
		if m := eggRE.FindStringSubmatch(s); m != nil {
			return reqLine{name: m[1]}, true
		}
		return reqLine{}, false
	}
	name := pep508Name(s)
	if name == "" {
		return reqLine{}, false
	}
	rest := strings.TrimSpace(s[strings.Index(s, name)+len(name):])
	if strings.HasPrefix(rest, "[") {
		if k := strings.Index(rest, "]"); k >= 0 {
			rest = strings.TrimSpace(rest[k+1:])
		}
	}
	return reqLine{name: name, plain: !strings.HasPrefix(rest, "@")}, true
}

// requirementsNames returns the names a requirements file declares, following -r/-c includes.
func (r *depsRun) requirementsNames(p string, seen map[string]bool) []string {
	if seen[p] || len(seen) > 50 {
		return nil
	}
	seen[p] = true
	data := r.readOptional(p)
	var names []string
	for _, rl := range parseRequirements(data) {
		switch {
		case rl.include != "":
			names = append(names, r.requirementsNames(depJoin(depDirOf(p), rl.include), seen)...)
		case rl.name != "":
			names = append(names, rl.name)
		}
	}
	return names
}

// requirementStrings collects PEP 508 strings from a decoded TOML value (string or array of strings).
func requirementStrings(v any) []string {
	var out []string
	switch x := v.(type) {
	case string:
		out = append(out, x)
	case []any:
		for _, it := range x {
			if s, ok := it.(string); ok {
				out = append(out, s)
			}
		}
	case []string:
		out = append(out, x...)
	}
	return out
}

// tomlPath walks nested tables of a decoded TOML document.
func tomlPath(doc map[string]any, keys ...string) any {
	var cur any = doc
	for _, k := range keys {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[k]
	}
	return cur
}

func tomlTable(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

// pyprojectDeps returns the PEP 508 strings of a pyproject's dependency arrays, the keys of its
// Poetry dependency tables, and its project names.
func pyprojectDeps(doc map[string]any) (reqs, poetry, projects []string) {
	reqs = append(reqs, requirementStrings(tomlPath(doc, "project", "dependencies"))...)
	for _, v := range tomlTable(tomlPath(doc, "project", "optional-dependencies")) {
		reqs = append(reqs, requirementStrings(v)...)
	}
	for _, v := range tomlTable(doc["dependency-groups"]) {
		reqs = append(reqs, requirementStrings(v)...)
	}
	reqs = append(reqs, requirementStrings(tomlPath(doc, "build-system", "requires"))...)
	reqs = append(reqs, requirementStrings(tomlPath(doc, "tool", "uv", "dev-dependencies"))...)
	reqs = append(reqs, requirementStrings(tomlPath(doc, "tool", "rye", "dev-dependencies"))...)
	for _, v := range tomlTable(tomlPath(doc, "tool", "pdm", "dev-dependencies")) {
		reqs = append(reqs, requirementStrings(v)...)
	}
	for _, env := range tomlTable(tomlPath(doc, "tool", "hatch", "envs")) {
		reqs = append(reqs, requirementStrings(tomlPath(tomlTable(env), "dependencies"))...)
		reqs = append(reqs, requirementStrings(tomlPath(tomlTable(env), "extra-dependencies"))...)
	}
	reqs = append(reqs, requirementStrings(tomlPath(doc, "tool", "flit", "metadata", "requires"))...)
	for _, v := range tomlTable(tomlPath(doc, "tool", "flit", "metadata", "requires-extra")) {
		reqs = append(reqs, requirementStrings(v)...)
	}
	for _, tbl := range []any{tomlPath(doc, "tool", "poetry", "dependencies"), tomlPath(doc, "tool", "poetry", "dev-dependencies")} {
		for k := range tomlTable(tbl) {
			poetry = append(poetry, k)
		}
	}
	for _, g := range tomlTable(tomlPath(doc, "tool", "poetry", "group")) {
		for k := range tomlTable(tomlPath(tomlTable(g), "dependencies")) {
			poetry = append(poetry, k)
		}
	}
	for _, k := range []string{"project", "tool.poetry"} {
		parts := strings.Split(k, ".")
		if name, ok := tomlPath(doc, append(parts, "name")...).(string); ok {
			projects = append(projects, name)
		}
	}
	return reqs, poetry, projects
}

// pyprojectNames returns the names a pyproject.toml declares and records its project names.
func (r *depsRun) pyprojectNames(p string, e *pyEnv) []string {
	data := r.readOptional(p)
	if data == nil {
		return nil
	}
	var doc map[string]any
	if err := toml.Unmarshal(data, &doc); err != nil {
		r.note("hallucinated-dependencies: could not parse %s: %v", p, err)
		return nil
	}
	reqs, poetry, projects := pyprojectDeps(doc)
	var names []string
	for _, s := range reqs {
		if n := pep508Name(s); n != "" {
			names = append(names, n)
		}
	}
	for _, n := range poetry {
		if n != "python" {
			names = append(names, n)
		}
	}
	for _, n := range projects {
		e.projects[normalizePyName(n)] = true
	}
	return names
}

// iniSections parses an INI file into section -> key -> value, joining indented continuation lines.
func iniSections(data []byte) map[string]map[string]string {
	out := map[string]map[string]string{}
	section, key := "", ""
	for _, raw := range strings.Split(string(data), "\n") {
		line := strings.TrimRight(raw, "\r")
		trimmed := strings.TrimSpace(line)
		if trimmed == "" || strings.HasPrefix(trimmed, "#") || strings.HasPrefix(trimmed, ";") {
			continue
		}
		if strings.HasPrefix(trimmed, "[") && strings.HasSuffix(trimmed, "]") && line[0] == '[' {
			section, key = strings.TrimSpace(trimmed[1:len(trimmed)-1]), ""
			if out[section] == nil {
				out[section] = map[string]string{}
			}
			continue
		}
		if (line[0] == ' ' || line[0] == '\t') && key != "" {
			out[section][key] += "\n" + trimmed
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			k, v, ok = strings.Cut(line, ":")
		}
		if !ok {
			continue
		}
		key = strings.TrimSpace(k)
		if out[section] == nil {
			out[section] = map[string]string{}
		}
		out[section][key] = strings.TrimSpace(v)
	}
	return out
}

// iniNames returns the requirement names in the values of the selected keys of an INI file.
func (r *depsRun) iniNames(p string, want func(section, key string) bool) []string {
	var names []string
	for section, kv := range iniSections(r.readOptional(p)) {
		for k, v := range kv {
			if !want(section, k) {
				continue
			}
			for _, line := range strings.FieldsFunc(v, func(c rune) bool { return c == '\n' || c == ',' }) {
				line = strings.TrimSpace(line)
				if strings.HasPrefix(line, "-") || strings.HasPrefix(line, "{") {
					continue
				}
				if n := pep508Name(line); n != "" {
					names = append(names, n)
				}
			}
		}
	}
	return names
}

// setupCfgNames returns the requirements of a setup.cfg and records its project name.
func (r *depsRun) setupCfgNames(p string, e *pyEnv) []string {
	if name := iniSections(r.readOptional(p))["metadata"]["name"]; name != "" {
		e.projects[normalizePyName(name)] = true
	}
	return r.iniNames(p, func(section, key string) bool {
		return section == "options.extras_require" ||
			(section == "options" && (key == "install_requires" || key == "tests_require" || key == "setup_requires"))
	})
}

var (
	pyStringLitRE   = regexp.MustCompile(`['"]([^'"\n]{1,200})['"]`)
	setupPyNameRE   = regexp.MustCompile(`\bname\s*=\s*['"]([^'"\n]+)['"]`)
	setupPyReqShape = regexp.MustCompile(`^\s*[A-Za-z0-9][A-Za-z0-9._-]*\s*(\[[^\]]*\])?\s*([<>=!~;@].*)?$`)
)

// setupPyNames takes every string literal of setup.py shaped like a requirement: generous on
// purpose, since setup.py is code.
func (r *depsRun) setupPyNames(p string, e *pyEnv) []string {
	data := r.readOptional(p)
	if m := setupPyNameRE.FindSubmatch(data); m != nil {
		e.projects[normalizePyName(string(m[1]))] = true
	}
	var names []string
	for _, m := range pyStringLitRE.FindAllSubmatch(data, -1) {
		if s := string(m[1]); setupPyReqShape.MatchString(s) {
			names = append(names, pep508Name(s))
		}
	}
	return names
}

// pipfileNames returns the package names of every package category of a Pipfile.
func (r *depsRun) pipfileNames(p string) []string {
	data := r.readOptional(p)
	var doc map[string]any
	if data == nil || toml.Unmarshal(data, &doc) != nil {
		return nil
	}
	var names []string
	for section, v := range doc {
		switch section {
		case "source", "requires", "scripts", "pipenv":
			continue
		}
		for k := range tomlTable(v) {
			names = append(names, k)
		}
	}
	return names
}

var condaDepRE = regexp.MustCompile(`^\s*-\s*(?:[A-Za-z0-9_.-]+::)?([A-Za-z0-9][A-Za-z0-9._-]*)`)

// condaNames returns the package names listed in a conda environment file (conda and pip entries).
func (r *depsRun) condaNames(p string) []string {
	var names []string
	for _, line := range strings.Split(string(r.readOptional(p)), "\n") {
		if m := condaDepRE.FindStringSubmatch(line); m != nil {
			names = append(names, m[1])
		}
	}
	return names
}

// isDockerfile reports Dockerfile, Containerfile and x.Dockerfile / Dockerfile.x.
func isDockerfile(base string) bool {
	return base == "Dockerfile" || base == "Containerfile" || strings.HasSuffix(base, ".Dockerfile") || strings.HasPrefix(base, "Dockerfile.")
}

// pipInstallRE finds a pip install command: pip, pip3, python -m pip, uv pip.
var pipInstallRE = regexp.MustCompile(`\b(?:pip3?|uv\s+pip)\s+install\b`)

// pipValueFlags are the pip install options that take a value, which is not a package.
var pipValueFlags = map[string]bool{"-r": true, "--requirement": true, "-c": true, "--constraint": true, "-e": true, "--editable": true,
	"-i": true, "--index-url": true, "--extra-index-url": true, "-f": true, "--find-links": true, "-t": true, "--target": true,
	"--prefix": true, "--root": true, "--python": true, "--platform": true, "--only-binary": true, "--no-binary": true, "--trusted-host": true}

// dockerPipNames returns the packages a Dockerfile installs with pip: graphs, tools and services
// that run only in their image declare their packages there (langgraph 8cb0f3a96da4's
// integration/Dockerfile installs deepagents for the graphs next to it).
func dockerPipNames(src string) []string {
	src = strings.ReplaceAll(src, "\\\n", " ")
	var names []string
	for _, line := range strings.Split(src, "\n") {
		for _, loc := range pipInstallRE.FindAllStringIndex(line, -1) {
			rest := line[loc[1]:]
			if i := strings.IndexAny(rest, "&;|"); i >= 0 {
				rest = rest[:i]
			}
			skip := false
			for _, tok := range strings.Fields(rest) {
				tok = strings.Trim(tok, `"'`)
				switch {
				case skip:
					skip = false
				case pipValueFlags[tok]:
					skip = true
				case strings.HasPrefix(tok, "-") || strings.ContainsAny(tok, "/$") || strings.HasSuffix(tok, ".whl"):
				default:
					if n := pep508Name(tok); n != "" {
						names = append(names, n)
					}
				}
			}
		}
	}
	return names
}

var lockNameRE = regexp.MustCompile(`(?m)^name\s*=\s*"([^"]+)"`)

// lockTOMLNames returns the package names of a poetry.lock, uv.lock, pdm.lock or pylock.toml.
func lockTOMLNames(data []byte) []string {
	var out []string
	for _, m := range lockNameRE.FindAllSubmatch(data, -1) {
		out = append(out, normalizePyName(string(m[1])))
	}
	return out
}

// pipfileLockNames returns the package names of a Pipfile.lock.
func pipfileLockNames(data []byte) []string {
	var doc map[string]json.RawMessage
	if data == nil || json.Unmarshal(data, &doc) != nil {
		return nil
	}
	var out []string
	for k, raw := range doc {
		if k == "_meta" {
			continue
		}
		var pkgs map[string]json.RawMessage
		if json.Unmarshal(raw, &pkgs) == nil {
			for name := range pkgs {
				out = append(out, normalizePyName(name))
			}
		}
	}
	return out
}

// distCandidates returns the distribution names that could provide a module: known mappings of each
// dotted prefix, each prefix as a name, and the usual python-/py prefixes and suffixes of the top name.
func distCandidates(module string) []string {
	var out []string
	parts := strings.Split(module, ".")
	for k := len(parts); k >= 1; k-- {
		prefix := strings.Join(parts[:k], ".")
		out = append(out, pyImportDists[prefix]...)
		out = append(out, prefix)
	}
	top := strings.ToLower(parts[0])
	out = append(out, "python-"+top, "py"+top, "py-"+top, top+"-python", top+"-py", top+"-binary", "types-"+top, top+"-stubs")
	for i, s := range out {
		out[i] = normalizePyName(s)
	}
	return out
}

// pyRequires are the distributions a few widely used ones always install (their own required
// dependencies, from their metadata): an import of one of them where only the framework is declared
// works, and is a note, not an invented dependency. markitdown-mcp (3ca57986ef52) declares mcp and
// imports starlette and uvicorn, which mcp requires.
var pyRequires = map[string][]string{
	"fastapi":      {"starlette", "pydantic", "typing-extensions", "anyio"},
	"starlette":    {"anyio"},
	"mcp":          {"anyio", "httpx", "httpx-sse", "pydantic", "pydantic-settings", "python-multipart", "sse-starlette", "starlette", "uvicorn"},
	"flask":        {"werkzeug", "jinja2", "itsdangerous", "click", "blinker", "markupsafe"},
	"requests":     {"charset-normalizer", "idna", "urllib3", "certifi"},
	"httpx":        {"anyio", "certifi", "httpcore", "idna"},
	"pydantic":     {"pydantic-core", "typing-extensions", "annotated-types"},
	"uvicorn":      {"click", "h11"},
	"celery":       {"kombu", "billiard", "vine", "click", "python-dateutil"},
	"boto3":        {"botocore", "jmespath", "s3transfer"},
	"aiohttp":      {"aiohappyeyeballs", "aiosignal", "attrs", "frozenlist", "multidict", "propcache", "yarl"},
	"pandas":       {"numpy", "python-dateutil", "pytz", "tzdata"},
	"openai":       {"anyio", "distro", "httpx", "jiter", "pydantic", "sniffio", "tqdm", "typing-extensions"},
	"anthropic":    {"anyio", "distro", "httpx", "jiter", "pydantic", "sniffio", "typing-extensions"},
	"django":       {"asgiref", "sqlparse"},
	"scikit-learn": {"numpy", "scipy", "joblib", "threadpoolctl"},
	"matplotlib":   {"numpy", "pillow", "pyparsing", "python-dateutil", "packaging", "kiwisolver", "cycler", "fonttools", "contourpy"},
	"pytest":       {"packaging", "pluggy", "iniconfig"},
	"black":        {"click", "packaging", "pathspec", "platformdirs", "mypy-extensions"},
	// agno 271bc14e6eb6 builds its own httplib2.Http for the Google clients it declares as extras.
	"google-api-python-client": {"httplib2", "google-auth", "google-auth-httplib2", "google-api-core", "uritemplate"},
	"google-auth-httplib2":     {"google-auth", "httplib2"},
}

// requiredBy returns a declared distribution that requires one providing the module, or "".
func (e *pyEnv) requiredBy(module string) string {
	cands := distCandidates(module)
	for _, parent := range slices.Sorted(maps.Keys(pyRequires)) {
		if !e.declared[parent] {
			continue
		}
		for _, d := range pyRequires[parent] {
			if slices.Contains(cands, d) {
				return parent
			}
		}
	}
	return ""
}

// resolves reports whether a module is provided by a declared distribution.
func (e *pyEnv) resolves(module string) bool {
	for _, c := range distCandidates(module) {
		if e.declared[c] {
			return true
		}
	}
	// Namespace packages and extensions (google.*, azure.*, flask-*): a declared distribution whose
	// name starts with the top-level name counts.
	top := normalizePyName(strings.Split(module, ".")[0])
	for d := range e.declared {
		if strings.HasPrefix(d, top+"-") || strings.ReplaceAll(d, "-", "") == strings.ReplaceAll(top, "-", "") {
			return true
		}
	}
	return false
}

// isPyLockFile reports Python lock files: poetry.lock, uv.lock, pdm.lock, pylock*.toml, Pipfile.lock
// and Rye's requirements.lock and requirements-dev.lock.
func isPyLockFile(base string) bool {
	switch base {
	case "poetry.lock", "uv.lock", "pdm.lock", "Pipfile.lock":
		return true
	}
	return strings.HasPrefix(base, "pylock") && strings.HasSuffix(base, ".toml") || isPinnedLock(base)
}

// isPinnedLock reports a lock file in pip-compile's format, "name==version" per line (Rye's
// requirements.lock, requirements-dev.lock).
func isPinnedLock(base string) bool {
	return strings.HasPrefix(base, "requirements") && strings.HasSuffix(base, ".lock")
}

var pinnedLockRE = regexp.MustCompile(`(?m)^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?\s*==`)

// pinnedLockNames returns the package names of a lock file in pip-compile's format.
func pinnedLockNames(data []byte) []string {
	var out []string
	for _, m := range pinnedLockRE.FindAllSubmatch(data, -1) {
		out = append(out, normalizePyName(string(m[1])))
	}
	return out
}

// lockedBy returns the lock file that lists a distribution of the module, if any.
func (r *depsRun) lockedBy(e *pyEnv, module string) string {
	if e.locked == nil {
		e.locked = map[string]string{}
		for _, f := range e.locks {
			data := r.readOptional(f)
			var names []string
			switch base := path.Base(f); {
			case base == "Pipfile.lock":
				names = pipfileLockNames(data)
			case isPinnedLock(base):
				names = pinnedLockNames(data)
			default:
				names = lockTOMLNames(data)
			}
			for _, n := range names {
				if _, ok := e.locked[n]; !ok {
					e.locked[n] = f
				}
			}
		}
	}
	for _, c := range distCandidates(module) {
		if f, ok := e.locked[c]; ok {
			return f
		}
	}
	return ""
}

// pyImportOrSkip matches pytest.importorskip("module").
var pyImportOrSkip = regexp.MustCompile(`\bimportorskip\(\s*["']([A-Za-z_][\w.]*)["']`)

// checkPythonFile checks the imports of a Python file that sit on added lines.
func (r *depsRun) checkPythonFile(p string, added addedLines) {
	if pyIgnoredDir(p) || isTestDataPath(p) {
		return
	}
	src, err := r.read(p)
	if err != nil {
		r.groupNote("files that could not be read at head; their imports were not checked", fmt.Sprintf("%s (%v)", p, err))
		return
	}
	imports := pythonImports(src)
	// A module the file imports optionally somewhere (try/except ImportError, pytest.importorskip) is
	// one it checks for: its other imports run only when it is there (markitdown a6c8ac46a684: a
	// PDF generator used by tests that skip without fpdf2).
	checked := map[string]bool{}
	for _, imp := range imports {
		if imp.optional {
			top, _, _ := strings.Cut(imp.module, ".")
			checked[top] = true
		}
	}
	for _, m := range pyImportOrSkip.FindAllSubmatch(src, -1) {
		top, _, _ := strings.Cut(string(m[1]), ".")
		checked[top] = true
	}
	var env *pyEnv
	for _, imp := range imports {
		l, ok := added.at(imp.line)
		if !ok || imp.optional || imp.generated {
			continue
		}
		top, _, _ := strings.Cut(imp.module, ".")
		if checked[top] {
			continue
		}
		if pyStdlib[top] || pyRemovedStdlib[top] || pyPython2Stdlib[top] || pyAmbient[top] || pyStubOnly[top] {
			continue
		}
		if env == nil {
			env = r.pythonEnv()
			if len(env.manifests) == 0 {
				r.groupNote("no Python manifest (requirements*.txt, pyproject.toml, setup.cfg, setup.py, Pipfile) in the repository; Python imports not checked", p)
				return
			}
			if ed := exampleDir(p); ed != "" && !slices.ContainsFunc(env.manifests, func(m string) bool {
				return depUnder(depDirOf(m), ed) && depUnder(depDirOf(p), depDirOf(m))
			}) {
				r.groupNote(exampleNote, p)
				return
			}
		}
		if env.local[top] || env.projects[normalizePyName(top)] || env.resolves(imp.module) ||
			strings.HasSuffix(top, "_pb2") || strings.HasSuffix(top, "_pb2_grpc") || pyRunnerModule[path.Base(p)] == top ||
			r.pyAlreadyUsed(top) {
			continue
		}
		if lock := r.lockedBy(env, imp.module); lock != "" {
			r.groupNote("imports of distributions installed only as transitive dependencies; declare them in the manifest",
				fmt.Sprintf("%s (%s:%d, in %s)", imp.module, p, l.NewLine, lock))
			continue
		}
		if via := env.requiredBy(imp.module); via != "" {
			r.groupNote("imports of distributions installed only as transitive dependencies; declare them in the manifest",
				fmt.Sprintf("%s (%s:%d, via %s)", imp.module, p, l.NewLine, via))
			continue
		}
		where := "the project's Python manifests"
		if len(env.manifests) == 1 {
			where = env.manifests[0]
		}
		title := fmt.Sprintf("Import %q is not declared in %s", imp.module, where)
		suggest := top
		if d := pyImportDists[top]; len(d) > 0 {
			suggest = d[0]
		}
		body := fmt.Sprintf("%q is not in the Python standard library, not a module of this repository, and no distribution declared in %s provides it "+
			"(checked by normalised name and the usual import-name to distribution mappings). If the module is real, add the distribution that "+
			"provides it (e.g. %s) to the manifest; otherwise fix the import. A plausible-looking module that no dependency provides is a typical "+
			"invented dependency.", imp.module, strings.Join(env.manifests, ", "), suggest)
		r.addFinding(p, l, title, body)
	}
}

// pyAlreadyUsed reports whether the project used the top-level module before the change: the change
// deleted an import of it (a re-sorted block, an import that gained a "# type: ignore", moved code),
// or a file outside the change's added lines imports it.
func (r *depsRun) pyAlreadyUsed(top string) bool {
	if r.movedImport(depLangPython, top) {
		return true
	}
	return r.usedElsewhere(usageQuery{
		lang: depLangPython, key: top,
		pattern: `^[[:space:]]*(from|import)[[:space:]]+` + regexp.QuoteMeta(top) + `([^A-Za-z0-9_]|$)`,
		globs:   []string{"*.py", "*.pyi"},
		inScope: func(f string) bool { return !pyIgnoredDir(f) && !isTestDataPath(f) },
		imports: pyFileImports(top),
	})
}

// pyPrivateOptions are requirements-file options that bring in another package index.
var pyPrivateOptions = depSetOf("-i", "--index-url", "--extra-index-url", "-f", "--find-links", "--no-index")

// collectRequirementsAdditions queues requirements added to a requirements file for a PyPI look-up.
func (r *depsRun) collectRequirementsAdditions(p string, added addedLines) {
	data, err := r.read(p)
	if err != nil {
		r.note("hallucinated-dependencies: %s: %v; added requirements not verified", p, err)
		return
	}
	reqs := parseRequirements(data)
	for _, rl := range reqs {
		if rl.isOption && pyPrivateOptions[rl.option] {
			r.note("hallucinated-dependencies: %s uses another package index (%s); added requirements not verified", p, rl.option)
			return
		}
	}
	env := r.pythonEnv()
	for _, rl := range reqs {
		l, ok := added.at(rl.line)
		if !ok || rl.name == "" || !rl.plain || env.projects[normalizePyName(rl.name)] {
			continue
		}
		r.queuePyPI(p, l, rl.name)
	}
}

func (r *depsRun) queuePyPI(p string, l diff.Line, name string) {
	r.verify = append(r.verify, verifyRequest{
		ecosystem: EcosystemPyPI, name: normalizePyName(name), path: p, line: l, registry: "PyPI",
		hint: "Fix the name (a plausible-looking name that nobody published is a typical invented dependency, and an unclaimed name can be " +
			"registered by an attacker) or remove it. If it comes from a private index, declare that index in the manifest.",
	})
}

var (
	tomlHeaderRE   = regexp.MustCompile(`^\s*\[\s*([^\[\]]+?)\s*\]\s*(#.*)?$`)
	tomlKeyRE      = regexp.MustCompile(`^\s*("?)([A-Za-z0-9][A-Za-z0-9._-]*)("?)\s*=\s*(.*)$`)
	tomlQuotedRE   = regexp.MustCompile(`"((?:[^"\\]|\\.)*)"|'([^']*)'`)
	poetryDepTable = regexp.MustCompile(`^tool\.poetry\.(dependencies|dev-dependencies|group\.[^.]+\.dependencies)$`)
)

// collectPyprojectAdditions queues dependencies added to a pyproject.toml for a PyPI look-up: strings
// on added lines that are elements of its dependency arrays, and keys added to Poetry dependency tables.
func (r *depsRun) collectPyprojectAdditions(p string, added addedLines) {
	data, err := r.read(p)
	if err != nil {
		r.note("hallucinated-dependencies: %s: %v; added dependencies not verified", p, err)
		return
	}
	var doc map[string]any
	if err := toml.Unmarshal(data, &doc); err != nil {
		r.note("hallucinated-dependencies: could not parse %s (%v); added dependencies not verified", p, err)
		return
	}
	if tomlPath(doc, "tool", "poetry", "source") != nil || tomlPath(doc, "tool", "uv", "index") != nil ||
		tomlPath(doc, "tool", "uv", "index-url") != nil || tomlPath(doc, "tool", "uv", "extra-index-url") != nil ||
		tomlPath(doc, "tool", "pdm", "source") != nil {
		r.note("hallucinated-dependencies: %s declares another package index; added dependencies not verified", p)
		return
	}
	reqs, _, projects := pyprojectDeps(doc)
	reqSet := depSetOf(reqs...)
	own := map[string]bool{}
	for _, n := range projects {
		own[normalizePyName(n)] = true
	}
	lines := strings.Split(string(data), "\n")
	table := ""
	nums := added.numbers()
	next := 0
	for i, text := range lines {
		lineNo := i + 1
		if m := tomlHeaderRE.FindStringSubmatch(text); m != nil {
			table = strings.ReplaceAll(strings.ReplaceAll(m[1], `"`, ""), " ", "")
			continue
		}
		for next < len(nums) && nums[next] < lineNo {
			next++
		}
		if next >= len(nums) || nums[next] != lineNo {
			continue
		}
		l, _ := added.at(lineNo)
		if poetryDepTable.MatchString(table) {
			if m := tomlKeyRE.FindStringSubmatch(text); m != nil && m[1] == m[3] {
				name, val := m[2], m[4]
				if name == "python" || own[normalizePyName(name)] ||
					strings.ContainsAny(val, "{") && (strings.Contains(val, "path") || strings.Contains(val, "git") || strings.Contains(val, "url") || strings.Contains(val, "source")) {
					continue
				}
				r.queuePyPI(p, l, name)
			}
			continue
		}
		for _, m := range tomlQuotedRE.FindAllStringSubmatch(text, -1) {
			s := m[1]
			if m[2] != "" {
				s = m[2]
			}
			if !reqSet[s] {
				continue
			}
			name := pep508Name(s)
			if name == "" || own[normalizePyName(name)] {
				continue
			}
			if rl, ok := parseRequirementLine(s); !ok || !rl.plain {
				continue
			}
			r.queuePyPI(p, l, name)
		}
	}
}
