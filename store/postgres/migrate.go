package postgres

import (
	"context"
	"embed"
	"fmt"

	"github.com/gatehouse-iam/gatehouse/store"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// migrate applies the migrations the database lacks, each in its own
// transaction.
func migrate(ctx context.Context, pool *pgxpool.Pool) error {
	ms, err := store.LoadMigrations(migrationFiles)
	if err != nil {
		return fmt.Errorf("postgres: migrate: %w", err)
	}
	for _, m := range ms {
		err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
			return applyMigration(ctx, tx, m, len(ms))
		})
		if err != nil {
			return fmt.Errorf("postgres: migrate: %s: %w", m.Name, err)
		}
	}
	return nil
}

// applyMigration applies m in tx unless it was applied already. Every
// process opening the same schema takes the same advisory lock first, so
// they check and apply one at a time; the lock ends with tx.
func applyMigration(ctx context.Context, tx pgx.Tx, m store.Migration, known int) error {
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('gatehouse.migrate.' || coalesce(current_schema(), '')))`); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		name       TEXT NOT NULL,
		applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
	)`); err != nil {
		return err
	}
	var newest int
	if err := tx.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&newest); err != nil {
		return err
	}
	if newest > known {
		return fmt.Errorf("the database has schema version %d, newer than this program's %d", newest, known)
	}
	var n int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM schema_migrations WHERE version = $1`, m.Version).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	// No arguments: pgx runs the file with the simple protocol, which
	// allows several statements.
	if _, err := tx.Exec(ctx, m.SQL); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`, m.Version, m.Name)
	return err
}
