// Command loadgen drives the load benchmark of a running Gatehouse (issue
// 7, BENCHMARKS.md "Load"). It has six subcommands:
//
//	loadgen populate -state STATE.json   fill an empty account through the API: 10,000
//	                                     users, 100,000 policies, a key per user, channels
//	loadgen sign -state STATE.json -scenario NAME -o FILE
//	                                     write SigV4-signed requests, valid for five
//	                                     minutes, for bench/load/replay.lua (wrk)
//	loadgen warm -state STATE.json       send one authorized request per user, so that
//	                                     every principal's caches are filled
//	loadgen grow -state STATE.json -users N
//	                                     add N users of the same shape (memory per principal)
//	loadgen copy -from DATA_DIR/gatehouse.db -to postgres://…
//	                                     copy a stopped SQLite server's store into an
//	                                     empty PostgreSQL one (populate is slow there)
//	loadgen table DIR                    print the medians of the wrk outputs
//	                                     DIR/BACKEND.SCENARIO.RUN.txt as a Markdown table
//
// The server is addressed with -endpoint and administered with the root
// key in GATEHOUSE_ROOT_ACCESS_KEY_ID and GATEHOUSE_ROOT_SECRET_ACCESS_KEY.
// Nothing here caches a verification: the signed requests are replayed
// as they are, and the server verifies each one.
package main
