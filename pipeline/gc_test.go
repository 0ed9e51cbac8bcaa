package pipeline

import (
	"os"
	"path/filepath"
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
