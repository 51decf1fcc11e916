package audit

import (
	"fmt"
	"path/filepath"
	"syscall"
	"testing"
)

// TestPopulateOnLinux: a kernel of 5.14 or later populates a journal's
// pages in one call, so the faulter does not fall back to writing them.
func TestPopulateOnLinux(t *testing.T) {
	var u syscall.Utsname
	if err := syscall.Uname(&u); err != nil {
		t.Fatal(err)
	}
	release := make([]byte, 0, len(u.Release))
	for _, c := range u.Release {
		if c == 0 {
			break
		}
		release = append(release, byte(c))
	}
	var major, minor int
	if _, err := fmt.Sscanf(string(release), "%d.%d", &major, &minor); err != nil {
		t.Fatalf("kernel release %q: %v", release, err)
	}
	if major < 5 || major == 5 && minor < 14 {
		t.Skipf("kernel %d.%d has no MADV_POPULATE_WRITE", major, minor)
	}
	seg, err := createSegment(filepath.Join(t.TempDir(), JournalName), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	defer seg.close()
	for seg.prefault() {
	}
	if seg.touch {
		t.Error("populate failed; the faulter fell back to writing the pages")
	}
	if string(seg.m[:len(segMagic)]) != segMagic {
		t.Error("populating changed the journal's header")
	}
}
