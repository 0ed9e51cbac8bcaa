package rules

// Rule IDs from ../shared/spec/rules.md, written into the *_reason columns.
const (
	IDHospitalBased       = "status.hospital_based"
	IDNonPatientFacing    = "status.non_patient_facing"
	IDASCBased            = "status.asc_based"
	IDSmallPractice       = "status.small_practice"
	IDPIClinicianType     = "pi.clinician_type"
	IDGroupASCBased       = "group.asc_based"
	IDGroupSmallPractice  = "group.small_practice"
	IDGroupHospitalBased  = "group.hospital_based"
	IDGroupNonPatientFace = "group.non_patient_facing"
	IDGroupAllReweighted  = "group.all_clinicians_reweighted"
	IDPIHardship          = "pi_hardship"
	IDEUC                 = "euc"
	IDEUCAPMEntityAll     = "euc.apm_entity_all"
	IDEUCAuto             = "euc.auto"
	IDEUCAutoAPMIA        = "euc.auto.apm_ia"
	IDOverrideData        = "override.data"
	IDOverrideCostNever   = "override.cost_never"
	IDOverrideClaims      = "override.claims_quality"
	IDOverridePI          = "override.pi"
	IDOverrideAPMNone     = "override.apm_entity_none"
	IDSubgroupInherit     = "subgroup.inherit"
	IDSubgroupOwnData     = "subgroup.own_data"
	IDAPMPIAverage        = "apm.pi_average"
	IDAPMEUCPIShare       = "apm.euc_pi_share"
	IDAPMSSPPIRequired    = "apm.ssp_pi_required"
	IDCostCaseMinimum     = "cost.case_minimum"
	IDCostAPP             = "cost.app"
	IDFinalThreshold      = "final.threshold"
	IDFinalScore          = "final.score"
	IDFinalPick           = "final.pick"
	IDFinalPickAutoEUC    = "final.pick.auto_euc"
)

// Flags written into the determinations' flags column.
const (
	FlagNoPolicyRow      = "weights.no_policy_row"
	FlagAPMEUCShareBelow = "apm.euc_pi_share_below_75"
	FlagVirtualGroupTIN  = "virtual_group.tin_over_10"
	FlagMissingScore     = "final.missing_score"
)
