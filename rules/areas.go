package rules

import (
	"embed"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"

	"reweigh/model"
)

//go:embed euc
var eucFiles embed.FS

// Areas is a year's set of automatic EUC areas: ZIP codes and (state, county) pairs.
type Areas struct {
	Source   string
	zips     map[string]bool
	counties map[string]bool // state + "|" + normalised county
}

// NewAreas builds the set from rows that each name a ZIP or a county (the euc_areas table).
func NewAreas(source string, rows []model.EUCArea) *Areas {
	a := &Areas{Source: source, zips: map[string]bool{}, counties: map[string]bool{}}
	for _, r := range rows {
		a.add(r)
	}
	return a
}

func (a *Areas) add(r model.EUCArea) {
	if z := strings.TrimSpace(r.Zipcode); z != "" {
		a.zips[z] = true
	}
	if r.StateCode != "" && r.CountyName != "" {
		a.counties[countyKey(r.StateCode, r.CountyName)] = true
	}
}

// Len is the number of ZIPs and counties in the set.
func (a *Areas) Len() (zips, counties int) { return len(a.zips), len(a.counties) }

// Match reports whether a practice address lies in a designated area, by ZIP or by state and
// county, and the evidence ("zip:NNNNN" or "county:ST/Name").
func (a *Areas) Match(zip, state, county string) (bool, string) {
	if zip != "" && a.zips[zip] {
		return true, "zip:" + zip
	}
	if state != "" && county != "" {
		// Every clinician row is matched: the key of an ASCII name is built on the stack.
		var buf [96]byte
		hit := false
		if k, ok := appendCountyKey(buf[:0], state, county); ok {
			hit = a.counties[string(k)]
		} else {
			hit = a.counties[countyKey(state, county)]
		}
		if hit {
			return true, "county:" + strings.ToUpper(state) + "/" + county
		}
	}
	return false, ""
}

// appendCountyKey appends countyKey(state, county) to b without allocating, for ASCII state
// and county names; ok is false (and b unusable) for any other.
func appendCountyKey(b []byte, state, county string) ([]byte, bool) {
	state = strings.TrimSpace(state)
	for i := 0; i < len(state); i++ {
		c := state[i]
		if c >= 0x80 {
			return b, false
		}
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		b = append(b, c)
	}
	b = append(b, '|')
	start := len(b)
	for i := 0; i < len(county); i++ {
		c := county[i]
		if c >= 0x80 {
			return b, false
		}
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if ('a' <= c && c <= 'z') || ('0' <= c && c <= '9') {
			b = append(b, c)
		}
	}
	for _, suffix := range countySuffixes {
		if k := b[start:]; len(k) > len(suffix) && string(k[len(k)-len(suffix):]) == suffix {
			b = b[:len(b)-len(suffix)]
			break
		}
	}
	return b, true
}

// countySuffixes are the words a county key drops from the end of a name.
var countySuffixes = [...]string{"county", "parish"}

// countyKey normalises a county name for matching: case, spaces and punctuation are ignored, and
// a trailing "county" or "parish" is dropped ("St. Bernard Parish" = "st bernard parish" =
// "St Bernard"; "Miami-Dade" = "miami dade").
func countyKey(state, county string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(county) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		}
	}
	k := b.String()
	for _, suffix := range countySuffixes {
		if len(k) > len(suffix) && strings.HasSuffix(k, suffix) {
			k = strings.TrimSuffix(k, suffix)
			break
		}
	}
	return strings.ToUpper(strings.TrimSpace(state)) + "|" + k
}

// BundledAreas returns CMS's published automatic EUC areas for a performance year (counties and
// the county-ZIP crosswalk from CMSgov/qpp-eu-data), or an error when the year has none.
func BundledAreas(year int) (*Areas, error) {
	dir := fmt.Sprintf("euc/%d", year)
	a := NewAreas(fmt.Sprintf("bundled CMS qpp-eu-data %d", year), nil)
	for _, name := range []string{"euc_counties.csv", "euc_county_zipcode_crosswalk.csv"} {
		if err := readAreaFile(eucFiles, dir+"/"+name, a); err != nil {
			return nil, err
		}
	}
	return a, nil
}

func readAreaFile(fsys fs.FS, name string, a *Areas) error {
	f, err := fsys.Open(name)
	if err != nil {
		return fmt.Errorf("automatic EUC areas: %w", err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	header, err := r.Read()
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.TrimSpace(h)] = i
	}
	get := func(rec []string, name string) string {
		if i, ok := col[name]; ok && i < len(rec) {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		a.add(model.EUCArea{StateCode: get(rec, "state_code"), CountyName: get(rec, "county_name"), Zipcode: get(rec, "zipcode")})
	}
}
