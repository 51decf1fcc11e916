// Package storetest is the conformance suite that every store.Store
// backend passes.
//
// A backend's test calls RunAll with a function that opens a fresh, empty
// store:
//
//	func TestConformance(t *testing.T) {
//		storetest.RunAll(t, func(t *testing.T) store.Store {
//			db, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "gatehouse.db"))
//			if err != nil {
//				t.Fatal(err)
//			}
//			return db
//		})
//	}
//
// Every case is a subtest of its own, on a store of its own, so a failure
// names the behaviour that broke. The cases pin down what store.go leaves
// to prose: byte-wise key order, prefix and paging rules, rollback, the
// generation counter, serialisable updates and, with WithShared, what two
// instances on one database see of each other (including store.Watcher).
//
// Keys and account names are valid UTF-8 without NUL bytes, the strings
// that both SQLite TEXT and PostgreSQL TEXT store faithfully, of at most
// 1024 bytes for a key and 256 for an account name, which PostgreSQL can
// still index. The suite checks that backends reject other strings with
// an error instead of storing them differently.
package storetest
