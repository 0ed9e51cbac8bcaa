package pipeline

import "testing"

func TestHasFlag(t *testing.T) {
	for _, c := range []struct {
		flags, f string
		want     bool
	}{
		{"", "a", false}, {"a", "a", true}, {"ab", "a", false}, {"b;a", "a", true}, {"a;b", "b", true},
		{"weights.no_policy_row", "weights.no_policy_row", true}, {"x;weights.no_policy_row:2", "weights.no_policy_row", false},
		{";", "", true}, {"a;;b", "", true}, {"a;b", "", false},
	} {
		if got := hasFlag(c.flags, c.f); got != c.want {
			t.Errorf("hasFlag(%q, %q) = %v", c.flags, c.f, got)
		}
	}
}
