package model

import (
	"strconv"
	"strings"

	"reweigh/radix"
)

// EntityKey names an entity at any level: an individual by NPI and TIN, a group by TIN, a
// virtual group, subgroup or APM Entity by its ID (a subgroup also by its affiliated TIN when
// known). Make one with IndividualKey, GroupKey, VirtualGroupKey, SubgroupKey, APMEntityKey or
// NewEntityKey; the zero key has no level. Keys naming the same entity are ==.
//
// It is packed (32 bytes, against 96 for a level and five strings): a national run holds
// some 3.5 million of them in its scores, submissions, cost measures and exceptions rows,
// nearly all individuals and groups, whose valid NPI and TIN are numbers. Those are kept as
// one number and no string; IDs that are not 10 and 9 digits are kept as given.
type EntityKey struct {
	num   uint64 // packed IDs: an individual's TIN*PairTINScale+NPI, a group's or subgroup's TIN
	id    string // the virtual group, subgroup or APM Entity ID, or the IDs that do not pack
	level uint8  // index in levelNames
	form  uint8  // keyPacked, keyHasTIN
}

// PairTINScale is what a packed individual key's TIN is multiplied by (see Packed): the key is
// radix.PairKey's number, the order the index sorts individuals in.
const PairTINScale = radix.TINScale

const (
	keyPacked = 1 << iota // num holds the NPI and TIN (individual) or the TIN (group, subgroup)
	keyHasTIN             // a subgroup's TIN is known
)

// levelNames are the levels in the order of EntityKey.level; 0 is no level.
var levelNames = [...]Level{"", LevelIndividual, LevelGroup, LevelVirtualGroup, LevelSubgroup, LevelAPMEntity}

// sep joins the IDs of a key that do not pack; no valid ID holds it.
const sep = "\x00"

// IndividualKey is the key of the individual NPI/TIN.
func IndividualKey(npi, tin string) EntityKey {
	n, okN := radix.Digits(npi, 10)
	t, okT := radix.Digits(tin, 9)
	if okN && okT {
		return EntityKey{level: 1, form: keyPacked, num: t*PairTINScale + n}
	}
	return EntityKey{level: 1, id: npi + sep + tin}
}

// GroupKey is the key of the group TIN.
func GroupKey(tin string) EntityKey {
	if t, ok := radix.Digits(tin, 9); ok {
		return EntityKey{level: 2, form: keyPacked, num: t}
	}
	return EntityKey{level: 2, id: tin}
}

// VirtualGroupKey is the key of a virtual group.
func VirtualGroupKey(id string) EntityKey { return EntityKey{level: 3, id: id} }

// SubgroupKey is the key of an MVP subgroup; tin is its affiliated TIN, or "" when not known.
func SubgroupKey(id, tin string) EntityKey {
	switch t, ok := radix.Digits(tin, 9); {
	case tin == "":
		return EntityKey{level: 4, id: id}
	case ok:
		return EntityKey{level: 4, form: keyPacked | keyHasTIN, num: t, id: id}
	}
	return EntityKey{level: 4, form: keyHasTIN, id: id + sep + tin}
}

// APMEntityKey is the key of an APM Entity.
func APMEntityKey(id string) EntityKey { return EntityKey{level: 5, id: id} }

// NewEntityKey is the key of the entity at level l named by the IDs that level uses (the
// others are ignored; a subgroup uses its TIN when given). An unknown level gives a key with
// that level's IDs unknown: it equals only the zero key.
func NewEntityKey(l Level, npi, tin, virtualGroupID, subgroupID, apmEntityID string) EntityKey {
	switch l {
	case LevelIndividual:
		return IndividualKey(npi, tin)
	case LevelGroup:
		return GroupKey(tin)
	case LevelVirtualGroup:
		return VirtualGroupKey(virtualGroupID)
	case LevelSubgroup:
		return SubgroupKey(subgroupID, tin)
	case LevelAPMEntity:
		return APMEntityKey(apmEntityID)
	}
	return EntityKey{}
}

// Level is the key's level ("" for the zero key).
func (k EntityKey) Level() Level { return levelNames[k.level] }

// Is reports whether the key is at level l.
func (k EntityKey) Is(l Level) bool { return levelNames[k.level] == l }

// Packed returns an individual's TIN*PairTINScale+NPI, or a group's TIN, when its IDs are
// 10 and 9 digits; ok is false otherwise and for the other levels.
func (k EntityKey) Packed() (num uint64, ok bool) {
	if k.level > 2 || k.form&keyPacked == 0 {
		return 0, false
	}
	return k.num, true
}

// NPI is an individual's NPI ("" at the other levels).
func (k EntityKey) NPI() string {
	if k.level != 1 {
		return ""
	}
	if k.form&keyPacked != 0 {
		return pad(k.num%PairTINScale, 10)
	}
	npi, _, _ := strings.Cut(k.id, sep)
	return npi
}

// TIN is an individual's or group's TIN, or a subgroup's when known ("" otherwise).
func (k EntityKey) TIN() string {
	switch {
	case k.level == 1 && k.form&keyPacked != 0:
		return pad(k.num/PairTINScale, 9)
	case k.level == 1:
		_, tin, _ := strings.Cut(k.id, sep)
		return tin
	case k.level == 2 && k.form&keyPacked != 0, k.level == 4 && k.form&keyPacked != 0:
		return pad(k.num, 9)
	case k.level == 2:
		return k.id
	case k.level == 4 && k.form&keyHasTIN != 0:
		_, tin, _ := strings.Cut(k.id, sep)
		return tin
	}
	return ""
}

// VirtualGroupID is a virtual group's ID ("" at the other levels).
func (k EntityKey) VirtualGroupID() string {
	if k.level != 3 {
		return ""
	}
	return k.id
}

// SubgroupID is a subgroup's ID ("" at the other levels).
func (k EntityKey) SubgroupID() string {
	switch {
	case k.level != 4:
		return ""
	case k.form&(keyHasTIN|keyPacked) == keyHasTIN:
		id, _, _ := strings.Cut(k.id, sep)
		return id
	}
	return k.id
}

// APMEntityID is an APM Entity's ID ("" at the other levels).
func (k EntityKey) APMEntityID() string {
	if k.level != 5 {
		return ""
	}
	return k.id
}

// String is the key's level and IDs as a reject's value shows them:
// level,npi,tin,virtual_group_id,subgroup_id,apm_entity_id.
func (k EntityKey) String() string {
	return string(k.Level()) + "," + k.NPI() + "," + k.TIN() + "," + k.VirtualGroupID() + "," + k.SubgroupID() + "," + k.APMEntityID()
}

// pad formats v in n digits with leading zeros.
func pad(v uint64, n int) string {
	var b [20]byte
	s := strconv.AppendUint(b[:0], v, 10)
	if len(s) >= n {
		return string(s)
	}
	out := make([]byte, n)
	z := n - len(s)
	for i := range z {
		out[i] = '0'
	}
	copy(out[z:], s)
	return string(out)
}
