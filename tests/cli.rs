//! The CLI end to end on fixture directories: every input form, idempotent re-ingest, broken
//! input that changes nothing, label normalisation, search with facets, and exit codes.

use std::collections::BTreeMap;

use crate::util::{fixture, repo, Env};

#[test]
fn ingest_twice_is_a_no_op() {
    let env = Env::new();
    let good = fixture("good");
    let first = env.run(&["ingest", good.to_str().unwrap(), "--json"]);
    assert_eq!(first.code, 0, "{}", first.stderr);
    let j = first.json();
    assert_eq!(j["added"], 5, "{j}");
    assert_eq!(j["errors"].as_array().unwrap().len(), 0);
    // The unmapped label is a warning that names the file, record line and field.
    let warnings = j["warnings"].as_array().unwrap();
    let w = warnings
        .iter()
        .find(|w| w["field"] == "causes")
        .unwrap_or_else(|| panic!("{warnings:?}"));
    assert_eq!(w["line"], 2);
    assert!(w["file"].as_str().unwrap().ends_with("aliases.jsonl"));
    assert!(w["message"]
        .as_str()
        .unwrap()
        .contains("gremlins in the pipeline"));

    let second = env.run(&["ingest", good.to_str().unwrap(), "--json"]);
    assert_eq!(second.code, 0);
    let j = second.json();
    assert_eq!(
        (
            j["added"].as_u64(),
            j["updated"].as_u64(),
            j["unchanged"].as_u64()
        ),
        (Some(0), Some(0), Some(5))
    );
}

#[test]
fn every_input_form_is_read_and_normalised() {
    let env = Env::new();
    assert_eq!(
        env.run(&["ingest", fixture("good").to_str().unwrap()]).code,
        0
    );
    let show = |id: &str| env.run(&["show", id, "--json"]).json();
    let c = show("fixture-aliases");
    assert_eq!(c["domains"][0]["value"], "healthcare/medical-imaging");
    assert_eq!(c["domains"][0]["state"], "confirmed");
    assert_eq!(c["domains"][0]["raw"], "radiology");
    assert_eq!(c["causes"][0]["value"], "data/distribution-shift");
    assert_eq!(c["causes"][1]["value"], "model/shortcut-learning");
    assert_eq!(c["failure_modes"][0]["value"], "suboptimal-performance");
    let u = show("fixture-unmapped");
    assert_eq!(u["causes"][0]["state"], "unmapped");
    assert_eq!(u["causes"][0]["value"], "gremlins in the pipeline");
    assert_eq!(
        show("fixture-markdown")["domains"][0]["value"],
        "engineering/time-series"
    );
    let csv = show("fixture-csv");
    assert_eq!(
        csv["causes"].as_array().unwrap().len(),
        1,
        "two aliases of one cause collapse"
    );
    assert_eq!(csv["references"][0]["doi"], "10.5555/fixture-csv");
    assert_eq!(
        show("fixture-json")["causes"][0]["value"],
        "data/simulated-data-quality"
    );
    assert_eq!(csv["version"], 1);
    assert!(csv["provenance"].as_str().unwrap().contains("table.csv"));
}

#[test]
fn a_broken_file_fails_the_run_and_changes_nothing() {
    let env = Env::new();
    assert_eq!(
        env.run(&["ingest", fixture("good").to_str().unwrap()]).code,
        0
    );
    let before = env.database_state();
    let run = env.run(&["ingest", fixture("broken").to_str().unwrap()]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("broken-front-matter.md:4") && run.stderr.contains("not valid TOML"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("nothing was stored"));
    assert_eq!(env.database_state(), before);
    // check reports the same problem without a data directory.
    let check = env.run(&["check", fixture("broken").to_str().unwrap()]);
    assert_eq!(check.code, 1);
    assert!(check.stderr.contains("broken-front-matter.md:4"));
}

#[test]
fn strict_turns_warnings_into_errors() {
    let env = Env::new();
    let run = env.run(&[
        "ingest",
        fixture("good").to_str().unwrap(),
        "--strict",
        "--json",
    ]);
    assert_eq!(run.code, 1);
    let j = run.json();
    assert!(!j["errors"].as_array().unwrap().is_empty());
    assert_eq!(env.database_state(), vec![]);
}

#[test]
fn dry_run_reports_without_writing() {
    let env = Env::new();
    let run = env.run(&[
        "ingest",
        fixture("good").to_str().unwrap(),
        "--dry-run",
        "--json",
    ]);
    assert_eq!(run.code, 0);
    assert_eq!(run.json()["added"], 5);
    assert_eq!(env.database_state(), vec![]);
}

#[test]
fn usage_errors_exit_2() {
    let env = Env::new();
    assert_eq!(env.run(&["ingest"]).code, 2);
    assert_eq!(env.run(&["frobnicate"]).code, 2);
    assert_eq!(env.run(&["search", "--limit", "many"]).code, 2);
}

#[test]
fn search_bundled_cases_with_facets_matching_a_brute_force_count() {
    let env = Env::new();
    let cases = repo().join("data/cases");
    assert_eq!(env.run(&["ingest", cases.to_str().unwrap()]).code, 0);
    let run = env.run(&[
        "search",
        "shortcut",
        "--domain",
        "healthcare",
        "--json",
        "--limit",
        "100",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let j = run.json();
    let total = j["total"].as_u64().unwrap();
    assert!(total >= 3, "{j}");
    let hits = j["hits"].as_array().unwrap();
    assert_eq!(hits.len() as u64, total);
    for h in hits {
        assert!(h["domains"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d.as_str().unwrap().starts_with("healthcare")));
        assert!(h["snippet"]["text"].as_str().unwrap().len() > 20);
        assert!(h["score"].as_f64().unwrap() > 0.0);
    }
    assert!(hits
        .iter()
        .any(|h| !h["snippet"]["highlights"].as_array().unwrap().is_empty()));
    let scores: Vec<f64> = hits.iter().map(|h| h["score"].as_f64().unwrap()).collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "ranked by score");

    // Brute force over the store: cause counts over the hits (all filters applied), and domain
    // counts over the query without the domain filter (disjunctive faceting).
    let store = notbetter_store::Store::open(&env.data_dir().join("notbetter.sqlite")).unwrap();
    let all: BTreeMap<String, notbetter_taxonomy::Case> = store
        .all()
        .unwrap()
        .into_iter()
        .map(|s| (s.case.id.clone(), s.case))
        .collect();
    let ids = |j: &serde_json::Value| -> Vec<String> {
        j["hits"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["id"].as_str().unwrap().to_string())
            .collect()
    };
    let count = |ids: &[String], dim: notbetter_taxonomy::Dimension| {
        let mut out: BTreeMap<String, u64> = BTreeMap::new();
        for id in ids {
            let mut seen = std::collections::BTreeSet::new();
            for slug in all[id].slugs(dim, notbetter_taxonomy::LabelState::Confirmed) {
                let parts: Vec<&str> = slug.split('/').collect();
                for i in 1..=parts.len() {
                    seen.insert(parts[..i].join("/"));
                }
            }
            for s in seen {
                *out.entry(s).or_default() += 1;
            }
        }
        out
    };
    let as_map = |v: &serde_json::Value| -> BTreeMap<String, u64> {
        v.as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), v.as_u64().unwrap()))
            .collect()
    };
    let hit_ids = ids(&j);
    assert_eq!(
        as_map(&j["facets"]["cause"]),
        count(&hit_ids, notbetter_taxonomy::Dimension::Cause)
    );
    assert_eq!(
        as_map(&j["facets"]["failure_mode"]),
        count(&hit_ids, notbetter_taxonomy::Dimension::FailureMode)
    );
    let unfiltered = env
        .run(&["search", "shortcut", "--json", "--limit", "100"])
        .json();
    assert_eq!(
        as_map(&j["facets"]["domain"]),
        count(&ids(&unfiltered), notbetter_taxonomy::Dimension::Domain)
    );

    // A question of function words alone is searched as typed but read as no cause or
    // mechanism (it was once read as "workflow integration" from the word "went").
    let frame = env.run(&["search", "what went wrong?", "--json"]).json();
    assert!(frame["total"].as_u64().unwrap() > 0, "{frame}");
    assert_eq!(frame["reading"]["causes"], serde_json::json!([]), "{frame}");
    assert_eq!(
        frame["reading"]["mechanisms"],
        serde_json::json!([]),
        "{frame}"
    );
}

#[test]
fn search_errors_are_clear_and_exit_1() {
    let env = Env::new();
    // Text that is not query syntax is searched as words, and the reader is told so.
    let run = env.run(&["search", "\"unbalanced"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("note: the opening quote"),
        "{}",
        run.stdout
    );
    let run = env.run(&["search", "x", "--limit", "0"]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("limit"), "{}", run.stderr);
    let run = env.run(&["search", "x", "--domain", "radiolgy"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr
            .contains("did you mean healthcare/medical-imaging"),
        "{}",
        run.stderr
    );
    let run = env.run(&["show", "no-such-case"]);
    assert_eq!(run.code, 1);
}

/// A query may start with `-` (exclusion), and the flags around it still parse.
#[test]
fn a_query_may_start_with_an_exclusion() {
    let env = Env::new();
    assert_eq!(
        env.run(&["ingest", fixture("good").to_str().unwrap()]).code,
        0
    );
    let all = env.run(&["search", "*", "--json"]).json()["total"].clone();
    assert_eq!(all, 5);
    let run = env.run(&["search", "--json", "-nosuchword"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.json()["total"], all);
    let run = env.run(&["search", "-nosuchword", "--limit", "1", "--json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.json()["hits"].as_array().unwrap().len(), 1);
}

/// `notbetter search … | head`: a reader that goes away stops the command quietly (the
/// default SIGPIPE action, as in other Unix tools), never with a panic from `println!`.
#[cfg(unix)]
#[test]
fn a_closed_output_pipe_stops_a_command_quietly() {
    use std::os::unix::process::ExitStatusExt;
    let env = Env::new();
    assert_eq!(
        env.run(&["ingest", fixture("good").to_str().unwrap()]).code,
        0
    );
    for args in [
        &["search", "*"][..],
        &["taxonomy"],
        &["export", "--format", "jsonl"],
    ] {
        // The pipe's read end is closed before the command starts, so its first write fails.
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let out = env
            .command()
            .args(args)
            .stdout(writer)
            .stderr(std::process::Stdio::piped())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        // 13 is SIGPIPE.
        assert_eq!(
            out.status.signal(),
            Some(13),
            "{args:?}: {:?} {stderr}",
            out.status
        );
    }
}

#[test]
fn taxonomy_tree_counts_and_reindex() {
    let env = Env::new();
    assert_eq!(
        env.run(&["ingest", fixture("good").to_str().unwrap()]).code,
        0
    );
    let t = env.run(&["taxonomy", "--json"]).json();
    let healthcare = t["domain"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["slug"] == "healthcare")
        .unwrap();
    assert_eq!(healthcare["cases"], 2);
    let run = env.run(&["reindex"]);
    assert_eq!(run.code, 0);
    assert!(run.stdout.contains("reindexed 5 cases"));
    assert_eq!(env.run(&["search", "*", "--json"]).json()["total"], 5);
}

#[test]
fn check_holds_curated_content_to_reviews_evidence_and_methods() {
    let env = Env::new();
    let path = |name: &str| fixture(name).to_str().unwrap().to_string();
    // A reviewed case with every fact stated and a method passes strict checking.
    let reviewed = env.run(&["check", &path("reviewed"), "--strict"]);
    assert_eq!(reviewed.code, 0, "{}", reviewed.stderr);
    assert!(reviewed
        .stdout
        .contains("checked 1 case(s): 0 error(s), 0 warning(s)"));

    // Without a review, evidence or method: warnings that name the record, errors with --strict.
    let good = env.run(&["check", &path("good"), "--json"]);
    assert_eq!(good.code, 0, "{}", good.stderr);
    let warnings = good.json()["warnings"].as_array().unwrap().clone();
    for field in ["review", "evidence", "methods"] {
        let w = warnings
            .iter()
            .find(|w| w["field"] == field && w["file"].as_str().unwrap().ends_with("aliases.jsonl"))
            .unwrap_or_else(|| panic!("{field}: {warnings:#?}"));
        assert_eq!(w["line"], 1, "{w}");
    }
    assert!(
        !warnings
            .iter()
            .any(|w| w["file"].as_str().unwrap().ends_with("fixture-markdown.md")),
        "the reviewed Markdown fixture meets the standard: {warnings:#?}"
    );
    let strict = env.run(&["check", &path("good"), "--strict"]);
    assert_eq!(strict.code, 1);
    assert!(
        strict
            .stderr
            .contains("table.csv:2 (row on line 2): field `review`: missing"),
        "{}",
        strict.stderr
    );
    // Plain ingest does not ask for reviews; ingest --strict does.
    let ingest = env.run(&["ingest", &path("reviewed"), "--json"]);
    assert_eq!(ingest.code, 0, "{}", ingest.stderr);
    assert!(ingest.json()["warnings"].as_array().unwrap().is_empty());
    let ingest = env.run(&["ingest", &path("good"), "--strict", "--json"]);
    assert!(ingest.json()["errors"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["field"] == "review"));
}

#[test]
fn a_review_that_cites_a_mirror_is_rejected_under_strict() {
    let env = Env::new();
    let dir = fixture("mirror");
    let plain = env.run(&["check", dir.to_str().unwrap()]);
    assert_eq!(plain.code, 0, "{}", plain.stderr);
    let expected = "fixture-mirror.md:20: field `review.against`: item 2: \
                    `https://hf.zsm.im/papers/2201.00002` is on hf.zsm.im, a mirror";
    assert!(
        plain
            .stderr
            .contains(&format!("warning: {}", fixture("mirror").display())),
        "{}",
        plain.stderr
    );
    assert!(plain.stderr.contains(expected), "{}", plain.stderr);
    let strict = env.run(&["check", dir.to_str().unwrap(), "--strict"]);
    assert_eq!(strict.code, 1);
    assert!(
        strict
            .stderr
            .contains(&format!("error: {}", fixture("mirror").display())),
        "{}",
        strict.stderr
    );
    assert!(strict.stderr.contains(expected), "{}", strict.stderr);
    let ingest = env.run(&["ingest", dir.to_str().unwrap(), "--strict"]);
    assert_eq!(ingest.code, 1);
    assert!(ingest.stderr.contains("nothing was stored"));
}

#[test]
fn a_broken_review_names_each_problem_with_its_line() {
    let env = Env::new();
    let run = env.run(&["check", fixture("broken").to_str().unwrap()]);
    assert_eq!(run.code, 1);
    for expected in [
        "error: ",
        "broken-review.md:13: field `evidence.code_available`: expected true, false or \"unknown\", found \"sometimes\"",
        "broken-review.md:16: field `review.date`: `2025-02-30` is not a calendar date",
        "broken-review.md:15: field `review`: verdict: required: confirmed or corrected",
    ] {
        assert!(run.stderr.contains(expected), "{expected}\n{}", run.stderr);
    }
}

#[test]
fn search_and_show_by_method() {
    let env = Env::new();
    for dir in ["good", "reviewed"] {
        let run = env.run(&["ingest", fixture(dir).to_str().unwrap()]);
        assert_eq!(run.code, 0, "{}", run.stderr);
    }
    let ids = |args: &[&str]| -> Vec<String> {
        let mut all = vec!["search", "--json"];
        all.extend_from_slice(args);
        let j = env.run(&all).json();
        let mut ids: Vec<String> = j["hits"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["id"].as_str().unwrap().to_string())
            .collect();
        ids.sort();
        ids
    };
    assert_eq!(ids(&["--method", "transformer"]), ["fixture-markdown"]);
    // Names and aliases resolve like the other dimensions; repeating is OR.
    assert_eq!(ids(&["--method", "LSTM"]), ["fixture-reviewed"]);
    assert_eq!(
        ids(&["--method", "transformer", "--method", "classical-ml"]),
        ["fixture-markdown", "fixture-reviewed"]
    );
    let j = env.run(&["search", "--json"]).json();
    assert_eq!(j["facets"]["method"]["transformer"], 1);
    assert_eq!(j["facets"]["method"]["rnn"], 1);
    assert_eq!(j["facets"]["method"]["classical-ml"], 1);
    let bad = env.run(&["search", "--method", "abacus"]);
    assert_eq!(bad.code, 1);
    assert!(bad.stderr.contains("abacus"), "{}", bad.stderr);

    let show = env.run(&["show", "fixture-reviewed"]);
    assert_eq!(show.code, 0);
    assert!(
        show.stdout.contains("methods: rnn, classical-ml"),
        "{}",
        show.stdout
    );
    assert!(
        show.stdout.contains(
            "evidence: code_available false, data_available true, external_validation unknown"
        ),
        "{}",
        show.stdout
    );
    assert!(show
        .stdout
        .contains("reviewed on 2025-05-06 against arXiv:2201.00001: confirmed"));
    let json = env.run(&["show", "fixture-reviewed", "--json"]).json();
    assert_eq!(json["review"]["verdict"], "confirmed");
    assert_eq!(json["evidence"]["external_validation"], "unknown");
}

#[test]
fn check_validates_the_mechanism_catalogue() {
    let env = Env::new();
    let bundled = repo().join("data/mechanisms.toml");
    let ok = env.run(&["check", bundled.to_str().unwrap()]);
    assert_eq!(ok.code, 0, "{}", ok.stderr);
    assert!(
        ok.stdout.contains("mechanism(s), well formed"),
        "{}",
        ok.stdout
    );
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("mechanisms.toml");
    std::fs::write(
        &bad,
        "[[mechanism]]\nid = \"x\"\nname = \"X\"\ncause = \"data/nope\"\nsummary = \"s\"\nphrases = [\"p\"]\n",
    )
    .unwrap();
    let r = env.run(&["check", bad.to_str().unwrap()]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("mechanism `x`") && r.stderr.contains("data/nope"),
        "{}",
        r.stderr
    );
    // A curator's member list must name cases that exist among those checked.
    std::fs::write(
        &bad,
        "[[mechanism]]\nid = \"x\"\nname = \"X\"\ncause = \"data/leakage\"\nsummary = \"s\"\nphrases = [\"p\"]\nmembers = [\"no-such-case\"]\n",
    )
    .unwrap();
    let reviewed = fixture("reviewed");
    let r = env.run(&["check", reviewed.to_str().unwrap(), bad.to_str().unwrap()]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(r.stderr.contains("`no-such-case`"), "{}", r.stderr);
    // So must the list of cases a curator found no mechanism in.
    std::fs::write(
        &bad,
        "unassigned = [\"fixture-reviewed\", \"gone-case\"]\n[[mechanism]]\nid = \"x\"\nname = \"X\"\ncause = \"data/leakage\"\nsummary = \"s\"\nphrases = [\"p\"]\n",
    )
    .unwrap();
    let r = env.run(&["check", reviewed.to_str().unwrap(), bad.to_str().unwrap()]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(
        r.stderr.contains("`unassigned` lists `gone-case`")
            && !r.stderr.contains("`fixture-reviewed`"),
        "{}",
        r.stderr
    );
}
