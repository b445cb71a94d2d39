//! Measured quality of the pre-mortem: leave-one-out over the bundled cases (each described
//! by its use case and proposed solution only, with the case itself taken out of the index)
//! and hand-written plans of realistic projects (`tests/eval/premortem.toml`). Both are split
//! into a tuning and a reporting half.

use notbetter_search::SearchIndex;
use notbetter_taxonomy::{Case, Dimension, LabelState};
use serde::{Deserialize, Serialize};

use crate::{Premortem, PremortemError, Request};

/// Recall of the expected causes in the first 3 and 5 of the checklist.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Recall {
    pub items: usize,
    /// Expected causes found in the top 3, over the expected causes, averaged.
    pub recall_at_3: f64,
    pub recall_at_5: f64,
    /// Items whose first expected cause is in the top 3.
    pub primary_at_3: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Miss {
    pub id: String,
    pub expected: Vec<String>,
    pub got: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PremortemReport {
    pub leave_one_out: Recall,
    pub plans: Recall,
    /// Plans whose precedents for a listed cause include one from another top-level domain,
    /// where the knowledge base has one.
    pub cross_domain_precedents: f64,
    pub misses: Vec<Miss>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    pub id: String,
    pub half: String,
    #[serde(default)]
    pub domain: String,
    pub text: String,
    pub expected: Vec<String>,
    #[serde(default)]
    pub addressed: Vec<String>,
    #[serde(default)]
    pub note: String,
}

#[derive(Deserialize)]
struct PlanFile {
    plan: Vec<Plan>,
}

pub fn parse_plans(text: &str) -> Result<Vec<Plan>, String> {
    toml::from_str::<PlanFile>(text)
        .map(|f| f.plan)
        .map_err(|e| format!("plans: {e}"))
}

/// The half a bundled case belongs to, by a stable hash of its id (FNV-1a), so it does not
/// move when cases are added.
pub fn case_half(id: &str) -> &'static str {
    let mut h: u32 = 0x811c_9dc5;
    for b in id.bytes() {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    if h.is_multiple_of(2) {
        "tune"
    } else {
        "report"
    }
}

fn admits(half: &str, wanted: &str) -> bool {
    wanted == "all" || half == wanted
}

fn score(expected: &[String], got: &[String], r: &mut Recall) {
    if expected.is_empty() {
        return;
    }
    let found = |k: usize| {
        expected
            .iter()
            .filter(|e| got.iter().take(k).any(|g| g == *e))
            .count() as f64
            / expected.len() as f64
    };
    r.items += 1;
    r.recall_at_3 += found(3);
    r.recall_at_5 += found(5);
    r.primary_at_3 += f64::from(u8::from(got.iter().take(3).any(|g| *g == expected[0])));
}

fn finish(r: &mut Recall) {
    if r.items > 0 {
        let n = r.items as f64;
        r.recall_at_3 /= n;
        r.recall_at_5 /= n;
        r.primary_at_3 /= n;
    }
}

/// Runs both evaluations on `half` ("tune", "report" or "all"). `cases` are the bundled
/// cases, indexed into a fresh in-memory index; each is taken out while it is asked about.
pub fn evaluate(
    premortem: &Premortem,
    cases: &[Case],
    plans: &[Plan],
    half: &str,
) -> Result<PremortemReport, PremortemError> {
    let index = SearchIndex::in_memory(&premortem.taxonomy)?;
    index.index_on_one_thread()?;
    index.set_result_cache(0);
    index.upsert(cases)?;
    let mut generation = 1;
    index.commit(generation)?;
    index.settle()?;
    let mut loo = Recall::default();
    let mut misses = Vec::new();
    for case in cases.iter().filter(|c| admits(case_half(&c.id), half)) {
        let expected: Vec<String> = case
            .slugs(Dimension::Cause, LabelState::Confirmed)
            .filter(|s| s.contains('/'))
            .map(str::to_string)
            .collect();
        if expected.is_empty() || case.use_case.trim().is_empty() {
            continue;
        }
        index.delete(&case.id)?;
        generation += 1;
        index.commit(generation)?;
        index.settle()?;
        let req = Request {
            description: format!("{}\n\n{}", case.use_case, case.solution),
            ..Request::default()
        };
        let report = premortem.run(&index, &req, &[])?;
        let got: Vec<String> = report.causes.iter().map(|c| c.cause.clone()).collect();
        score(&expected, &got, &mut loo);
        if !expected.iter().any(|e| got.iter().take(5).any(|g| g == e)) {
            misses.push(Miss {
                id: case.id.clone(),
                expected: expected.clone(),
                got: got.into_iter().take(5).collect(),
            });
        }
        index.upsert(std::slice::from_ref(case))?;
        generation += 1;
        index.commit(generation)?;
        index.settle()?;
    }
    finish(&mut loo);

    let mut plan_recall = Recall::default();
    let (mut with_elsewhere, mut listed) = (0usize, 0usize);
    for plan in plans.iter().filter(|p| admits(&p.half, half)) {
        let req = Request {
            description: plan.text.clone(),
            domain: (!plan.domain.is_empty()).then(|| plan.domain.clone()),
            tags: Vec::new(),
        };
        let report = premortem.run(&index, &req, &[])?;
        let got: Vec<String> = report.causes.iter().map(|c| c.cause.clone()).collect();
        score(&plan.expected, &got, &mut plan_recall);
        if !plan
            .expected
            .iter()
            .any(|e| got.iter().take(5).any(|g| g == e))
        {
            misses.push(Miss {
                id: plan.id.clone(),
                expected: plan.expected.clone(),
                got: got.iter().take(5).cloned().collect(),
            });
        }
        let own = plan.domain.split('/').next().unwrap_or("");
        for c in report.causes.iter().take(3) {
            listed += 1;
            if c.precedents
                .iter()
                .any(|p| !p.domains.iter().any(|d| d.split('/').next() == Some(own)))
            {
                with_elsewhere += 1;
            }
        }
    }
    finish(&mut plan_recall);
    Ok(PremortemReport {
        leave_one_out: loo,
        plans: plan_recall,
        cross_domain_precedents: if listed == 0 {
            0.0
        } else {
            with_elsewhere as f64 / listed as f64
        },
        misses,
    })
}
