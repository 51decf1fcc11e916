module github.com/gatehouse-iam/gatehouse

go 1.26.8

require (
	github.com/aws/aws-sdk-go-v2 v1.48.0
	github.com/spf13/cobra v1.10.2
)

require (
	github.com/aws/smithy-go v1.28.9 // indirect
	github.com/inconshreveable/mousetrap v1.1.0 // indirect
	github.com/spf13/pflag v1.0.9 // indirect
)
