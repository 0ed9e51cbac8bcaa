package pipeline

import (
	"bufio"
	"math"
	"os"
	"path/filepath"
	"runtime/debug"
	"runtime/metrics"
	"slices"
	"strconv"
	"strings"
)

// collector is a run's hold on the Go collector: paused while reading and building the index
// (pauseCollector), a heap cap worked out at the end of the read (capHeap), the collector
// resumed under that cap once the index is built (resume), and everything as it was at the end
// of the run (restore).
//
// Reading allocates mostly what it keeps: the rows of every table, which live until the
// index is built or the determinations are made (the Arrow buffers are recycled by bufpool);
// so does building the index. Collecting while the heap grows from nothing to two gigabytes
// finds little garbage, yet at national scale it cost about a third of the read (the mark
// work, and write barriers on every row appended while a mark runs): measured in the second
// round, the read took 7-9 s with the collector off against 10-13 s with it on
// (docs/performance.md). Run collects once between the read and the index, and once after it.
//
// The collector stays available as a safety net: a soft memory limit of half the machine's
// memory, or the lower limit already set (the user's GOMEMLIMIT, or limitToContainer's), makes
// it run if the heap ever gets there. Where the machine's memory is unknown (no
// /proc/meminfo), or GOGC is set in the environment, nothing changes.
type collector struct {
	active  bool  // the run controls the collector (see pauseCollector)
	percent int   // GOGC before the run
	limit   int64 // the soft memory limit before the run
	cap     int64 // the heap cap worked out by capHeap and set by resume; math.MaxInt64 before it
	resumed bool
	done    bool // restored
}

// pauseCollector turns the Go collector off (see collector).
func pauseCollector() *collector {
	c := &collector{cap: math.MaxInt64}
	total := physicalMemory()
	if total <= 0 || os.Getenv("GOGC") != "" {
		return c
	}
	c.active = true
	c.limit = debug.SetMemoryLimit(-1) // the current limit, unchanged
	debug.SetMemoryLimit(min(c.limit, total/2))
	c.percent = debug.SetGCPercent(-1)
	return c
}

// heapHeadroomPercent is how far above the live heap at the end of the read (the input rows,
// just collected) capHeap lets the heap grow for the rest of the run.
const heapHeadroomPercent = 50

// capHeap, called right after a collection at the end of the read, works out the heap cap for
// the rest of the run (resume sets it): the live heap (the input rows) plus some room
// (heapCap), unless the user set GOMEMLIMIT.
//
// With the collector's default pacing (GOGC=100) the heap grows to twice the live heap before
// each collection: the index and the decisions, on top of the rows, made a national run's heap
// reach 2.35 GB (live 1.2 GB at the collection before), 2.3-2.5 GB of resident memory. Capped,
// the collector runs a few more times while the determinations are made, with the rows the
// index consumed and the clinicians already gone (determine), for about half a second:
// docs/performance.md. The cap grows with the input, so a larger run does not thrash against
// it the way it would against a fixed limit.
//
// The cap is at least the memory the run holds at that point (what the read's heap grew to,
// less what the scavenger has returned): the read has already made those pages resident, so
// using them again costs no more peak memory, while a cap below them makes the scavenger hand
// them back and the rest of the run fault them in again. Once the input rows were packed
// smaller (the eleventh round), live plus half fell to 1.39 GB in a national run, below the
// 1.6 GB the read held and close to the 1.2 GB the determine stage keeps live: five
// collections instead of four, and pages the scavenger handed back faulted in again; with
// this floor, four collections and faster in eight of ten alternated national runs
// (docs/performance.md, eleventh round).
//
// The cap is not set while the index is built (until the twelfth round it was): a national
// index grew the heap past it (to 1.31 GB, 0.9 GB of it live) and the collector ran once in
// the middle of the index, only for the collection forced after the index to run again a
// moment later. Uncapped, the index ends without one; peak resident memory is about 180 MB
// higher (1.6 GB), and a national run used about 5% less time (docs/performance.md,
// thirteenth round).
func (c *collector) capHeap() {
	if !c.active || os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	live, held, ok := heapNow()
	if !ok {
		return
	}
	c.cap = heapCap(live, held)
}

// heapNow returns the live heap as of the last collection, and the memory the process holds
// (what the heap has mapped less what the scavenger has returned); ok is false when the runtime
// does not report them.
func heapNow() (live, held int64, ok bool) {
	sample := []metrics.Sample{
		{Name: "/gc/heap/live:bytes"},
		{Name: "/memory/classes/total:bytes"},
		{Name: "/memory/classes/heap/released:bytes"},
	}
	metrics.Read(sample)
	for _, s := range sample {
		if s.Value.Kind() != metrics.KindUint64 {
			return 0, 0, false
		}
	}
	live = int64(sample[0].Value.Uint64())
	held = int64(sample[1].Value.Uint64()) - int64(sample[2].Value.Uint64())
	return live, held, true
}

// heapCap is the soft memory limit for a live heap of live bytes when the run holds held bytes
// of memory (capHeap): live plus heapHeadroomPercent, at least minHeapHeadroom of room, and at
// least held.
func heapCap(live, held int64) int64 {
	return max(live+max(live*heapHeadroomPercent/100, minHeapHeadroom), held)
}

// minHeapHeadroom is the least room capHeap leaves above the read's live heap. What the rest of
// a run adds to the heap is not all in proportion to the input: the writers' encoders, page
// buffers and pool are a few hundred megabytes at any size. With only 64 MiB of room, a run of
// 150,000 clinicians collected 49 times and took twice as long.
const minHeapHeadroom = 512 << 20

// resume, called right after the collection forced once the index is built, turns the
// collector back on with the run's heap cap (capHeap) as its soft memory limit, or the one from
// before the run when lower. The cap is raised, as at the end of the read, to the memory the run
// holds by then (the index's pages: see capHeap). Calling it again does nothing.
func (c *collector) resume() {
	if !c.active || c.resumed {
		return
	}
	c.resumed = true
	if _, held, ok := heapNow(); ok && c.cap != math.MaxInt64 {
		c.cap = max(c.cap, held)
	}
	debug.SetGCPercent(c.percent)
	debug.SetMemoryLimit(min(c.limit, c.cap))
}

// restore puts GOGC and the soft memory limit back as they were before the run.
func (c *collector) restore() {
	if !c.active || c.done {
		return
	}
	c.done = true
	debug.SetGCPercent(c.percent)
	debug.SetMemoryLimit(c.limit)
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
