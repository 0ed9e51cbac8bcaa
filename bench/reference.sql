-- The core reweigh determinations written in DuckDB SQL: the reference `make bench` compares
-- `reweigh run` against, on the same Parquet inputs. It covers individual statuses (both
-- segments, given flags winning), group >75% shares, small practice, approved applications per
-- category, qualifying data (2025 Appendix D simplified to "the category has a measurement with
-- data"), the weight lookup, and writes one Parquet file of determinations. It is a performance
-- reference, not a second implementation of every rule (no virtual groups, subgroups or APM
-- Entities, no automatic EUC areas, no rejects).
--
-- The runner defines one view per input table (clinicians, groups, exceptions, submissions,
-- measurements, cost_measures) over the Parquet files, and replaces {{out}}.

SET preserve_insertion_order = false;

CREATE TEMP TABLE ind AS
SELECT npi, tin,
       bool_or(coalesce(TRY_CAST(hospital_based AS BOOLEAN),
               TRY_CAST(total_services AS BIGINT) > 0 AND 100 * TRY_CAST(hospital_services AS BIGINT) >= 75 * TRY_CAST(total_services AS BIGINT), false)) AS hb,
       bool_or(coalesce(TRY_CAST(non_patient_facing AS BOOLEAN),
               TRY_CAST(patient_facing_encounters AS BIGINT) <= 100, false)) AS npf,
       bool_or(coalesce(TRY_CAST(asc_based AS BOOLEAN),
               TRY_CAST(total_services AS BIGINT) > 0 AND 100 * TRY_CAST(asc_services AS BIGINT) >= 75 * TRY_CAST(total_services AS BIGINT), false)) AS asc_b,
       bool_or(coalesce(TRY_CAST(mips_eligible AS BOOLEAN), true)) AS eligible,
       any_value(clinician_type) AS clinician_type
FROM clinicians
WHERE length(npi) = 10 AND length(tin) = 9
GROUP BY npi, tin;

CREATE TEMP TABLE tin_facts AS
SELECT i.tin,
       count(*) AS n,
       count(*) FILTER (WHERE hb) AS n_hb,
       count(*) FILTER (WHERE npf) AS n_npf,
       count(*) FILTER (WHERE asc_b) AS n_asc,
       coalesce(TRY_CAST(any_value(g.small_practice) AS BOOLEAN),
                coalesce(TRY_CAST(any_value(g.clinician_count) AS BIGINT), count(*)) <= 15) AS small
FROM ind i LEFT JOIN groups g ON g.tin = i.tin
GROUP BY i.tin;

CREATE TEMP TABLE approved AS
SELECT level, npi, tin, exception_type, string_split(lower(coalesce(categories, '')), ';') AS cats, application_id
FROM exceptions WHERE lower(status) = 'approved';

-- Qualifying data per entity and category: a submission with at least one measurement holding
-- data (numerator and denominator, or a yes).
CREATE TEMP TABLE data AS
SELECT s.level, s.npi, s.tin, lower(s.category) AS category, min(s.submission_id) AS submission_id
FROM submissions s
WHERE EXISTS (SELECT 1 FROM measurements m WHERE m.submission_id = s.submission_id
              AND ((m.numerator IS NOT NULL AND m.denominator IS NOT NULL) OR TRY_CAST(m.value AS BOOLEAN)))
GROUP BY ALL;

CREATE TEMP TABLE cost_met AS
SELECT level, npi, tin FROM cost_measures
WHERE TRY_CAST(attributed_cases AS BIGINT) >= TRY_CAST(case_minimum AS BIGINT)
GROUP BY ALL;

CREATE TEMP TABLE weights(tbl VARCHAR, q BOOLEAN, c BOOLEAN, ia BOOLEAN, pi BOOLEAN, wq INT, wc INT, wia INT, wpi INT);
INSERT INTO weights VALUES
 ('traditional', true, true, true, true, 30, 30, 15, 25), ('traditional', true, false, true, true, 55, 0, 15, 30),
 ('traditional', true, true, false, true, 45, 30, 0, 25), ('traditional', true, true, true, false, 55, 30, 15, 0),
 ('traditional', false, true, true, true, 0, 30, 15, 55), ('traditional', true, false, true, false, 85, 0, 15, 0),
 ('traditional', false, false, true, true, 0, 0, 15, 85), ('traditional', true, false, false, true, 70, 0, 0, 30),
 ('traditional', false, true, true, false, 0, 50, 50, 0), ('traditional', true, true, false, false, 70, 30, 0, 0),
 ('traditional', false, true, false, true, 0, 30, 0, 70),
 ('small', true, true, true, true, 30, 30, 15, 25), ('small', true, false, true, true, 55, 0, 15, 30),
 ('small', true, true, false, true, 45, 30, 0, 25), ('small', true, true, true, false, 40, 30, 30, 0),
 ('small', false, true, true, true, 0, 30, 15, 55), ('small', true, false, true, false, 50, 0, 50, 0),
 ('small', false, false, true, true, 0, 0, 15, 85), ('small', true, false, false, true, 70, 0, 0, 30),
 ('small', false, true, true, false, 0, 50, 50, 0), ('small', true, true, false, false, 70, 30, 0, 0),
 ('small', false, true, false, true, 0, 30, 0, 70);

-- Entities: individuals and groups, with what reweights each category.
CREATE TEMP TABLE entities AS
WITH indiv AS (
  SELECT 'individual' AS level, i.npi, i.tin, t.small,
         i.hb OR i.npf OR i.asc_b OR t.small
           OR list_contains({{pi_clinician_types}}, i.clinician_type) AS pi_auto
  FROM ind i JOIN tin_facts t USING (tin)
), grp AS (
  SELECT 'group' AS level, NULL::VARCHAR AS npi, t.tin, t.small,
         t.small OR 100 * t.n_hb > 75 * t.n OR 100 * t.n_npf > 75 * t.n OR 100 * t.n_asc > 75 * t.n AS pi_auto
  FROM tin_facts t
)
SELECT * FROM indiv UNION ALL SELECT * FROM grp;

CREATE TEMP TABLE decided AS
SELECT e.level, e.npi, e.tin, e.small,
       -- reweighted, before data
       bool_or(list_contains(a.cats, 'quality')) AS q_rw,
       bool_or(list_contains(a.cats, 'cost')) OR NOT EXISTS (
         SELECT 1 FROM cost_met c WHERE c.level = e.level AND c.tin = e.tin AND c.npi IS NOT DISTINCT FROM e.npi) AS c_rw,
       bool_or(list_contains(a.cats, 'ia')) AS ia_rw,
       any_value(e.pi_auto) OR bool_or(a.exception_type = 'pi_hardship' OR list_contains(a.cats, 'pi')) AS pi_rw,
       string_agg(a.application_id, ';') AS applications
FROM entities e
LEFT JOIN approved a ON a.level = e.level AND a.tin = e.tin AND a.npi IS NOT DISTINCT FROM e.npi
GROUP BY e.level, e.npi, e.tin, e.small;

COPY (
  SELECT d.level, d.npi, d.tin, d.small AS small_practice,
         coalesce(w.wq, 0) AS quality_weight, coalesce(w.wc, 0) AS cost_weight,
         coalesce(w.wia, 0) AS ia_weight, coalesce(w.wpi, 0) AS pi_weight,
         s.q AS quality_scored, s.c AS cost_scored, s.ia AS ia_scored, s.pi AS pi_scored,
         d.applications,
         (s.q::INT + s.c::INT + s.ia::INT + s.pi::INT) < 2 AS final_score_at_threshold
  FROM decided d
  CROSS JOIN LATERAL (
    SELECT NOT coalesce(d.q_rw, false) OR EXISTS (SELECT 1 FROM data x WHERE x.level = d.level AND x.tin = d.tin AND x.npi IS NOT DISTINCT FROM d.npi AND x.category = 'quality') AS q,
           NOT coalesce(d.c_rw, false) AS c,
           NOT coalesce(d.ia_rw, false) OR EXISTS (SELECT 1 FROM data x WHERE x.level = d.level AND x.tin = d.tin AND x.npi IS NOT DISTINCT FROM d.npi AND x.category = 'ia') AS ia,
           NOT coalesce(d.pi_rw, false) OR EXISTS (SELECT 1 FROM data x WHERE x.level = d.level AND x.tin = d.tin AND x.npi IS NOT DISTINCT FROM d.npi AND x.category = 'pi') AS pi
  ) s
  LEFT JOIN weights w ON w.tbl = CASE WHEN d.small THEN 'small' ELSE 'traditional' END
       AND w.q = s.q AND w.c = s.c AND w.ia = s.ia AND w.pi = s.pi
  ORDER BY d.level, d.tin, d.npi
) TO '{{out}}' (FORMAT parquet, COMPRESSION zstd);
