package app

type (
	store interface {
		Get(key string) string
	}

	memStore struct{ m map[string]string }
)

func (s *memStore) Get(key string) string { return s.m[key] }

// Lookup looks a key up.
func Lookup(k string) string { return get(&memStore{}, k) }

func get(s store, k string) string { return s.Get(k) }
