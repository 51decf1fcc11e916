package store

import (
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
)

// Migration is one numbered schema change of a backend. Every backend
// numbers its migrations the same way: one number is one logical change.
type Migration struct {
	Version int
	Name    string // file name, e.g. 001_initial.sql
	SQL     string
}

// LoadMigrations reads migrations/NNN_name.sql from fsys, sorted by
// number. Numbers start at 1 and have no gaps.
func LoadMigrations(fsys fs.FS) ([]Migration, error) {
	names, err := fs.Glob(fsys, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	var ms []Migration
	for _, p := range names {
		name := path.Base(p)
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || len(num) != 3 || v < 1 {
			return nil, fmt.Errorf("migration %s: name is not NNN_name.sql", name)
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return nil, err
		}
		ms = append(ms, Migration{Version: v, Name: name, SQL: string(b)})
	}
	slices.SortFunc(ms, func(a, b Migration) int { return a.Version - b.Version })
	for i, m := range ms {
		if m.Version != i+1 {
			return nil, fmt.Errorf("migration %s: want number %03d", m.Name, i+1)
		}
	}
	return ms, nil
}
