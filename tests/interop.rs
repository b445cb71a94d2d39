//! `import` and `export` end to end: the importers on the fixtures in `tests/data/imports` (and
//! on the real sets in `../shared/imports` when present), filtering imported cases apart, and
//! the round trip of the bundled cases through the Markdown and JSON Lines exports.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::util::{fixture, repo, Env};

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn counts(j: &Value) -> (u64, u64, u64) {
    let n = |k: &str| j[k].as_u64().unwrap_or_else(|| panic!("{k} in {j}"));
    (n("added"), n("updated"), n("unchanged"))
}

fn total(env: &Env, source: &str) -> u64 {
    let run = env.run(&["search", "*", "--source", source, "--json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    run.json()["total"].as_u64().unwrap()
}

#[test]
fn import_skips_a_malformed_record_keeps_the_rest_and_is_idempotent() {
    let env = Env::new();
    for source in ["avid", "atlas", "aiid"] {
        let dir = fixture(&format!("imports/{source}"));
        let first = env.run(&["import", source, path(&dir), "--json"]);
        assert_eq!(
            first.code, 1,
            "a skipped record makes the run exit 1: {}",
            first.stderr
        );
        let j = first.json();
        assert_eq!(counts(&j), (3, 0, 0), "{source}: {j}");
        assert_eq!(j["cases"], 3);
        let errors = j["errors"].as_array().unwrap();
        assert_eq!(errors.len(), 1, "{source}: {errors:?}");
        let file = errors[0]["file"].as_str().unwrap();
        assert!(file.starts_with(path(&dir)), "{file}");
        assert!(errors[0]["message"].as_str().unwrap().contains("malformed"));
        assert!(!j["warnings"].as_array().unwrap().is_empty());

        let before = env.database_state();
        let again = env.run(&["import", source, path(&dir), "--json"]);
        assert_eq!(counts(&again.json()), (0, 0, 3), "{source}");
        assert_eq!(env.database_state(), before);
    }
    // Text output names the skipped record and sums up.
    let run = env.run(&["import", "aiid", path(&fixture("imports/aiid"))]);
    assert!(
        run.stderr
            .contains("incidents.json: record 4: malformed AIID incident"),
        "{}",
        run.stderr
    );
    assert!(
        run.stdout
            .contains("aiid: added 0, updated 0, unchanged 3; 1 record(s) skipped"),
        "{}",
        run.stdout
    );
    assert_eq!(env.run(&["import", "nosuch", "x"]).code, 2);
}

#[test]
fn imported_cases_are_filtered_apart_from_curated_ones() {
    let env = Env::new();
    assert_eq!(env.run(&["ingest", path(&fixture("good"))]).code, 0);
    for source in ["avid", "atlas", "aiid"] {
        env.run(&[
            "import",
            source,
            path(&fixture(&format!("imports/{source}"))),
        ]);
    }
    assert_eq!(total(&env, "curated"), 5);
    assert_eq!(total(&env, "imported"), 9);
    assert_eq!(total(&env, "imported/avid"), 3);
    assert_eq!(total(&env, "imported/atlas"), 3);
    let all = env.run(&["search", "*", "--json"]).json();
    assert_eq!(
        all["facets"]["source"]["imported/aiid"], 3,
        "{}",
        all["facets"]
    );

    let shown = env.run(&["show", "avid-2024-r9001", "--json"]).json();
    assert_eq!(shown["source"]["imported"], "avid");
    assert_eq!(shown["licence"], "MIT");
    assert_eq!(shown["source_id"], "AVID-2024-R9001");
    assert_eq!(shown["incomplete"], true);
    assert_eq!(shown["causes"][0]["value"], "data/distribution-shift");
    assert_eq!(shown["causes"][0]["raw"], "P0101: Data drift");
    let hits = env
        .run(&["search", "stickers", "--cause", "robustness", "--json"])
        .json();
    assert_eq!(hits["hits"][0]["id"], "avid-2024-v901", "{hits}");
}

/// A stored case as canonical JSON, less what an export does not carry: the source (everything
/// re-ingested is curated) and the wording behind a confirmed label (the slug is exported).
fn canonical(env: &Env) -> BTreeMap<String, Value> {
    let store = notbetter_store::Store::open(&env.data_dir().join("notbetter.sqlite")).unwrap();
    store
        .all()
        .unwrap()
        .into_iter()
        .map(|s| {
            let mut v = serde_json::to_value(&s.case).unwrap();
            v.as_object_mut().unwrap().remove("source");
            for dim in ["domains", "causes", "failure_modes"] {
                for label in v[dim].as_array_mut().unwrap() {
                    if label["state"] == "confirmed" {
                        label.as_object_mut().unwrap().remove("raw");
                    }
                }
            }
            (s.case.id, v)
        })
        .collect()
}

#[test]
fn markdown_and_jsonl_exports_ingest_back_to_the_same_cases() {
    let env = Env::new();
    let cases = repo().join("data/cases");
    let run = env.run(&["ingest", path(&cases), path(&fixture("good"))]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let original = canonical(&env);
    let bundled: Vec<PathBuf> = std::fs::read_dir(&cases)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    assert_eq!(original.len(), bundled.len() + 5);

    let out = tempfile::tempdir().unwrap();
    let md = out.path().join("md");
    let jsonl = out.path().join("cases.jsonl");
    let run = env.run(&["export", "--format", "md", "--out", path(&md)]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let run = env.run(&["export", "--format", "jsonl", "--out", path(&jsonl)]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    // The bundled files come back byte for byte, but for TOML's choice of quotes.
    let same = bundled
        .iter()
        .filter(|p| {
            std::fs::read(p).unwrap() == std::fs::read(md.join(p.file_name().unwrap())).unwrap()
        })
        .count();
    assert!(same * 10 >= bundled.len() * 9, "{same} identical files");

    for export in [&md, &jsonl] {
        let fresh = Env::new();
        let run = fresh.run(&["ingest", path(export), "--json"]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert_eq!(run.json()["added"].as_u64(), Some(original.len() as u64));
        let back = canonical(&fresh);
        for (id, case) in &original {
            assert_eq!(back.get(id), Some(case), "{id} from {}", export.display());
        }
        assert_eq!(back.len(), original.len());
        // An unmapped label survives: it is exported verbatim and maps to nothing again.
        let unmapped = &back["fixture-unmapped"]["causes"][0];
        assert_eq!(unmapped["state"], "unmapped");
        assert_eq!(unmapped["value"], "gremlins in the pipeline");
    }
}

/// On a fresh data directory, `export` and `taxonomy` see the bundled cases, as `search` and
/// `serve` do, instead of an empty knowledge base.
#[test]
fn a_fresh_data_directory_exports_the_bundled_cases() {
    let bundled = std::fs::read_dir(repo().join("data/cases"))
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|e| e == "md")
        })
        .count();
    let env = Env::new();
    let jsonl = env.run(&["export", "--format", "jsonl"]);
    assert_eq!(jsonl.code, 0, "{}", jsonl.stderr);
    assert_eq!(jsonl.stdout.lines().count(), bundled);
    let fresh = Env::new();
    let tree = fresh.run(&["taxonomy", "--json"]);
    assert_eq!(tree.code, 0, "{}", tree.stderr);
    let causes: u64 = tree.json()["cause"]
        .as_array()
        .unwrap()
        .iter()
        .map(|family| family["cases"].as_u64().unwrap())
        .sum();
    assert!(causes >= bundled as u64, "{causes} cases under the causes");
}

#[test]
fn exports_on_standard_output() {
    let env = Env::new();
    assert_eq!(env.run(&["ingest", path(&fixture("good"))]).code, 0);
    env.run(&["import", "atlas", path(&fixture("imports/atlas"))]);

    let jsonl = env.run(&["export", "--format", "jsonl"]);
    assert_eq!(jsonl.code, 0, "{}", jsonl.stderr);
    assert_eq!(jsonl.stdout.lines().count(), 8);
    let first: Value = serde_json::from_str(jsonl.stdout.lines().next().unwrap()).unwrap();
    assert!(
        first["use_case"].is_string() && first["references"].is_array(),
        "{first}"
    );

    let csv = env.run(&["export", "--format", "csv", "--source", "imported/atlas"]);
    assert!(csv
        .stdout
        .starts_with("id,title,year,domains,causes,failure_modes,methods,tags,use_case"));
    assert_eq!(
        csv.stdout.matches("\natlas-aml-cs").count(),
        3,
        "{}",
        csv.stdout
    );
    assert!(csv.stdout.contains("deployment/security; model/robustness"));

    let bib = env.run(&["export", "--format", "bibtex", "--source", "curated"]);
    assert!(bib.stdout.contains("{fixture-csv,\n"), "{}", bib.stdout);
    assert!(!bib.stdout.contains("atlas-"), "{}", bib.stdout);

    assert_eq!(
        env.run(&["export", "--format", "md"]).code,
        2,
        "md needs --out"
    );
    assert_eq!(env.run(&["export", "--format", "xml"]).code, 2);
    let bad = env.run(&["export", "--format", "csv", "--source", "elsewhere"]);
    assert_eq!(bad.code, 1);
    assert!(bad.stderr.contains("unknown source"), "{}", bad.stderr);
}

#[test]
fn real_record_sets_import_and_filter_apart() {
    let shared = repo().join("../shared/imports");
    if !shared.is_dir() {
        eprintln!("skipped: no real record sets at {}", shared.display());
        return;
    }
    let env = Env::new();
    for (source, n) in [("avid", 1757), ("atlas", 57), ("aiid", 1137)] {
        let run = env.run(&["import", source, path(&shared.join(source)), "--json"]);
        assert_eq!(run.code, 0, "{source}: {}", run.stderr);
        let j = run.json();
        assert_eq!(counts(&j), (n, 0, 0), "{source}");
        assert_eq!(j["errors"].as_array().unwrap().len(), 0);
        assert_eq!(total(&env, &format!("imported/{source}")), n);
    }
    assert_eq!(total(&env, "curated"), 0);
    let again = env.run(&["import", "atlas", path(&shared.join("atlas")), "--json"]);
    assert_eq!(counts(&again.json()), (0, 0, 57), "re-importing is a no-op");
}
