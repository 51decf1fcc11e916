// Package audit is Gatehouse's audit trail: one event per API request in
// CloudTrail's record format, with Gatehouse's own decision block that
// says which policies were consulted and which statements decided.
//
// A Recorder makes each event durable before the response is sent: it
// appends the event as one line to a journal file with a single write, so
// that a crash of the process (even SIGKILL) loses nothing the kernel has.
// A background goroutine moves journal lines into the store in batches,
// replays the lines the store lacks on start, and prunes events older
// than the retention. Lookup queries the stored events in CloudTrail's
// LookupEvents shape, and Explain renders one event for a person.
//
// The package does no HTTP: package server builds events from requests.
package audit
