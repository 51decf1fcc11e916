module github.com/gatehouse-iam/gatehouse/bench

go 1.26.8

require (
	github.com/cedar-policy/cedar-go v1.9.1
	github.com/gatehouse-iam/gatehouse v0.0.0
	github.com/minio/pkg/v3 v3.1.3
)

require (
	github.com/go-json-experiment/json v1.27.2 // indirect
	github.com/goccy/go-json v0.10.5 // indirect
	github.com/minio/minio-go/v7 v7.0.88 // indirect
	golang.org/x/exp v0.0.0-20220921023135-46d9e7742f1e // indirect
)

replace github.com/gatehouse-iam/gatehouse => ../
