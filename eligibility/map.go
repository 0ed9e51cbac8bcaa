package eligibility

import (
	"strings"

	"reweigh/readers"
)

// Add maps one clinician (a response's data) to rows; src names the response in warnings and
// in the rows' Source. See the package documentation for the mapping.
func (im *Importer) Add(src string, c *Clinician) {
	npi := strings.TrimSpace(c.NPI)
	if !readers.ValidNPI(npi) {
		im.Skipped += max(len(c.Organizations), 1)
		im.warnf(src, "NPI %q is not a valid NPI (10 digits with the Luhn check digit over 80840): response skipped", c.NPI)
		return
	}
	if len(c.Organizations) == 0 {
		im.warnf(src, "NPI %s has no organizations: nothing to import", npi)
		return
	}
	for i := range c.Organizations {
		im.addOrganization(src, npi, c, &c.Organizations[i])
	}
}

func (im *Importer) addOrganization(src, npi string, c *Clinician, org *Organization) {
	tin, problem := normTIN(org.TIN)
	if problem != "" {
		im.Skipped++
		im.warnf(src, "NPI %s: organization TIN %q %s: organization skipped", npi, org.TIN, problem)
		return
	}
	row := &ClinicianRow{NPI: npi, TIN: tin, Source: src}
	row.PracticeZIP = im.zip(src, npi, tin, org.Zip)
	row.PracticeState = im.state(src, npi, tin, org.State)

	ind := org.IndividualScenario
	if ind == nil {
		im.warnf(src, "NPI %s / TIN %s has no individualScenario: its flags are left empty (statuses derived from counts, mips_eligible defaults to true, auto_euc from the practice ZIP)", npi, tin)
	} else {
		row.HospitalBased = fromFlag(ind.HospitalBasedClinician)
		row.NonPatientFacing = fromFlag(ind.NonPatientFacing)
		row.ASCBased = fromFlag(ind.AmbulatorySurgicalCenter)
		row.MIPSEligible = mipsEligible(ind)
		var why string
		row.AutoEUC, why = autoEUC(ind)
		if why != "" {
			im.warnf(src, "NPI %s / TIN %s: %s", npi, tin, why)
		}
		if hasSource(ind.ExtremeHardshipSources, "manual") {
			im.warnf(src, "NPI %s / TIN %s has an EUC exception from an application (extremeHardshipSources \"manual\"): add the approved application to exceptions, reweigh does not import it", npi, tin)
		}
		if ind.ACIHardship.Valid && ind.ACIHardship.V {
			im.warnf(src, "NPI %s / TIN %s has an approved PI hardship (aciHardship): add the approved application to exceptions, reweigh does not import it", npi, tin)
		}
	}
	sp, code := (*Specialty)(nil), ""
	if ind != nil {
		sp, code = ind.Specialty, ind.SpecialtyCode
	}
	if sp == nil {
		sp = c.Specialty // deprecated top-level specialty
	}
	var conflict string
	row.ClinicianType, conflict = clinicianType(code, sp)
	if conflict != "" {
		im.warnf(src, "NPI %s / TIN %s: %s", npi, tin, conflict)
	}

	key := [2]string{npi, tin}
	if old, ok := im.clinicians[key]; ok {
		im.warnf(src, "NPI %s / TIN %s is also in %s: the later response (this one) is used", npi, tin, old.Source)
	}
	im.clinicians[key] = row

	// The TIN's small-practice status: the group scenario's, else the individual scenario's
	// (both describe the TIN: "15 or fewer clinicians bill under the group").
	small := Flag{}
	if g := org.GroupScenario; g != nil {
		small = g.SmallGroupPractitioner
	}
	if !small.Valid && ind != nil {
		small = ind.SmallGroupPractitioner
	}
	if small.Valid {
		if old, ok := im.groups[tin]; ok && old.SmallPractice.V != small.V {
			im.warnf(src, "TIN %s: smallGroupPractitioner %t, but %t in %s: the later response (this one) is used", tin, small.V, old.SmallPractice.V, old.Source)
		}
		im.groups[tin] = &GroupRow{TIN: tin, SmallPractice: fromFlag(small), Source: src}
	}
}

// mipsEligible is isEligible.individual, or true when the clinician opted in to MIPS
// (isOptedIn: an opt-in eligible clinician who elected to participate is MIPS eligible).
func mipsEligible(s *Scenario) Bool {
	if s.IsOptedIn.Valid && s.IsOptedIn.V {
		return Bool{V: true, Valid: true}
	}
	if s.IsEligible != nil {
		return fromFlag(s.IsEligible.Individual)
	}
	return Bool{}
}

// autoEUC is true when an extremeHardshipSources entry is automatic (auto-fema, auto-covid),
// whatever extremeHardshipReasons says: the live API reports the automatic EUC policy with every
// reason false. It is false when the scenario reports on extreme hardship without an automatic
// source, and null when it does not report (then the pipeline derives it from the practice
// address). why explains a null the caller should know about.
func autoEUC(s *Scenario) (b Bool, why string) {
	for _, src := range s.ExtremeHardshipSources {
		switch strings.ToLower(strings.TrimSpace(src)) {
		case "auto-fema", "auto-covid":
			return Bool{V: true, Valid: true}, ""
		}
	}
	switch {
	case s.ExtremeHardshipSources != nil:
		return Bool{Valid: true}, ""
	case s.ExtremeHardship.Valid && s.ExtremeHardship.V:
		return Bool{}, "extremeHardship is true but extremeHardshipSources is missing, so it is not known whether it is automatic: auto_euc left empty (derived from the practice address)"
	case s.ExtremeHardship.Valid:
		return Bool{Valid: true}, ""
	}
	return Bool{}, ""
}

func hasSource(sources []string, want string) bool {
	for _, s := range sources {
		if strings.EqualFold(strings.TrimSpace(s), want) {
			return true
		}
	}
	return false
}

// normTIN returns the 9-digit TIN of the API's TIN ("12-3456789" accepted), or why it cannot be
// used. The API masks the TINs the caller is not authorized for ("XXXXXXXXXX").
func normTIN(s string) (string, string) {
	t := strings.TrimSpace(s)
	if len(t) == 10 && t[2] == '-' {
		t = t[:2] + t[3:]
	}
	switch {
	case t == "":
		return "", "is empty"
	case strings.ContainsAny(t, "Xx*"):
		return "", "is masked (the API masks the TINs the caller is not authorized to see; request with the practice's credentials)"
	case len(t) != 9 || !allDigits(t):
		return "", "is not 9 digits"
	}
	return t, ""
}

// zip returns the first five digits of the API's nine-digit (or five-digit, or ZIP+4) zip.
func (im *Importer) zip(src, npi, tin, z string) string {
	z = strings.TrimSpace(z)
	switch {
	case z == "":
		return ""
	case len(z) == 10 && z[5] == '-' && allDigits(z[:5]) && allDigits(z[6:]):
		return z[:5]
	case (len(z) == 9 || len(z) == 5) && allDigits(z):
		return z[:5]
	}
	im.warnf(src, "NPI %s / TIN %s: zip %q is not a 5- or 9-digit ZIP code: practice_zip left empty", npi, tin, z)
	return ""
}

// state returns the API's state as a 2-letter upper-case code.
func (im *Importer) state(src, npi, tin, s string) string {
	s = strings.ToUpper(strings.TrimSpace(s))
	if s == "" {
		return ""
	}
	if len(s) != 2 || s[0] < 'A' || s[0] > 'Z' || s[1] < 'A' || s[1] > 'Z' {
		im.warnf(src, "NPI %s / TIN %s: state %q is not a 2-letter code: practice_state left empty", npi, tin, s)
		return ""
	}
	return s
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
