package web

import (
	"embed"
	"io/fs"
	"net/http"
	"path"
	"strings"
)

// assets holds the console application: plain HTML, CSS and JavaScript
// modules, served as they are (there is no build step).
//
//go:embed assets
var assets embed.FS

// Assets returns the console's files, rooted at the directory that
// /console/ serves.
func Assets() fs.FS {
	sub, err := fs.Sub(assets, "assets")
	if err != nil {
		panic("web: " + err.Error()) // the directory is embedded above
	}
	return sub
}

// assetHandler serves the files under /console/: index.html for the
// directory itself, 404 for anything else that is not a file.
func assetHandler() http.Handler {
	files := Assets()
	server := http.FileServerFS(files)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		name := strings.TrimPrefix(path.Clean(r.URL.Path), "/console")
		name = strings.TrimPrefix(name, "/")
		if name == "" {
			name = "index.html"
		}
		if st, err := fs.Stat(files, name); err != nil || st.IsDir() {
			http.NotFound(w, r)
			return
		}
		if name == "index.html" {
			http.ServeFileFS(w, r, files, name)
			return
		}
		r2 := r.Clone(r.Context())
		r2.URL.Path = "/" + name
		server.ServeHTTP(w, r2)
	})
}
