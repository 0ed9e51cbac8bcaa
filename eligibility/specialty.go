package eligibility

import (
	"fmt"
	"strings"
)

// specialtyCodes maps CMS Medicare provider specialty codes (the API's specialtyCode) to the
// contract's clinician types. Only codes whose type is unambiguous are listed: the dedicated
// codes of the non-physician MIPS eligible clinician types, and physician specialties (doctors
// of medicine or osteopathy, and the dentists, podiatrists and optometrists that 42 CFR 414.1305
// counts as physicians through section 1861(r) of the Act). Anything else (suppliers,
// facilities, 32 anesthesiologist assistant, 62 psychologist billing independently, the C/D
// codes) is left empty.
var specialtyCodes = map[string]string{
	"15": "speech_language_pathologist",
	"35": "chiropractor",
	"42": "certified_nurse_midwife",
	"43": "certified_registered_nurse_anesthetist",
	"50": "nurse_practitioner",
	"64": "audiologist",
	"65": "physical_therapist",
	"67": "occupational_therapist",
	"68": "clinical_psychologist",
	"71": "registered_dietitian",
	"80": "clinical_social_worker",
	"89": "clinical_nurse_specialist",
	"97": "physician_assistant",
}

// physicianCodes are the physician specialty codes (see specialtyCodes).
var physicianCodes = []string{
	"01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11", "12", "13", "14", "16",
	"17", "18", "19", "20", "21", "22", "24", "25", "26", "27", "28", "29", "30", "33", "34",
	"36", "37", "38", "39", "40", "41", "44", "46", "48", "66", "72", "76", "77", "78", "79",
	"81", "82", "83", "84", "85", "86", "90", "91", "92", "93", "94", "98", "99",
}

func init() {
	for _, c := range physicianCodes {
		specialtyCodes[c] = "physician"
	}
}

// specialtyTexts maps the API's specialty texts (typeDescription, categoryReference,
// specialtyDescription), lower-cased with spaces collapsed, to clinician types. Physician
// specialties by name (Psychiatry, Cardiology, ...) are not listed: they come through the code,
// categoryReference "Physicians" or a typeDescription such as "Doctor of Medicine".
var specialtyTexts = map[string]string{
	"physicians":                                    "physician",
	"physician":                                     "physician",
	"doctor of medicine":                            "physician",
	"doctor of osteopathy":                          "physician",
	"doctor of osteopathic medicine":                "physician",
	"doctor of dental surgery":                      "physician",
	"doctor of dental medicine":                     "physician",
	"doctor of podiatric medicine":                  "physician",
	"doctor of optometry":                           "physician",
	"doctor of chiropractic":                        "chiropractor",
	"chiropractic":                                  "chiropractor",
	"chiropractor":                                  "chiropractor",
	"chiropractors":                                 "chiropractor",
	"physician assistant":                           "physician_assistant",
	"physician assistants":                          "physician_assistant",
	"nurse practitioner":                            "nurse_practitioner",
	"nurse practitioners":                           "nurse_practitioner",
	"clinical nurse specialist":                     "clinical_nurse_specialist",
	"clinical nurse specialists":                    "clinical_nurse_specialist",
	"certified clinical nurse specialist":           "clinical_nurse_specialist",
	"certified registered nurse anesthetist":        "certified_registered_nurse_anesthetist",
	"certified registered nurse anesthetists":       "certified_registered_nurse_anesthetist",
	"certified registered nurse anesthetist (crna)": "certified_registered_nurse_anesthetist",
	"crna":                                             "certified_registered_nurse_anesthetist",
	"certified nurse midwife":                          "certified_nurse_midwife",
	"certified nurse midwives":                         "certified_nurse_midwife",
	"certified nurse-midwife":                          "certified_nurse_midwife",
	"physical therapist":                               "physical_therapist",
	"physical therapists":                              "physical_therapist",
	"physical therapist in private practice":           "physical_therapist",
	"occupational therapist":                           "occupational_therapist",
	"occupational therapists":                          "occupational_therapist",
	"occupational therapist in private practice":       "occupational_therapist",
	"speech language pathologist":                      "speech_language_pathologist",
	"speech-language pathologist":                      "speech_language_pathologist",
	"speech language pathologists":                     "speech_language_pathologist",
	"speech-language pathologists":                     "speech_language_pathologist",
	"qualified speech-language pathologist":            "speech_language_pathologist",
	"audiologist":                                      "audiologist",
	"audiologists":                                     "audiologist",
	"qualified audiologist":                            "audiologist",
	"clinical psychologist":                            "clinical_psychologist",
	"clinical psychologists":                           "clinical_psychologist",
	"registered dietitian":                             "registered_dietitian",
	"registered dietitians":                            "registered_dietitian",
	"registered dietitian or nutrition professional":   "registered_dietitian",
	"registered dietitian/nutrition professional":      "registered_dietitian",
	"registered dietitians or nutrition professionals": "registered_dietitian",
	"clinical social worker":                           "clinical_social_worker",
	"clinical social workers":                          "clinical_social_worker",
	"licensed clinical social worker":                  "clinical_social_worker",
	"licensed clinical social workers":                 "clinical_social_worker",
}

// clinicianType maps a specialty code and texts to a contract clinician type. Every source
// that maps must agree: "" when none maps, and "" with a conflict message when two disagree
// (a wrong type would change the PI reweighting, an empty one only leaves it to the statuses).
func clinicianType(code string, sp *Specialty) (typ, conflict string) {
	type source struct{ field, value, typ string }
	var found []source
	if code = strings.ToUpper(strings.TrimSpace(code)); code != "" {
		if t, ok := specialtyCodes[code]; ok {
			found = append(found, source{"specialtyCode", code, t})
		}
	}
	if sp != nil {
		for _, f := range []struct{ field, value string }{
			{"typeDescription", sp.TypeDescription},
			{"categoryReference", sp.CategoryReference},
			{"specialtyDescription", sp.SpecialtyDescription},
		} {
			if t, ok := specialtyTexts[normText(f.value)]; ok {
				found = append(found, source{f.field, f.value, t})
			}
		}
	}
	if len(found) == 0 {
		return "", ""
	}
	for _, s := range found[1:] {
		if s.typ != found[0].typ {
			return "", fmt.Sprintf("clinician_type left empty: %s %q means %s but %s %q means %s",
				found[0].field, found[0].value, found[0].typ, s.field, s.value, s.typ)
		}
	}
	return found[0].typ, ""
}

// normText lower-cases s and collapses its spaces.
func normText(s string) string {
	return strings.ToLower(strings.Join(strings.Fields(s), " "))
}
