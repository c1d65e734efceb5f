package users

import (
	"context"
	"database/sql"
)

// User is a customer account.
type User struct {
	ID    int64
	Email string
}

// ByID loads a user.
func ByID(ctx context.Context, db *sql.DB, id int64) (User, error) {
	var u User
	err := db.QueryRowContext(ctx, "SELECT id, email FROM users WHERE id = $1", id).Scan(&u.ID, &u.Email)
	return u, err
}
