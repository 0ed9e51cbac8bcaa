package rules

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
)

// catalogJSON is the plain-language rule catalog: one entry per rule ID of rules.md, per flag
// the program writes and per APM participant exclusion reason.
//
//go:embed catalog.json
var catalogJSON []byte

// Entry explains one rule ID or flag.
type Entry struct {
	ID     string `json:"id"`     // as written in the outputs, e.g. "pi_hardship"
	Title  string `json:"title"`  // a few words
	Plain  string `json:"plain"`  // one or two sentences a practice manager understands
	Source string `json:"source"` // the guide (by its CMS title) and page, as rules.md cites them
	// Evidence names what follows the ID after a colon in the outputs ("application",
	// "submission", "TIN", ...); empty when the ID is written without evidence.
	Evidence string `json:"evidence,omitempty"`
}

// Reason is a reason or flag token of the outputs resolved against the catalog.
type Reason struct {
	Token    string // as written, e.g. "pi_hardship:APP-17"
	Evidence string // the part after the colon, e.g. "APP-17"; "" when none
	Entry
}

// Catalog is the validated rule catalog.
type Catalog struct {
	entries []Entry
	byID    map[string]int
}

var loadCatalog = sync.OnceValues(func() (*Catalog, error) { return parseCatalog(catalogJSON) })

// LoadCatalog returns the embedded rule catalog, validated: every entry has an ID, a title, a
// plain text and a source, and no ID appears twice. It is parsed once.
func LoadCatalog() (*Catalog, error) { return loadCatalog() }

func parseCatalog(data []byte) (*Catalog, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var entries []Entry
	if err := dec.Decode(&entries); err != nil {
		return nil, fmt.Errorf("rule catalog: %w", err)
	}
	c := &Catalog{entries: entries, byID: make(map[string]int, len(entries))}
	var errs []error
	for i, e := range entries {
		where := fmt.Sprintf("rule catalog entry %d (%q)", i+1, e.ID)
		for _, f := range []struct{ name, v string }{{"id", e.ID}, {"title", e.Title}, {"plain", e.Plain}, {"source", e.Source}} {
			if strings.TrimSpace(f.v) == "" {
				errs = append(errs, fmt.Errorf("%s: empty %s", where, f.name))
			}
		}
		if strings.ContainsAny(e.ID, ":; \t") {
			errs = append(errs, fmt.Errorf("%s: an ID has no ':', ';' or spaces", where))
		}
		if prev, dup := c.byID[e.ID]; dup {
			errs = append(errs, fmt.Errorf("%s: duplicate ID (first in entry %d)", where, prev+1))
			continue
		}
		c.byID[e.ID] = i
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return c, nil
}

// Entries returns the catalog's entries in file order.
func (c *Catalog) Entries() []Entry { return c.entries }

// Entry returns the entry of a rule ID or flag (without evidence).
func (c *Catalog) Entry(id string) (Entry, bool) {
	i, ok := c.byID[id]
	if !ok {
		return Entry{}, false
	}
	return c.entries[i], true
}

// Lookup resolves one reason or flag token as the outputs write it: a rule ID, optionally
// followed by ':' and its evidence ("pi_hardship:APP-17", "subgroup.inherit:400000001",
// "virtual_group.tin_over_10:400000004"). It reports false for an unknown ID, and for evidence
// given to an ID that takes none or missing from an ID that needs it.
func (c *Catalog) Lookup(token string) (Reason, bool) {
	id, evidence, hasEvidence := strings.Cut(strings.TrimSpace(token), ":")
	e, ok := c.Entry(id)
	if !ok || hasEvidence != (e.Evidence != "") || (hasEvidence && evidence == "") {
		return Reason{Token: token, Evidence: evidence, Entry: Entry{ID: id}}, false
	}
	return Reason{Token: token, Evidence: evidence, Entry: e}, true
}
