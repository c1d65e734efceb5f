package app

type (
	store interface {
		Get(key string) string
	}

	memStore struct{ m map[string]string }

	lister interface {
		Keys() []string
	}
)

func (s *memStore) Get(key string) string { return s.m[key] }

func (s *memStore) Keys() []string { return nil }

// Lookup looks a key up.
func Lookup(k string) string { return get(&memStore{}, k) + keys(&memStore{}) }

func get(s store, k string) string { return s.Get(k) }

func keys(l lister) string { return l.Keys()[0] }
