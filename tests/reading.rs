//! How the search reads a question, seen from outside: the mechanisms it is read as (from its
//! words, its symptoms or its meaning), the causes offered as its reading and those shown as
//! weaker, and questions that name a cause and a field; alike in the CLI, the API and on the
//! search page of a live server on the bundled cases.

use crate::util::Env;

/// The answer of `server` to the API search `api` once it reads the question as a mechanism:
/// the server reads mechanisms after its first clustering, which runs in the background.
pub(crate) fn mechanisms_read(server: &crate::live::Server, api: &str) -> serde_json::Value {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let reply = server.get(api);
        assert_eq!(reply.status, 200);
        let json: serde_json::Value = serde_json::from_slice(&reply.body).unwrap();
        if !json["reading"]["mechanisms"].as_array().unwrap().is_empty() {
            return json;
        }
        assert!(std::time::Instant::now() < deadline, "never read: {json}");
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
}

/// A question that tells only what was seen ("worse every season after it shipped") is read as
/// the mechanism whose symptoms say so (`symptoms` in data/mechanisms.toml), and its cases
/// lead; without the symptoms the question was read as nothing.
#[test]
fn a_question_told_by_its_symptoms_is_read_as_the_mechanism() {
    let env = Env::new();
    for q in [
        "our classifier got worse every season after it shipped",
        "the forecasts got slowly worse every year after launch",
    ] {
        let r = env.run(&["search", q, "--json", "--limit", "3"]);
        assert_eq!(r.code, 0, "{q}: {}", r.stderr);
        let r = r.json();
        assert_eq!(
            r["reading"]["mechanisms"][0]["id"], "temporal-drift",
            "{q}: {r}"
        );
    }
}

/// A question that describes a mechanism without naming it is read as that mechanism, the
/// same way in the CLI, on the search page (with a link to the mechanism's page) and in the
/// API, and the cases that share it come first.
#[test]
fn a_mechanism_question_is_read_alike_in_the_cli_the_page_and_the_api() {
    const Q: &str = "information from the future leaks into the features";
    const MECHANISM: &str = "future-in-training";
    let env = Env::new();
    env.ingest_bundled();
    let r = env.run(&["search", Q, "--json", "--limit", "5"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = r.json();
    let read = |json: &serde_json::Value| -> Vec<String> {
        json["reading"]["mechanisms"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["id"].as_str().unwrap().to_string())
            .collect()
    };
    // Read as this mechanism (beside, since the curation, the neighbouring "test information
    // used in features", whose curated members hold more of the question's words).
    assert!(read(&r).iter().any(|m| m == MECHANISM), "{r}");
    let human = env.run(&["search", Q]);
    assert!(
        human.stdout.contains("read as the mechanism: "),
        "{}",
        human.stdout
    );

    let server = crate::live::Server::serve(env, &[]);
    let api = format!("/api/v1/search?q={}", crate::live::encode(Q));
    let json = mechanisms_read(&server, &api);
    assert_eq!(read(&json), read(&r), "the CLI and the API read alike");
    let api_top: Vec<&str> = json["hits"].as_array().unwrap()[..5]
        .iter()
        .map(|h| h["id"].as_str().unwrap())
        .collect();
    let cli_top: Vec<&str> = r["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["id"].as_str().unwrap())
        .collect();
    assert_eq!(api_top, cli_top, "the CLI and the API rank alike");
    let page = server.get(&format!("/search?q={}", crate::live::encode(Q)));
    assert_eq!(page.status, 200);
    let html = page.text();
    assert!(html.contains("Read as the mechanism"), "{html}");
    assert!(html.contains(&format!("href=\"/clusters/m/{MECHANISM}\"")));
}

/// A cause read from a question's words that no mechanism read from it sits under is shown as
/// a weaker reading, not as what the question is about, alike in the CLI, the API and on the
/// search page. ("Works on validation but fails in production" was read as security and
/// adversarial threat from "production" and "fails", which a handful of security cases hold.)
#[test]
fn a_cause_read_on_thin_evidence_is_shown_as_weaker() {
    const Q: &str = "my model works on validation but fails in production";
    let env = Env::new();
    env.ingest_bundled();
    let r = env.run(&["search", Q, "--json", "--limit", "5"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = r.json();
    let slugs = |json: &serde_json::Value, key: &str| -> Vec<String> {
        json["reading"][key]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["slug"].as_str().unwrap().to_string())
            .collect()
    };
    let weak = slugs(&r, "weak_causes");
    assert!(!weak.is_empty(), "{r}");
    assert!(!read_mechanisms_are_empty(&r), "{r}");
    assert!(weak.iter().all(|w| !slugs(&r, "causes").contains(w)), "{r}");
    let human = env.run(&["search", Q]);
    assert!(
        human.stdout.contains("also weighed, on thinner evidence: "),
        "{}",
        human.stdout
    );

    let server = crate::live::Server::serve(env, &[]);
    let json = mechanisms_read(
        &server,
        &format!("/api/v1/search?q={}", crate::live::encode(Q)),
    );
    assert_eq!(
        slugs(&json, "weak_causes"),
        weak,
        "the CLI and the API read alike"
    );
    assert_eq!(slugs(&json, "causes"), slugs(&r, "causes"));
    let page = server.get(&format!("/search?q={}", crate::live::encode(Q)));
    assert_eq!(page.status, 200);
    let html = page.text();
    let weaker = html
        .split("Also weighed, on thinner evidence: ")
        .nth(1)
        .expect("the weaker readings are shown");
    let weaker = &weaker[..weaker.find("</p>").unwrap()];
    for w in &json["reading"]["weak_causes"].as_array().unwrap()[..] {
        assert!(weaker.contains(w["name"].as_str().unwrap()), "{weaker}");
    }
}

fn read_mechanisms_are_empty(json: &serde_json::Value) -> bool {
    json["reading"]["mechanisms"].as_array().unwrap().is_empty()
}

/// A cause and a field both named by their taxonomy names ask for the cases filed under both:
/// those come first, the names' words are not read as other causes, and a field's name alone
/// is not read as a mechanism.
#[test]
fn a_cause_named_in_a_field_finds_the_cases_filed_under_both() {
    let env = Env::new();
    env.ingest_bundled();
    for (q, cause, field) in [
        (
            "shortcut learning in dermatology",
            "model/shortcut-learning",
            "healthcare/dermatology",
        ),
        (
            "distribution shift in pathology",
            "data/distribution-shift",
            "healthcare/pathology",
        ),
    ] {
        let r = env.run(&["search", q, "--json", "--limit", "5"]).json();
        for h in &r["hits"].as_array().unwrap()[..2] {
            let has = |key: &str, slug: &str| {
                h[key].as_array().unwrap().iter().any(|s| {
                    let s = s.as_str().unwrap();
                    s == slug || s.starts_with(&format!("{slug}/"))
                })
            };
            assert!(
                has("causes", cause) && has("domains", field),
                "{q}: {} is not filed under both; {r}",
                h["id"]
            );
        }
        // Once read as optimisation difficulty from "distribution", and as data bias.
        assert_eq!(r["reading"]["causes"], serde_json::json!([]), "{q}: {r}");
    }
    // Once read as "prompt sensitivity" from the word "models".
    let r = env
        .run(&[
            "search",
            "what went wrong with recommender models?",
            "--json",
            "--limit",
            "3",
        ])
        .json();
    assert_eq!(r["reading"]["mechanisms"], serde_json::json!([]), "{r}");
    for h in r["hits"].as_array().unwrap() {
        assert_eq!(h["domains"][0], "recommender-systems", "{r}");
    }
}
