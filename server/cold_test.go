package server_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/gatehouse-iam/gatehouse/server"
)

// TestManyColdCallers: more callers at once than the store has pooled
// connections, none of whose policy sets is cached, each making a call the
// service authorizes inside its own transaction. The authorizer reads
// through a handle of its own, so no call waits for a connection another
// call's transaction holds (they all hung when it shared the pool).
func TestManyColdCallers(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			var mod func(*server.Config)
			if backend == "postgres" {
				url := postgresSchema(t)
				mod = func(c *server.Config) { c.Store = url }
			}
			ts := startServer(t, mod)
			root := ts.rootIAM()
			ctx := ctxT(t)
			const callers = 48
			clients := make([]*iam.Client, callers)
			for i := range clients {
				name := fmt.Sprintf("user%d", i)
				if _, err := root.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(name)}); err != nil {
					t.Fatal(err)
				}
				if _, err := root.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String(name), PolicyName: aws.String("self"),
					PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"iam:GetUser","Resource":"arn:aws:iam::*:user/${aws:username}"}}`)}); err != nil {
					t.Fatal(err)
				}
				key, err := root.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String(name)})
				if err != nil {
					t.Fatal(err)
				}
				clients[i] = ts.iam(aws.ToString(key.AccessKey.AccessKeyId), aws.ToString(key.AccessKey.SecretAccessKey))
			}
			var wg sync.WaitGroup
			errs := make(chan error, callers)
			for i, c := range clients {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, err := c.GetUser(ctx, &iam.GetUserInput{UserName: aws.String(fmt.Sprintf("user%d", i))})
					errs <- err
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Error(err)
				}
			}
		})
	}
}
