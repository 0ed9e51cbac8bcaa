// Package rules holds the year-versioned MIPS reweighting policy as data (years/*.json: weight
// tables, thresholds, clinician types, qualifying-data criteria; euc/: CMS's automatic EUC areas)
// and the code that applies it to one entity at a time.
//
// The policy is loaded and validated once (Load), then evaluated many times: a pipeline derives
// each entity's Facts from the inputs and calls Year.Decide, which returns the category
// statuses, the rule IDs behind them (rules.md) and the weights.
//
//	readers -> pipeline (statuses, applications, submissions -> Facts) -> rules.Decide -> writers
package rules
