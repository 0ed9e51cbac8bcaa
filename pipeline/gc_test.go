package pipeline

import (
	"math"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"testing"
)

func TestContainerMemory(t *testing.T) {
	v1 := "9:name=systemd:/\n4:memory:/jobs/reweigh\n1:cpu,cpuacct:/\n"
	for _, c := range []struct {
		name, self string
		file, text string
		want       int64
	}{
		{"v2 limited", "0::/\n", "memory.max", "2147483648\n", 2 << 30},
		{"v2 limited, nested", "0::/jobs/reweigh\n", "jobs/reweigh/memory.max", "2147483648\n", 2 << 30},
		{"v2 unlimited", "0::/\n", "memory.max", "max\n", 0},
		{"v1 limited", v1, "memory/jobs/reweigh/memory.limit_in_bytes", "1073741824\n", 1 << 30},
		{"v1 unlimited", v1, "memory/jobs/reweigh/memory.limit_in_bytes", "9223372036854771712\n", 0},
		{"v1, another group's limit", v1, "memory/memory.limit_in_bytes", "1073741824\n", 0},
		{"garbage", "0::/\n", "memory.max", "lots\n", 0},
		{"no file", "0::/\n", "", "", 0},
		{"no /proc/self/cgroup", "", "memory.max", "2147483648\n", 0},
	} {
		root := t.TempDir()
		if c.file != "" {
			path := filepath.Join(root, c.file)
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, []byte(c.text), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if got := containerMemory(root, c.self); got != c.want {
			t.Errorf("%s: %d, want %d", c.name, got, c.want)
		}
	}
}

// The heap cap is the live heap plus half, with at least 512 MiB of room, and at least the
// memory the run holds.
func TestHeapCap(t *testing.T) {
	for _, c := range []struct{ live, held, want int64 }{
		{0, 0, 512 << 20},
		{124 << 20, 400 << 20, 636 << 20}, // 150,000 clinicians' rows
		{1024 << 20, 1100 << 20, 1536 << 20},
		{1026 << 20, 0, 1539 << 20},
		{1240 << 20, 1900 << 20, 1900 << 20}, // the tenth round's national run
		{904 << 20, 1580 << 20, 1580 << 20},  // the eleventh's: the read held more than live plus half
		{904 << 20, 1300 << 20, 1416 << 20},
	} {
		if got := heapCap(c.live, c.held); got != c.want {
			t.Errorf("heapCap(%d MiB live, %d MiB held) = %d MiB, want %d MiB", c.live>>20, c.held>>20, got>>20, c.want>>20)
		}
	}
}

// A run's collector: off while reading and building the index, its cap worked out after the
// read, back on under the cap (at least the memory held by then), and everything as before at
// the end. It changes process-wide settings: not parallel.
func TestCollector(t *testing.T) {
	if physicalMemory() <= 0 || os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" {
		t.Skip("the collector is left alone here (no /proc/meminfo, or GOGC/GOMEMLIMIT set)")
	}
	percent, limit := debug.SetGCPercent(100), debug.SetMemoryLimit(math.MaxInt64)
	t.Cleanup(func() { debug.SetGCPercent(percent); debug.SetMemoryLimit(limit) })

	c := pauseCollector()
	if p := debug.SetGCPercent(-1); p != -1 {
		t.Errorf("paused: GOGC %d", p)
	}
	if l := debug.SetMemoryLimit(-1); l != physicalMemory()/2 {
		t.Errorf("paused: limit %d, want half the memory %d", l, physicalMemory()/2)
	}
	runtime.GC()
	c.capHeap()
	planned := c.cap
	if l := debug.SetMemoryLimit(-1); l != physicalMemory()/2 {
		t.Errorf("after the read: limit %d, want it still half the memory (no cap while the index is built)", l)
	}
	if planned < minHeapHeadroom || planned >= physicalMemory()/2 {
		t.Errorf("after the read: cap %d", planned)
	}
	// The index makes the process hold more than the cap: resume raises the cap to it.
	index := make([]byte, planned+64<<20)
	for i := 0; i < len(index); i += 4096 {
		index[i] = 1
	}
	index = nil
	runtime.GC()
	_, held, _ := heapNow()
	c.resume()
	c.resume()
	if p := debug.SetGCPercent(-1); p != 100 {
		t.Errorf("resumed: GOGC %d, want 100", p)
	}
	debug.SetGCPercent(100)
	capped := debug.SetMemoryLimit(-1)
	if capped != c.cap || capped < planned || capped < held-64<<20 {
		t.Errorf("resumed: limit %d, cap %d, want at least the planned cap %d and about the memory held %d", capped, c.cap, planned, held)
	}
	c.restore()
	if l := debug.SetMemoryLimit(-1); l != math.MaxInt64 {
		t.Errorf("restored: limit %d", l)
	}
	if p := debug.SetGCPercent(-1); p != 100 {
		t.Errorf("restored: GOGC %d", p)
	}
	debug.SetGCPercent(100)

	// A user's GOMEMLIMIT is their budget: no cap below it.
	t.Setenv("GOMEMLIMIT", "8GiB")
	c = pauseCollector()
	runtime.GC()
	c.capHeap()
	if c.cap != math.MaxInt64 {
		t.Errorf("GOMEMLIMIT set: capped at %d", c.cap)
	}
	c.restore()
}
