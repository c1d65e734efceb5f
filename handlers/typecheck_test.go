package handlers

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/wfreview/wfreview/internal/ghfake"
	"github.com/wfreview/wfreview/model/modeltest"
	"github.com/wfreview/wfreview/review/reviewtest"
)

// TestAppTypeChecksGoOnTheArchive: in the app, the Go checks that need the code on disk (hallucinated
// API members, needless abstraction) run on the head archive, and their findings are posted on the
// exact lines; read file by file (no archive) they are skipped with a note, never guessed.
func TestAppTypeChecksGoOnTheArchive(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go binary on PATH")
	}
	t.Setenv("GOFLAGS", "-mod=mod")
	t.Setenv("GOPROXY", "off") // the module has no requirements: nothing to download

	const store = "package store\n\n// Store keeps users by id.\ntype Store struct{ users map[string]string }\n\n// New returns an empty store.\nfunc New() *Store { return &Store{users: map[string]string{}} }\n\n// Get returns the user with id.\nfunc (s *Store) Get(id string) (string, bool) {\n\tu, ok := s.users[id]\n\treturn u, ok\n}\n"
	// Line 15: a method Store does not have. Lines 5-7: an interface with one implementation, used
	// only to hold it.
	const api = "package api\n\nimport \"example.com/users/internal/store\"\n\n// UserGetter gets users.\ntype UserGetter interface {\n\tGet(id string) (string, bool)\n}\n\n// Name returns the name of the user id, or \"\".\nfunc Name(g UserGetter, s *store.Store, id string) string {\n\tif n, ok := g.Get(id); ok {\n\t\treturn n\n\t}\n\tn, _ := s.Lookup(id)\n\treturn n\n}\n\nvar _ UserGetter = (*store.Store)(nil)\n"

	setup := func(t *testing.T) *prFixture {
		f := &prFixture{gh: ghfake.New(t)}
		f.repo = f.gh.AddRepo(fxOwner, fxRepo, "main")
		f.repo.SetBranch("main", fxBase)
		f.repo.SetSize(40)
		for p, c := range map[string]string{
			"go.mod":                     "module example.com/users\n\ngo 1.22\n",
			"internal/store/store.go":    store,
			"README.md":                  "# users\n",
			"internal/store/doc_test.go": "package store\n",
		} {
			f.repo.SetFile(fxBase, p, c)
			f.repo.SetFile(fxHead, p, c)
		}
		f.repo.SetFile(fxHead, "internal/api/api.go", api)
		f.files = []ghfake.File{{Filename: "internal/api/api.go", Status: "added", Patch: addedPatch(api)}}
		f.pr = f.repo.AddPR(ghfake.PR{Number: 7, Title: "User names", User: "dev", BaseRef: "main", BaseSHA: fxBase,
			HeadRef: "names", HeadSHA: fxHead, Files: f.files, Commits: []ghfake.Commit{{SHA: fxHead, Message: "User names",
				AuthorName: "Dev", AuthorEmail: "dev@example.com", Parents: []string{fxBase}}}})
		f.repo.SetPermission("dev", "write")
		return f
	}
	quietModel := func(t *testing.T) *modeltest.Server {
		return modeltest.NewServer(t, reviewtest.ConfirmAll(func(modeltest.Call) modeltest.Reply {
			return modeltest.JSONReply(map[string]any{"findings": []any{}, "plan": nil})
		}))
	}

	t.Run("archive", func(t *testing.T) {
		f := setup(t)
		tw := newTestWorkerWith(t, f, quietModel(t), true, nil)
		res := tw.review(t, fxHead)
		reviews := f.pr.Reviews()
		if len(reviews) != 1 {
			t.Fatalf("%d reviews posted, want 1 (notes %q)", len(reviews), res.Notes)
		}
		byLine := map[int]string{}
		for _, c := range reviews[0].Comments {
			if c.Path != "internal/api/api.go" {
				t.Errorf("comment on %s:%d: %s", c.Path, c.Line, c.Body)
				continue
			}
			byLine[c.Line] = c.Body
		}
		if !strings.Contains(byLine[15], "has no method `Lookup`") {
			t.Errorf("line 15 comment = %q; all comments %v; notes %q", byLine[15], byLine, res.Notes)
		}
		if !strings.Contains(byLine[6], "over-engineering") && !strings.Contains(strings.ToLower(byLine[6]), "one implementation") {
			t.Errorf("line 6 comment = %q; all comments %v; notes %q", byLine[6], byLine, res.Notes)
		}
		if len(byLine) != 2 {
			t.Errorf("comments on lines %v, want 6 and 15", byLine)
		}
		for _, n := range res.Notes {
			if strings.Contains(n, "Go type check") {
				t.Errorf("unexpected type-check note %q", n)
			}
		}
	})

	t.Run("per-file reads", func(t *testing.T) {
		f := setup(t)
		tw := newTestWorkerWith(t, f, quietModel(t), false, nil)
		res := tw.review(t, fxHead)
		for _, fd := range res.Findings {
			t.Errorf("finding without the code on disk: %s:%d %s", fd.Path, fd.Line, fd.Title)
		}
		if !strings.Contains(strings.Join(res.Notes, "\n"), "Go type check") {
			t.Errorf("no note says the type check was skipped: %q", res.Notes)
		}
	})
}
