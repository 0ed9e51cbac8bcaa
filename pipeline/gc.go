package pipeline

import (
	"bufio"
	"math"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
)

// pauseCollector turns the Go collector off and returns the function that turns it back on
// (calling it again does nothing). Run pauses it while reading and building the index.
//
// Reading allocates almost only what it keeps: the rows of every table, which live until
// the determinations are made (the Arrow buffers are recycled by bufpool); so does building
// the index. Collecting while the heap grows from nothing to two gigabytes finds little
// garbage, yet at national scale it cost about a third of the read (the mark work, and write
// barriers on every row appended while a mark runs): measured, the read took 7-9 s with the
// collector off against 10-13 s with it on, for a peak RSS of 3.5 GiB either way
// (docs/performance.md).
//
// The collector stays available as a safety net: a soft memory limit of half the machine's
// memory (or the user's lower GOMEMLIMIT) makes it run if the heap ever gets there. Where the
// machine's memory is unknown (no /proc/meminfo), or GOGC is set in the environment, nothing
// changes.
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
