// Package web is Gatehouse's console: the browser application, embedded in
// the binary (assets/), and the parts of its HTTP endpoint that know
// nothing of the services — sign-in sessions held in the server's memory,
// their cookie and CSRF token, the slowing of repeated sign-in failures,
// and the offline validation of policy documents.
//
// The console acts strictly as the signed-in principal: its JavaScript
// calls console API endpoints that the server authenticates with the
// session (Console.Authenticate) instead of a SigV4 signature, and then
// serves exactly as it serves the API — the same authorization, audit
// trail and errors. This package never calls a service itself; the server
// checks credentials for it through the Backend interface.
//
//	c := web.New(web.Options{Backend: b, IdleTimeout: 30 * time.Minute})
//	mux.Handle("/console/", c)           // the application and sign-in
//	sess, err := c.Authenticate(r)       // a console API request's session
package web
