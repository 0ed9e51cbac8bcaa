package pipeline

import (
	"bufio"
	"math"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// pauseCollector turns the Go collector off and returns the function that turns it back on
// (calling it again does nothing). Run pauses it while reading and building the index.
//
// Reading allocates mostly what it keeps: the rows of every table, which live until the
// index is built or the determinations are made (the Arrow buffers are recycled by bufpool);
// so does building the index. Collecting while the heap grows from nothing to two gigabytes
// finds little garbage, yet at national scale it cost about a third of the read (the mark
// work, and write barriers on every row appended while a mark runs): measured in the second
// round, the read took 7-9 s with the collector off against 10-13 s with it on
// (docs/performance.md). Run collects once between the read and the index.
//
// The collector stays available as a safety net: a soft memory limit of half the machine's
// memory, or the lower limit already set (the user's GOMEMLIMIT, or limitToContainer's), makes
// it run if the heap ever gets there. Where the machine's memory is unknown (no
// /proc/meminfo), or GOGC is set in the environment, nothing changes.
func pauseCollector() (restore func()) {
	total := physicalMemory()
	if total <= 0 || os.Getenv("GOGC") != "" {
		return func() {}
	}
	limit := debug.SetMemoryLimit(-1) // the current limit, unchanged
	debug.SetMemoryLimit(min(limit, total/2))
	percent := debug.SetGCPercent(-1)
	var once sync.Once
	return func() {
		once.Do(func() {
			debug.SetGCPercent(percent)
			debug.SetMemoryLimit(limit)
		})
	}
}

// physicalMemory returns the machine's memory in bytes from /proc/meminfo, 0 when unknown.
func physicalMemory() int64 {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) >= 2 && fields[0] == "MemTotal:" {
			kb, err := strconv.ParseInt(fields[1], 10, 64)
			if err != nil || kb <= 0 || kb > math.MaxInt64/1024 {
				return 0
			}
			return kb * 1024
		}
	}
	return 0
}

// cgroupRoot is where the kernel shows the run's control group (inside a container, the
// container's own).
const cgroupRoot = "/sys/fs/cgroup"

// limitToContainer sets the soft memory limit of a run in a container whose memory is limited
// (containerMemory) to 90% of that limit, unless the user set GOMEMLIMIT, and returns the
// function that restores the previous limit. The collector then works harder as the heap nears
// the container's limit, instead of the kernel killing the run: a national run peaks at about
// 2.5 GB of resident memory with no limit, and runs in a 2 GiB container about a fifth slower
// (docs/performance.md).
func limitToContainer() (restore func()) {
	prev := debug.SetMemoryLimit(-1)
	if os.Getenv("GOMEMLIMIT") != "" || prev != math.MaxInt64 {
		return func() {}
	}
	self, _ := os.ReadFile("/proc/self/cgroup")
	c := containerMemory(cgroupRoot, string(self))
	if c <= 0 {
		return func() {}
	}
	debug.SetMemoryLimit(c / 10 * 9)
	return func() { debug.SetMemoryLimit(prev) }
}

// containerMemory returns the memory limit in bytes of the process's control group, 0 when
// there is none or it is unknown. self is /proc/self/cgroup, which names the group: cgroup v2
// ("0::/path", the limit in root/path/memory.max) or the v1 memory controller
// ("N:memory:/path", in root/memory/path/memory.limit_in_bytes). Inside a container the path is
// usually "/".
func containerMemory(root, self string) int64 {
	var files []string
	for _, line := range strings.Split(self, "\n") {
		parts := strings.SplitN(line, ":", 3)
		if len(parts) != 3 {
			continue
		}
		switch {
		case parts[0] == "0" && parts[1] == "":
			files = append(files, filepath.Join(root, parts[2], "memory.max"))
		case slices.Contains(strings.Split(parts[1], ","), "memory"):
			files = append(files, filepath.Join(root, "memory", parts[2], "memory.limit_in_bytes"))
		}
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		v := strings.TrimSpace(string(b))
		if v == "max" {
			return 0
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 || n >= 1<<60 { // v1 says "unlimited" with a number near 2^63
			return 0
		}
		return n
	}
	return 0
}
