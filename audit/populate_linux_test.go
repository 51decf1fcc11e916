package audit

import (
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
	var major, minor int
	for i, n := 0, 0; i < len(u.Release) && u.Release[i] != 0; i++ {
		c := byte(u.Release[i])
		if c >= '0' && c <= '9' {
			n = n*10 + int(c-'0')
			continue
		}
		if c != '.' {
			break
		}
		if major == 0 {
			major, n = n, 0
		} else {
			minor = n
			break
		}
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
