//! Measured quality held by floors: `notbetter eval` on the reporting half of the evaluation
//! sets in `tests/eval/` (queries and judged cases, messy labels and their slugs). The floors
//! sit just under the figures measured when they were set (ARCHITECTURE.md, "Queries" and
//! "Labels"), so a change that makes search or label mapping worse fails here. The four
//! queries of the search-language issue must each find a relevant case in the top 3.

use crate::util::Env;

#[test]
fn search_and_label_quality_hold_their_floors() {
    let env = Env::new();
    let run = env.run(&["eval", "--half", "report", "--json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let r = run.json();
    let f = |v: &serde_json::Value| v.as_f64().expect("a number");
    let q = &r["queries"]["overall"];
    let l = &r["labels"];
    println!(
        "report half: recall@10 {:.3}, MRR {:.3}, nDCG@10 {:.3}; cross-domain recall@10 {:.3}; labels precision {:.3}, recall {:.3}",
        f(&q["recall_at_10"]),
        f(&q["mrr"]),
        f(&q["ndcg_at_10"]),
        f(&r["queries"]["cross_domain"]["recall_at_10"]),
        f(&l["precision"]),
        f(&l["recall"])
    );
    assert!(q["queries"].as_u64().unwrap() >= 40);
    // Nineteenth session: 0.757 / 0.839 / 0.732, cross-field 0.529.
    assert!(f(&q["recall_at_10"]) >= 0.745, "{q}");
    assert!(f(&q["mrr"]) >= 0.83, "{q}");
    assert!(f(&q["ndcg_at_10"]) >= 0.72, "{q}");
    assert!(f(&r["queries"]["cross_domain"]["recall_at_10"]) >= 0.52);
    // A cause offered as the question's reading is borne out by a relevant case far more
    // often than one shown as weaker. Twentieth session: 25 of 27 offered, 16 of 43 weaker
    // (before the split, all 70 were offered alike: 41 right).
    let rd = &r["queries"]["readings"];
    let n = |k: &str| rd[k].as_u64().expect("a count") as f64;
    assert!(n("causes") >= 20.0, "{rd}");
    assert!(n("causes_right") / n("causes") >= 0.85, "{rd}");
    assert!(n("causes_right") / n("causes") > n("weak_causes_right") / n("weak_causes").max(1.0));
    // A failing floor says the figures, never which labels or queries of the reporting half
    // went wrong: seeing them would be tuning on that half.
    let labels = format!(
        "labels: precision {:.3} ({} of {} mapped right), recall {:.3}",
        f(&l["precision"]),
        l["correct"],
        l["mapped"],
        f(&l["recall"])
    );
    // Eighteenth session: 0.925 and 0.864, with the blind batch of 64 reporting labels that
    // session added (0.946 and 0.893 on the 194 before it); nineteenth, with garak's probe
    // modules read: 0.921 and 0.884.
    assert!(f(&l["precision"]) >= 0.91, "{labels}");
    assert!(f(&l["recall"]) >= 0.875, "{labels}");
    // Every mapping is counted under the rule that made it, right or wrong.
    let by_rule = l["by_rule"].as_object().expect("labels by rule");
    let count = |k: &str| {
        by_rule
            .values()
            .map(|c| c[k].as_u64().unwrap())
            .sum::<u64>()
    };
    assert_eq!(
        count("right") + count("wrong"),
        l["mapped"].as_u64().unwrap()
    );
    assert_eq!(count("right"), l["correct"].as_u64().unwrap());
    assert_eq!(l["right"].as_array().unwrap().len() as u64, count("right"));
    assert!(
        by_rule.contains_key("alias") && by_rule.contains_key("contains"),
        "{by_rule:?}"
    );
    // The pre-mortem: leave-one-out over the bundled cases, and hand-written plans.
    let p = &r["premortem"];
    println!(
        "pre-mortem: leave-one-out recall@5 {:.3}, plans recall@5 {:.3}",
        f(&p["leave_one_out"]["recall_at_5"]),
        f(&p["plans"]["recall_at_5"])
    );
    assert!(p["leave_one_out"]["items"].as_u64().unwrap() >= 100);
    let premortem = format!(
        "leave-one-out {}, plans {}, cross-domain precedents {}",
        p["leave_one_out"], p["plans"], p["cross_domain_precedents"]
    );
    assert!(f(&p["leave_one_out"]["recall_at_5"]) >= 0.52, "{premortem}");
    assert!(f(&p["plans"]["recall_at_5"]) >= 0.55, "{premortem}");
    assert!(f(&p["cross_domain_precedents"]) >= 0.9, "{premortem}");
    // The mechanism level of the clusters, on the reporting half of the pairs.
    let m = &r["mechanisms"];
    println!(
        "mechanisms: pair recall {:.3}, negative precision {:.3}",
        f(&m["pair_recall"]),
        f(&m["negative_precision"])
    );
    assert!(
        m["same_pairs"].as_u64().unwrap() >= 40 && m["different_pairs"].as_u64().unwrap() >= 40
    );
    let mechanisms = format!(
        "pair recall {}, negative precision {}, mechanisms across fields {}",
        m["pair_recall"], m["negative_precision"], m["cross_field"]
    );
    assert!(f(&m["pair_recall"]) >= 0.75, "{mechanisms}");
    assert!(f(&m["negative_precision"]) >= 0.88, "{mechanisms}");
    assert!(m["cross_field"].as_u64().unwrap() >= 40, "{mechanisms}");
    // A case page's similar cases, on the same pairs: 0.077 / 0.047 by the text alone, 0.221
    // / 0.156 with the pattern in any field (eighth session; runs differ by about 0.01).
    let s = &r["similar"];
    println!(
        "similar cases: partner in the first 5 {:.3}, MRR@20 {:.3}, different pairs in the first 5 {:.3}",
        f(&s["recall_at_5"]),
        f(&s["mrr_at_20"]),
        f(&s["different_in_top_5"])
    );
    assert!(s["directed_pairs"].as_u64().unwrap() >= 80, "{s}");
    assert!(f(&s["recall_at_5"]) >= 0.18, "{s}");
    assert!(f(&s["mrr_at_20"]) >= 0.13, "{s}");
    assert!(f(&s["different_in_top_5"]) <= 0.15, "{s}");
}

/// The issue's example plan: leakage and distribution shift in the top 3, with a precedent
/// from outside healthcare; the same checklist as JSON, as Markdown and as text.
#[test]
fn a_chest_scan_plan_lists_leakage_and_shift_with_precedents_from_elsewhere() {
    let env = Env::new();
    env.ingest_bundled();
    let plan = env.data_dir().join("plan.txt");
    std::fs::write(
        &plan,
        "We will train a CNN on 40,000 chest scans from our hospital, split at random at image level, several scans per patient, and deploy it at partner hospitals.",
    )
    .unwrap();
    let run = env.run(&["premortem", plan.to_str().unwrap(), "--json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let r = run.json();
    let causes = r["causes"].as_array().unwrap();
    let top3: Vec<&str> = causes
        .iter()
        .take(3)
        .map(|c| c["cause"].as_str().unwrap())
        .collect();
    assert!(top3.contains(&"data/leakage"), "{top3:?}");
    assert!(top3.contains(&"data/distribution-shift"), "{top3:?}");
    let elsewhere = causes.iter().take(3).all(|c| {
        c["precedents"].as_array().unwrap().iter().any(|p| {
            p["domains"]
                .as_array()
                .unwrap()
                .iter()
                .all(|d| !d.as_str().unwrap().starts_with("healthcare"))
        })
    });
    assert!(elsewhere, "{r}");
    for c in causes.iter().take(3) {
        assert!(!c["checks"].as_array().unwrap().is_empty(), "{c}");
    }
    let md = env.run(&["premortem", plan.to_str().unwrap(), "--markdown"]);
    assert!(md.stdout.starts_with("# Pre-mortem checklist"));
    // Bad input: an empty description is an input error, not a crash.
    let empty = env.data_dir().join("empty.txt");
    std::fs::write(&empty, "  ").unwrap();
    assert_eq!(env.run(&["premortem", empty.to_str().unwrap()]).code, 1);
}

/// The four queries of the search-language issue, in the CLI, on `/search` and in
/// `/api/v1/search` of a live server on the bundled cases: each answers 200 with a relevant
/// case in its top 3.
#[test]
fn the_issue_queries_find_a_relevant_case_in_the_top_three() {
    let env = Env::new();
    env.ingest_bundled();
    let mut asked: Vec<(&str, &[&str])> = Vec::new();
    for (q, relevant) in [
        (
            "what went wrong with sepsis models?",
            &["epic-sepsis-model-external-validation"][..],
        ),
        (
            "lekage in medical imaging",
            &[
                "alzheimer-cnn-data-leakage-review",
                "tcga-histology-site-signatures",
            ][..],
        ),
        (
            "the chest x-ray network was reading the hospital, not the lungs",
            &[
                "covid-radiograph-shortcuts",
                "pneumonia-cxr-cross-hospital-generalization",
            ][..],
        ),
        (
            "ResNet-50 (ImageNet)",
            &[
                "wilds-rxrx1-experimental-batch-shift",
                "plant-disease-lab-vs-field",
                "wilds-fmow-africa-time-shift",
                "wilds-globalwheat-cross-continent",
                "imagenet-cifar-new-test-set-accuracy-drop",
                "wilds-iwildcam-unseen-camera-traps",
            ][..],
        ),
    ] {
        let run = env.run(&["search", q, "--json", "--limit", "3"]);
        assert_eq!(run.code, 0, "{q}: {}", run.stderr);
        let r = run.json();
        let top: Vec<&str> = r["hits"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["id"].as_str().unwrap())
            .collect();
        assert!(
            top.iter().any(|id| relevant.contains(id)),
            "{q}: top 3 {top:?}"
        );
        asked.push((q, relevant));
    }

    let server = crate::live::Server::serve(env, &[]);
    // Questions are read as mechanisms once the server's first clustering is done, as the CLI
    // reads them before searching: wait for it.
    crate::reading::mechanisms_read(
        &server,
        "/api/v1/search?q=information+from+the+future+leaks+into+the+features",
    );
    for (q, relevant) in asked {
        let q = crate::live::encode(q);
        let api = server.get(&format!("/api/v1/search?q={q}&limit=3"));
        assert_eq!(api.status, 200, "{q}");
        let json: serde_json::Value = serde_json::from_slice(&api.body).unwrap();
        let top: Vec<&str> = json["hits"]
            .as_array()
            .unwrap()
            .iter()
            .take(3)
            .map(|h| h["id"].as_str().unwrap())
            .collect();
        assert!(
            top.iter().any(|id| relevant.contains(id)),
            "API {q}: {top:?}"
        );
        let page = server.get(&format!("/search?q={q}"));
        assert_eq!(page.status, 200, "{q}");
        // The hits' links, in page order: the first three distinct cases.
        let html = page.text();
        let mut shown: Vec<&str> = Vec::new();
        for part in html.split("href=\"/cases/").skip(1) {
            let id = part.split('"').next().unwrap_or("");
            if !id.contains('/') && !shown.contains(&id) {
                shown.push(id);
            }
        }
        shown.truncate(3);
        assert!(
            shown.iter().any(|id| relevant.contains(id)),
            "page {q}: {shown:?}"
        );
    }
}

/// A contributor's cause written as a description is read from the cases and shown in the
/// preview as a matched label, with its rule, for the contributor and a reviewer to confirm.
#[test]
fn a_described_cause_is_read_in_the_contribution_preview() {
    const CAUSE: &str = "the tuned nearest-neighbour heuristics beat the neural recommenders";
    let server = crate::live::Server::start(&[]);
    let (cookie, token) = server.csrf("/contribute");
    let form = [
        ("csrf", token.as_str()),
        ("title", "Recommenders that lost to tuned heuristics"),
        ("year", "2022"),
        ("domains", "recommender-systems"),
        ("cause_other", CAUSE),
        ("use_case", "Recommending items to shoppers."),
        ("solution", "A neural collaborative filtering model."),
        ("outcome", "It did not beat simple methods."),
        ("investigation", "The baselines were never tuned."),
        ("ref1", "https://example.org/recsys"),
        ("ref1_title", "A recommender paper"),
        ("licence", "agree"),
        ("action", "preview"),
    ];
    let r = server.post_form("/contribute", &cookie, &form);
    assert_eq!(r.status, 200);
    let html = r.text();
    assert!(
        html.contains(&format!("(matched from “{CAUSE}”: read")),
        "{html}"
    );
    assert!(html.contains("Weak baselines"), "{html}");
}

/// A new user's first pre-mortem on an empty data directory has the bundled cases to draw
/// on (it seeds the directory as `serve` does); `search` stays read-only and says the
/// directory is empty.
#[test]
fn a_first_command_on_a_fresh_data_dir_finds_the_bundled_cases() {
    let env = Env::new();
    let plan = env.data_dir().join("plan.txt");
    std::fs::write(
        &plan,
        "A CNN on chest scans from our hospital, split at random at image level, deployed at partner hospitals.",
    )
    .unwrap();
    let r = env.run(&["premortem", plan.to_str().unwrap(), "--json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = r.json();
    assert!(
        !r["causes"][0]["precedents"].as_array().unwrap().is_empty(),
        "{r}"
    );
    let s = env.run(&["search", "sepsis", "--json"]).json();
    assert!(s["total"].as_u64().unwrap() > 0, "{s}");
    // A search as the very first command finds them too, and so does `show`.
    let fresh = Env::new();
    let s = fresh
        .run(&["search", "what went wrong with sepsis models?", "--json"])
        .json();
    let top: Vec<&str> = s["hits"].as_array().unwrap()[..3]
        .iter()
        .map(|h| h["id"].as_str().unwrap())
        .collect();
    assert!(
        top.contains(&"epic-sepsis-model-external-validation"),
        "{top:?}"
    );
    let fresh = Env::new();
    let r = fresh.run(&["show", "epic-sepsis-model-external-validation"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
}
