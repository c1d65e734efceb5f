package users

import (
	"context"
	"database/sql"
)

// UserStore abstracts user persistence.
type UserStore interface {
	GetUser(ctx context.Context, id int64) (User, error)
}

// UserStoreFactory creates UserStores.
type UserStoreFactory interface {
	NewUserStore(db *sql.DB) UserStore
}

type sqlUserStore struct{ db *sql.DB }

type sqlUserStoreFactory struct{}

func (sqlUserStoreFactory) NewUserStore(db *sql.DB) UserStore { return &sqlUserStore{db: db} }

// DefaultFactory is the factory used in production.
var DefaultFactory UserStoreFactory = sqlUserStoreFactory{}

func (s *sqlUserStore) GetUser(ctx context.Context, id int64) (User, error) {
	return ByID(ctx, s.db, id)
}
