package server_test

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gatehouse-iam/gatehouse/audit"
	"github.com/gatehouse-iam/gatehouse/server"
	"github.com/gatehouse-iam/gatehouse/sigv4"
)

// TestAuditSurvivesCrash runs `gatehouse serve` as a process, fires
// concurrent IAM writes at it, kills it with SIGKILL mid-stream, starts it
// again on the same data directory, and finds in the store the event of
// every request whose response a client received.
func TestAuditSurvivesCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := filepath.Join(t.TempDir(), "gatehouse")
	build := exec.Command("go", "build", "-o", bin, "../cmd/gatehouse")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	t.Run("sqlite", func(t *testing.T) { crashAndCheck(t, bin, "") })
	t.Run("postgres", func(t *testing.T) { crashAndCheck(t, bin, postgresSchema(t)) })
}

// serveProcess is a `gatehouse serve` child process.
type serveProcess struct {
	cmd      *exec.Cmd
	endpoint string
	stderr   *syncBuffer
}

func startProcess(t *testing.T, bin, dataDir, storeURL string) *serveProcess {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	args := []string{"serve", "--addr", addr, "--data-dir", dataDir, "--rtmp-addr", "off", "--log-level", "warn"}
	if storeURL != "" {
		args = append(args, "--store", storeURL)
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "GATEHOUSE_ROOT_ACCESS_KEY_ID="+rootKeyID, "GATEHOUSE_ROOT_SECRET_ACCESS_KEY="+rootSecret, "GATEHOUSE_MASTER_KEY="+testMasterKey)
	p := &serveProcess{cmd: cmd, endpoint: "http://" + addr, stderr: &syncBuffer{}}
	cmd.Stdout, cmd.Stderr = io.Discard, p.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		if status, _, err := p.call("Action=GetUser&Version=2010-05-08"); err == nil && status == 200 {
			return p
		}
		if time.Now().After(deadline) {
			t.Fatalf("gatehouse serve did not start:\n%s", p.stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// call sends a signed IAM request and returns the status and request id.
func (p *serveProcess) call(body string) (int, string, error) {
	req, err := http.NewRequest("POST", p.endpoint+"/", strings.NewReader(body))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	signer := &sigv4.Signer{Credentials: sigv4.Credentials{AccessKeyID: rootKeyID, SecretAccessKey: rootSecret}, Region: "us-east-1", Service: "iam"}
	if err := signer.Sign(req, []byte(body), time.Now()); err != nil {
		return 0, "", err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, "", err // the response did not arrive whole
	}
	i := strings.Index(string(b), "<RequestId>")
	j := strings.Index(string(b), "</RequestId>")
	if i < 0 || j < i {
		return resp.StatusCode, "", fmt.Errorf("no request id in %q", b)
	}
	return resp.StatusCode, string(b[i+len("<RequestId>") : j]), nil
}

func crashAndCheck(t *testing.T, bin, storeURL string) {
	dataDir := t.TempDir()
	p := startProcess(t, bin, dataDir, storeURL)

	// Concurrent writers until the kill; every answered request's id is kept.
	var mu sync.Mutex
	var ids []string
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				_, id, err := p.call(fmt.Sprintf("Action=CreateUser&Version=2010-05-08&UserName=w%d-u%d", w, i))
				if err != nil {
					continue // no response: the process is gone
				}
				mu.Lock()
				ids = append(ids, id)
				mu.Unlock()
			}
		}()
	}
	// Kill mid-stream, once enough requests were answered.
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		mu.Lock()
		n := len(ids)
		mu.Unlock()
		if n >= 300 || time.Now().After(deadline) {
			break
		}
	}
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = p.cmd.Wait()
	close(stop)
	wg.Wait()
	if len(ids) < 50 {
		t.Fatalf("only %d requests answered before the kill:\n%s", len(ids), p.stderr.String())
	}
	journal, err := os.ReadFile(filepath.Join(dataDir, audit.JournalName))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d requests answered before SIGKILL; the journal holds %d bytes", len(ids), len(journal))

	// The restarted server replays the journal before it serves.
	startProcess(t, bin, dataDir, storeURL)
	ctx := ctxT(t)
	r, err := server.OpenAuditReader(ctx, server.Config{DataDir: dataDir, Store: storeURL})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	missing := 0
	for _, id := range ids {
		ev, err := r.Event(ctx, id)
		if errors.Is(err, audit.ErrNotFound) {
			missing++
			if missing <= 5 {
				t.Errorf("no event for answered request %s", id)
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if ev.RequestID != id || ev.EventName != "CreateUser" && ev.EventName != "GetUser" {
			t.Errorf("event of %s: %+v", id, ev)
		}
	}
	if missing > 0 {
		t.Fatalf("%d of %d answered requests have no event", missing, len(ids))
	}
}
