package eligibility

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
)

// Response is one QPP Eligibility API v6 response (GET /api/eligibility/npi/{npi}), reduced to
// the fields the importer reads. Unknown fields are ignored. Data is normally one clinician;
// a response whose "data" is an array of clinicians is accepted too.
type Response struct {
	Data Clinicians `json:"data"`
}

// Clinicians is the "data" of a response: one clinician object, or an array of them. It is
// nil when "data" is absent or null.
type Clinicians []*Clinician

// UnmarshalJSON accepts an object, an array of objects, or null.
func (c *Clinicians) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) > 0 && b[0] == '{':
		var one Clinician
		if err := json.Unmarshal(b, &one); err != nil {
			return err
		}
		*c = Clinicians{&one}
		return nil
	case len(b) > 0 && b[0] == '[':
		var many []*Clinician
		if err := json.Unmarshal(b, &many); err != nil {
			return err
		}
		*c = many
		return nil
	case string(b) == "null":
		*c = nil
		return nil
	}
	return &json.UnmarshalTypeError{Value: jsonKind(b), Type: reflect.TypeFor[Clinician]()}
}

// Clinician is the "data" object: one NPI and the organizations (TINs) it bills under.
type Clinician struct {
	NPI           string         `json:"npi"`
	Organizations []Organization `json:"organizations"`
	// Specialty is the deprecated top-level specialty (v6; removed in v7): used only when the
	// individual scenario has none.
	Specialty *Specialty `json:"specialty"`
}

// Organization is one TIN of the clinician (data.organizations[]).
type Organization struct {
	TIN                string    `json:"TIN"` // upper case in the API; masked ("XXXXXXXXXX") unless the caller is authorized for the TIN
	Zip                string    `json:"zip"` // nine digits, e.g. "000261234"
	State              string    `json:"state"`
	IndividualScenario *Scenario `json:"individualScenario"`
	GroupScenario      *Scenario `json:"groupScenario"`
}

// Scenario is an individualScenario or groupScenario: the clinician's (or the TIN's) special
// statuses, exceptions and eligibility as CMS determined them. extremeHardshipReasons (the
// categories of an EUC exemption) is deliberately not read: the live API reports an automatic
// (auto-fema) EUC with every reason false, so the reasons cannot tell whether it applies.
type Scenario struct {
	HospitalBasedClinician   Flag       `json:"hospitalBasedClinician"`
	NonPatientFacing         Flag       `json:"nonPatientFacing"`
	AmbulatorySurgicalCenter Flag       `json:"ambulatorySurgicalCenter"`
	SmallGroupPractitioner   Flag       `json:"smallGroupPractitioner"`
	ExtremeHardship          Flag       `json:"extremeHardship"`
	ExtremeHardshipSources   []string   `json:"extremeHardshipSources"` // nil when absent or null
	ACIHardship              Flag       `json:"aciHardship"`
	IsEligible               *Eligible  `json:"isEligible"`
	IsOptedIn                Flag       `json:"isOptedIn"`
	Specialty                *Specialty `json:"specialty"`
	SpecialtyCode            string     `json:"specialtyCode"`
}

// Eligible is isEligible of the individual scenario. (The group scenario's isEligible.group
// may be a boolean or a string and is not read.)
type Eligible struct {
	Individual Flag `json:"individual"`
}

// Specialty is the clinician's specialty as the API describes it.
type Specialty struct {
	SpecialtyDescription string `json:"specialtyDescription"`
	CategoryReference    string `json:"categoryReference"`
	TypeDescription      string `json:"typeDescription"`
}

// Flag is a nullable boolean of the API. It accepts true, false and null, and, because some
// fields of the API are documented as "boolean | string", the strings true/false, Y/N, yes/no,
// 1/0 in any case ("" is null). Anything else is a decoding error naming the field.
type Flag struct {
	V     bool
	Valid bool
}

// UnmarshalJSON implements json.Unmarshaler.
func (f *Flag) UnmarshalJSON(b []byte) error {
	switch s := string(bytes.TrimSpace(b)); s {
	case "true":
		*f = Flag{V: true, Valid: true}
		return nil
	case "false":
		*f = Flag{Valid: true}
		return nil
	case "null":
		*f = Flag{}
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		switch strings.ToLower(strings.TrimSpace(s)) {
		case "true", "y", "yes", "1":
			*f = Flag{V: true, Valid: true}
			return nil
		case "false", "n", "no", "0":
			*f = Flag{Valid: true}
			return nil
		case "":
			*f = Flag{}
			return nil
		}
		return &json.UnmarshalTypeError{Value: "string " + strings.TrimSpace(string(b)), Type: reflect.TypeFor[bool]()}
	}
	return &json.UnmarshalTypeError{Value: jsonKind(b), Type: reflect.TypeFor[bool]()}
}

// jsonKind names the kind of a JSON value for an error message.
func jsonKind(b []byte) string {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return "nothing"
	}
	switch b[0] {
	case '{':
		return "object"
	case '[':
		return "array"
	case '"':
		return "string"
	case 't', 'f':
		return "bool"
	case 'n':
		return "null"
	}
	return "number"
}
