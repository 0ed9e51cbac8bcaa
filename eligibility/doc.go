// Package eligibility turns QPP Eligibility API v6 responses (GET /api/eligibility/npi/{npi})
// into reweigh's clinicians and groups input tables, with the special statuses, automatic EUC
// and eligibility CMS determined given as flags. It uses only the standard library.
//
//	QPP Eligibility API JSON ──Importer.Read──▶ ClinicianRow, GroupRow ──WriteClinicians/WriteGroups──▶ clinicians.csv, groups.csv
//
// # Input
//
// A file holds one response object, a JSON array of responses (streamed), or a sequence of
// response objects (concatenated, or one per line). A response's "data" is one clinician (an
// array of clinicians is accepted too). Responses are named in warnings by file, and by
// position when a file has several: "a.json", "a.json[3]".
//
// # Mapping
//
// One clinicians row per NPI (data.npi) and organization TIN (data.organizations[].TIN, upper
// case in the API). Every flag is null (an empty cell) when the API does not give it, so the
// pipeline falls back to the contract's default or derivation.
//
//	clinicians column    QPP Eligibility API v6 field
//	npi                  data.npi (10 digits with a valid check digit, else the response is skipped)
//	tin                  data.organizations[].TIN (9 digits, "12-3456789" accepted; masked "XXXXXXXXXX" or invalid: the organization is skipped)
//	clinician_type       organizations[].individualScenario.specialtyCode (CMS Medicare specialty code), .specialty.typeDescription,
//	                     .specialty.categoryReference, .specialty.specialtyDescription (else the deprecated data.specialty):
//	                     the contract type every mapped source agrees on ("Physicians", "Doctor of Medicine", code 50 = nurse_practitioner, ...);
//	                     empty when none maps, or when two disagree (with a warning)
//	mips_eligible        individualScenario.isEligible.individual; true when individualScenario.isOptedIn is true (opted in to MIPS)
//	hospital_based       individualScenario.hospitalBasedClinician
//	non_patient_facing   individualScenario.nonPatientFacing (true = non-patient facing: at or below the encounter threshold)
//	asc_based            individualScenario.ambulatorySurgicalCenter
//	auto_euc             individualScenario.extremeHardshipSources: true when it has "auto-fema" or "auto-covid", whatever
//	                     extremeHardshipReasons says (the live API reports the automatic policy with every reason false);
//	                     false when the scenario has extremeHardshipSources without them, or extremeHardship false;
//	                     empty when neither is given, or extremeHardship is true without sources (warning)
//	practice_zip         organizations[].zip (nine digits): the first five
//	practice_state       organizations[].state
//
// One groups row per TIN whose small-practice status the API gives:
//
//	groups column        QPP Eligibility API v6 field
//	tin                  data.organizations[].TIN
//	small_practice       organizations[].groupScenario.smallGroupPractitioner, else individualScenario.smallGroupPractitioner
//	clinician_count      not written: the API gives no count of the clinicians billing under the TIN
//
// Not imported: the group scenario's other flags (the pipeline derives a group's statuses from
// its clinicians), isEligible.group / mipsApm / virtualGroup (the contract has one mips_eligible
// per NPI/TIN: the individual one), aciReweighting (reweigh's own determination), apms and
// virtualGroups (membership tables are separate inputs), and applications: an EUC with source
// "manual" or an approved aciHardship is reported as a warning, to be added to exceptions.
//
// # Merging
//
// Files are read in the order given, responses in file order. Rows are written ordered by TIN,
// then NPI. When an NPI/TIN is in several responses, the later one replaces the earlier and a
// warning names both; when two responses give a TIN different smallGroupPractitioner values,
// the later one is used, with a warning.
package eligibility
