package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func clearArchiveEnv(t *testing.T) {
	t.Helper()
	clearOperatorEnv(t)
	for _, k := range []string{EnvArchiveDir, EnvArchiveCacheBytes} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
}

func TestArchiveDefaults(t *testing.T) {
	clearArchiveEnv(t)
	for name, load := range map[string]func() (*Operator, error){
		"DefaultOperator": func() (*Operator, error) { return DefaultOperator(), nil },
		"LoadOperator":    func() (*Operator, error) { return LoadOperator("") },
	} {
		t.Run(name, func(t *testing.T) {
			o, err := load()
			if err != nil {
				t.Fatal(err)
			}
			a := o.Archive
			want := Archive{Enabled: true, Dir: filepath.Join(os.TempDir(), DefaultArchiveDirName), MaxBytes: 200 << 20,
				MaxExtractedBytes: 1 << 30, MaxFiles: 100000, CacheBytes: 4 << 30}
			if a != want {
				t.Errorf("archive = %+v, want %+v", a, want)
			}
		})
	}
}

func TestArchiveFileAndEnvironment(t *testing.T) {
	clearArchiveEnv(t)
	p := writeFile(t, "op.yml", "archive:\n  enabled: false\n  dir: /srv/cache\n  max_bytes: 1000\n  max_files: 10\n")
	t.Setenv(EnvArchiveCacheBytes, "2147483648")
	o, err := LoadOperator(p)
	if err != nil {
		t.Fatal(err)
	}
	want := Archive{Enabled: false, Dir: "/srv/cache", MaxBytes: 1000, MaxExtractedBytes: 1 << 30, MaxFiles: 10, CacheBytes: 2 << 30}
	if o.Archive != want {
		t.Errorf("archive = %+v, want %+v", o.Archive, want)
	}
	t.Setenv(EnvArchiveDir, "/from/env")
	if o, err = LoadOperator(p); err != nil || o.Archive.Dir != "/from/env" {
		t.Errorf("dir = %q, %v; want the environment's", o.Archive.Dir, err)
	}
}

func TestArchiveInvalid(t *testing.T) {
	tests := []struct {
		name, file, env, want string
	}{
		{"zero max_bytes", "archive:\n  max_bytes: 0\n", "", "op.yml:2:14: archive.max_bytes: must be positive"},
		{"negative max_files", "archive:\n  max_files: -1\n", "", "archive.max_files: must be positive"},
		{"cache smaller than one archive", "archive:\n  max_extracted_bytes: 2000\n  cache_bytes: 1000\n", "",
			"archive.cache_bytes: 1000 is less than archive.max_extracted_bytes (2000)"},
		{"cache from the environment too small", "archive:\n  max_extracted_bytes: 2000\n", "1000",
			EnvArchiveCacheBytes + ": 1000 is less than"},
		{"unknown key", "archive:\n  max_mb: 3\n", "", "max_mb"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clearArchiveEnv(t)
			if tc.env != "" {
				t.Setenv(EnvArchiveCacheBytes, tc.env)
			}
			_, err := LoadOperator(writeFile(t, "op.yml", tc.file))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want it to contain %q", err, tc.want)
			}
		})
	}
	t.Run("bad environment number", func(t *testing.T) {
		clearArchiveEnv(t)
		t.Setenv(EnvArchiveCacheBytes, "4Gi")
		if _, err := LoadOperator(""); err == nil || !strings.Contains(err.Error(), EnvArchiveCacheBytes) {
			t.Errorf("err = %v", err)
		}
	})
}
