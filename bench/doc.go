// Package bench compares Gatehouse's policy engine with minio/pkg's policy
// engine and cedar-go on the workloads of package
// github.com/gatehouse-iam/gatehouse/policy/workload.
//
// It is a module of its own so that the product never depends on the
// engines it is compared with. The translations of each workload into
// MinIO's S3-shaped policies and into Cedar live here, next to the
// benchmarks in bench_test.go; README.md explains them and RESULTS.md
// holds the published numbers.
package bench
