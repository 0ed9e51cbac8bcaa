package model

import (
	"strings"
	"testing"
	"unsafe"
)

func TestEntityKey(t *testing.T) {
	type ids struct {
		level                 Level
		npi, tin, vg, sg, apm string
	}
	cases := []struct {
		name   string
		key    EntityKey
		want   ids
		packs  bool
		packed uint64
		str    string
	}{
		{"individual", IndividualKey("1234567893", "012345678"),
			ids{LevelIndividual, "1234567893", "012345678", "", "", ""}, true, 12345678*PairTINScale + 1234567893,
			"individual,1234567893,012345678,,,"},
		{"individual, TIN of zeros", IndividualKey("1234567893", "000000000"),
			ids{LevelIndividual, "1234567893", "000000000", "", "", ""}, true, 1234567893, "individual,1234567893,000000000,,,"},
		{"individual, IDs that do not pack", IndividualKey("N1234567893", "T12"),
			ids{LevelIndividual, "N1234567893", "T12", "", "", ""}, false, 0, "individual,N1234567893,T12,,,"},
		{"individual, no IDs", IndividualKey("", ""), ids{LevelIndividual, "", "", "", "", ""}, false, 0, "individual,,,,,"},
		{"group", GroupKey("000000042"), ids{LevelGroup, "", "000000042", "", "", ""}, true, 42, "group,,000000042,,,"},
		{"group, TIN that does not pack", GroupKey("12-345678"), ids{LevelGroup, "", "12-345678", "", "", ""}, false, 0, "group,,12-345678,,,"},
		{"virtual group", VirtualGroupKey("VG-1"), ids{LevelVirtualGroup, "", "", "VG-1", "", ""}, false, 0, "virtual_group,,,VG-1,,"},
		{"subgroup", SubgroupKey("SG-1", ""), ids{LevelSubgroup, "", "", "", "SG-1", ""}, false, 0, "subgroup,,,,SG-1,"},
		{"subgroup with its TIN", SubgroupKey("SG-1", "012345678"), ids{LevelSubgroup, "", "012345678", "", "SG-1", ""}, false, 0, "subgroup,,012345678,,SG-1,"},
		{"subgroup with a TIN that does not pack", SubgroupKey("SG-1", "T1"), ids{LevelSubgroup, "", "T1", "", "SG-1", ""}, false, 0, "subgroup,,T1,,SG-1,"},
		{"APM Entity", APMEntityKey("A1234"), ids{LevelAPMEntity, "", "", "", "", "A1234"}, false, 0, "apm_entity,,,,,A1234"},
		{"no level", EntityKey{}, ids{}, false, 0, ",,,,,"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			k := c.key
			got := ids{k.Level(), k.NPI(), k.TIN(), k.VirtualGroupID(), k.SubgroupID(), k.APMEntityID()}
			if got != c.want {
				t.Errorf("IDs %+v, want %+v", got, c.want)
			}
			p, ok := k.Packed()
			if ok != c.packs || p != c.packed {
				t.Errorf("Packed() = %d, %v; want %d", p, ok, c.packed)
			}
			if s := k.String(); s != c.str {
				t.Errorf("String() = %q, want %q", s, c.str)
			}
			if !k.Is(c.want.level) {
				t.Errorf("Is(%q) false", c.want.level)
			}
			// The same entity named through NewEntityKey, with the IDs its level does not use
			// set, is the same key.
			w := c.want
			used := map[Level]string{LevelIndividual: "npi tin", LevelGroup: "tin", LevelVirtualGroup: "vg",
				LevelSubgroup: "sg tin", LevelAPMEntity: "apm"}[w.level]
			id := func(name, v string) string {
				if strings.Contains(used, name) {
					return v
				}
				return "unused"
			}
			again := NewEntityKey(w.level, id("npi", w.npi), id("tin", w.tin), id("vg", w.vg), id("sg", w.sg), id("apm", w.apm))
			if again != k {
				t.Errorf("NewEntityKey gives %v, want %v", again, k)
			}
		})
	}
}

// Keys naming different entities differ, however their IDs are spelled.
func TestEntityKeyDistinct(t *testing.T) {
	keys := []EntityKey{
		IndividualKey("1234567893", "012345678"), IndividualKey("1234567893", "012345679"),
		IndividualKey("1234567894", "012345678"), IndividualKey("N1234567893", "012345678"),
		GroupKey("012345678"), GroupKey("12345678"), SubgroupKey("012345678", ""),
		SubgroupKey("SG", ""), SubgroupKey("SG", "012345678"), SubgroupKey("SG", "12345678"),
		SubgroupKey("SG\x00012345678", ""), VirtualGroupKey("SG"), APMEntityKey("SG"), {},
	}
	for i := range keys {
		for j := range keys {
			if (keys[i] == keys[j]) != (i == j) {
				t.Errorf("%v == %v is %v", keys[i], keys[j], keys[i] == keys[j])
			}
		}
	}
}

// The key is four words: a national run holds millions of them.
func TestEntityKeySize(t *testing.T) {
	if n := unsafe.Sizeof(EntityKey{}); n != 32 {
		t.Errorf("EntityKey is %d bytes, want 32", n)
	}
}
