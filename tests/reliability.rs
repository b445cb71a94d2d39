//! Crash safety and backups: the binary is killed with SIGKILL at random points during ingest,
//! reindex, import and approvals (a live server killed while a reviewer approves), and after every kill the database passes `PRAGMA integrity_check`, no case is
//! half-written, the index catches up, and a re-run completes. Backups taken under write load
//! restore to a consistent knowledge base.

use std::io::Write;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use notbetter_store::SubmissionStatus;

use crate::live::{self, Server};
use crate::util::{fixture, repo, Env};

/// A small deterministic PRNG (xorshift), seeded from the clock; the seed is printed so that a
/// failure can be replayed.
struct Rng(u64);

impl Rng {
    fn new() -> Rng {
        let seed = std::env::var("NOTBETTER_TEST_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .as_nanos() as u64
                    | 1
            });
        println!("crash harness seed: {seed} (set NOTBETTER_TEST_SEED to replay)");
        Rng(seed)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// Writes `n` synthetic cases (ids `crash-<offset+i>`) as JSON Lines.
fn write_cases(path: &Path, offset: usize, n: usize, variant: &str) {
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    let causes = [
        "covariate shift",
        "label noise",
        "data leak",
        "weak baselines",
        "Clever Hans",
    ];
    let domains = ["radiology", "EHR", "drug discovery", "robotics", "finance"];
    for i in offset..offset + n {
        let line = serde_json::json!({
            "id": format!("crash-{i}"),
            "title": format!("Synthetic case {i} {variant}"),
            "year": 2000 + (i % 25),
            "domains": [domains[i % 5]],
            "causes": [causes[i % 5], causes[(i + 2) % 5]],
            "tags": ["synthetic", variant],
            "use_case": format!("A use case number {i}. It concerns {} in a {} setting.", causes[i % 5], domains[i % 5]),
            "solution": "A deep network was proposed. It was trained on one site.",
            "outcome": format!("It failed at site {i}. The drop was large ({variant})."),
            "investigation": format!("The cause was {}. It was found by an audit.", causes[(i + 1) % 5]),
            "references": [format!("https://example.org/crash/{i}")],
        });
        writeln!(f, "{line}").unwrap();
    }
}

/// Checks the invariants that must hold after any kill.
fn assert_consistent(env: &Env) {
    let store = notbetter_store::Store::open(&env.data_dir().join("notbetter.sqlite")).unwrap();
    assert_eq!(store.integrity_check().unwrap(), "ok");
    let conn = store.connection();
    // Every case has exactly the labels and references its document says.
    let half_written: i64 = conn
        .query_row(
            "SELECT count(*) FROM cases c WHERE
               (SELECT count(*) FROM case_labels l WHERE l.case_id = c.id) !=
                 json_array_length(c.doc, '$.domains') + json_array_length(c.doc, '$.causes') + json_array_length(c.doc, '$.failure_modes')
                   + ifnull(json_array_length(c.doc, '$.methods'), 0)
               OR (SELECT count(*) FROM case_references r WHERE r.case_id = c.id) != json_array_length(c.doc, '$.references')",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(half_written, 0, "a case is half-written");
    let orphans: i64 = conn
        .query_row(
            "SELECT count(*) FROM case_labels WHERE case_id NOT IN (SELECT id FROM cases)",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(orphans, 0);
    drop(store);
    // Opening the knowledge base catches the index up with the store. (A kill before the
    // first commit leaves the store empty, and a search then loads the bundled cases into it
    // first, as on any empty data directory: the count is taken after.)
    let all = env.run(&["search", "*", "--json", "--limit", "1"]);
    assert_eq!(all.code, 0, "{}", all.stderr);
    let count = notbetter_store::Store::open(&env.data_dir().join("notbetter.sqlite"))
        .unwrap()
        .count()
        .unwrap();
    assert_eq!(
        all.json()["total"].as_u64().unwrap() as usize,
        count,
        "index follows the store"
    );
}

fn kill_after(env: &Env, args: &[&str], delay: Duration) -> bool {
    let mut child = env
        .command()
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(delay);
    let finished = child.try_wait().unwrap().is_some();
    if !finished {
        // SIGKILL: no destructors, no flushing.
        child.kill().unwrap();
    }
    child.wait().unwrap();
    !finished
}

#[test]
fn sigkill_during_ingest_and_reindex_loses_nothing() {
    let env = Env::new();
    let mut rng = Rng::new();
    let first = env.data_dir().join("first.jsonl");
    write_cases(&first, 0, 1500, "a");
    let mut killed = 0;
    for round in 0..6 {
        let delay = Duration::from_millis(30 + rng.below(900));
        let file = env.data_dir().join(format!("round{round}.jsonl"));
        // Alternate new cases and changes to existing ones, so kills hit inserts and revisions.
        write_cases(
            &file,
            (round % 2) * 750,
            1500,
            if round % 3 == 0 { "a" } else { "b" },
        );
        if kill_after(&env, &["ingest", file.to_str().unwrap()], delay) {
            killed += 1;
        }
        assert_consistent(&env);
        if kill_after(
            &env,
            &["reindex"],
            Duration::from_millis(20 + rng.below(400)),
        ) {
            killed += 1;
        }
        assert_consistent(&env);
    }
    println!("killed {killed} runs mid-way");
    // A re-run completes and everything is there.
    let run = env.run(&["ingest", first.to_str().unwrap(), "--json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_consistent(&env);
    let all = env.run(&["search", "*", "--json", "--limit", "1"]).json();
    assert!(all["total"].as_u64().unwrap() >= 1500);
}

#[test]
fn backup_under_write_load_restores_consistently() {
    let env = Env::new();
    let cases = env.data_dir().join("cases.jsonl");
    write_cases(&cases, 0, 1500, "a");
    assert_eq!(env.run(&["ingest", cases.to_str().unwrap()]).code, 0);
    let more = env.data_dir().join("more.jsonl");
    write_cases(&more, 1000, 1500, "b");
    // Write load: an ingest that updates 500 cases and adds 1000, while a backup runs.
    let mut writer = env
        .command()
        .args(["ingest", more.to_str().unwrap()])
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let under_load = env.data_dir().join("under-load.sqlite");
    let b = env.run(&["backup", under_load.to_str().unwrap()]);
    assert_eq!(b.code, 0, "{}", b.stderr);
    assert!(writer.wait().unwrap().success());

    let restored = Env::new();
    let r = restored.run(&["restore", under_load.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_consistent(&restored);

    // After the load: a backup restores to identical search results.
    let after = env.data_dir().join("after.sqlite");
    assert_eq!(env.run(&["backup", after.to_str().unwrap()]).code, 0);
    let copy = Env::new();
    assert_eq!(copy.run(&["restore", after.to_str().unwrap()]).code, 0);
    for q in ["*", "leakage", "\"site 12\"", "synthetic -b"] {
        let args = ["search", q, "--json", "--limit", "50", "--sort", "year"];
        let (a, b) = (env.run(&args).json(), copy.run(&args).json());
        assert_eq!(a["total"], b["total"], "{q}");
        let ids = |j: &serde_json::Value| {
            j["hits"]
                .as_array()
                .unwrap()
                .iter()
                .map(|h| h["id"].clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(ids(&a), ids(&b), "{q}");
        assert_eq!(a["facets"], b["facets"], "{q}");
    }
    assert_eq!(copy.run(&["restore", "/no/such/backup"]).code, 1);
}

#[test]
fn sigkill_during_import_loses_nothing() {
    // The real AVID set when it is next to the repository (it takes a few seconds to import, so
    // kills land mid-way), else the small fixture (which also holds a malformed record, so a run
    // exits 1 after storing the rest).
    let shared = repo().join("../shared/imports/avid");
    let dir = if shared.is_dir() {
        shared
    } else {
        println!(
            "no ../shared/imports/avid: importing the fixture, which is too small to kill mid-way"
        );
        fixture("imports/avid")
    };
    let dir = dir.to_str().unwrap();
    let env = Env::new();
    let mut rng = Rng::new();
    let mut killed = 0;
    for _ in 0..5 {
        let delay = Duration::from_millis(50 + rng.below(2500));
        if kill_after(&env, &["import", "avid", dir], delay) {
            killed += 1;
        }
        assert_consistent(&env);
    }
    println!("killed {killed} imports mid-way");
    // A re-run completes, and ends where one clean import ends.
    let clean = Env::new();
    let clean_run = clean.run(&["import", "avid", dir]);
    assert!(
        clean_run.code == 0 || clean_run.code == 1,
        "{}",
        clean_run.stderr
    );
    let run = env.run(&["import", "avid", dir]);
    assert_eq!(run.code, clean_run.code, "{}", run.stderr);
    assert_consistent(&env);
    // The imported cases (a search on a data directory a kill left empty loaded the bundled
    // ones too, as it does on any empty data directory).
    let total = |e: &Env| {
        e.run(&["search", "*", "--source", "avid", "--json", "--limit", "1"])
            .json()["total"]
            .clone()
    };
    assert_eq!(total(&env), total(&clean));
}

/// The CSRF token in a cookie header that holds `nb_csrf`.
pub(crate) fn csrf_of(cookies: &str) -> String {
    cookies
        .split("; ")
        .find_map(|c| c.strip_prefix("nb_csrf="))
        .expect("the session cookies hold the CSRF cookie")
        .to_string()
}

/// A clean contribution form.
pub(crate) fn contribution(token: &str, title: &str) -> Vec<(String, String)> {
    [
        ("csrf", token),
        ("title", title),
        ("year", "2022"),
        ("domains", "healthcare/medical-imaging"),
        ("causes", "data/distribution-shift"),
        ("use_case", "Reading chest X-rays in a new hospital."),
        ("solution", "A convolutional network trained at one site."),
        ("outcome", "Accuracy fell at the second site."),
        (
            "investigation",
            "The scanners and the patients differed between the sites.",
        ),
        ("ref1", "https://example.org/crash-approvals"),
        ("licence", "agree"),
        ("action", "submit"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

/// The reviewer's form approving submission `id`: the case form, then `action=approve`.
pub(crate) fn approval(token: &str, id: &str) -> Vec<(String, String)> {
    let mut form = contribution(token, &format!("Approved {id}"));
    form.retain(|(k, _)| k != "action");
    form.push(("action".into(), "approve".into()));
    form
}

pub(crate) fn post(
    port: u16,
    target: &str,
    cookie: &str,
    form: &[(String, String)],
) -> std::io::Result<u16> {
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let reply = live::send(
        port,
        format!("POST {target} HTTP/1.1\r\n").as_bytes(),
        &[
            ("Cookie", cookie),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ],
        live::encode_form(&pairs).as_bytes(),
    )?;
    Ok(reply.status)
}

/// Every approved submission has its case, every other has none, and no contributed case
/// exists without an approval: an approval is all or nothing.
fn assert_approvals_consistent(env: &Env) -> (usize, usize) {
    let store = notbetter_store::Store::open(&env.data_dir().join("notbetter.sqlite")).unwrap();
    let (mut approved, mut pending) = (0, 0);
    for status in [SubmissionStatus::Pending, SubmissionStatus::Approved] {
        for s in store.submissions(status, 10_000).unwrap() {
            match status {
                SubmissionStatus::Approved => {
                    approved += 1;
                    let id = s.case_id.expect("an approved submission names its case");
                    assert!(store.get(&id).unwrap().is_some(), "case {id} is missing");
                }
                _ => {
                    pending += 1;
                    assert!(s.case_id.is_none());
                }
            }
        }
    }
    let contributed: i64 = store
        .connection()
        .query_row(
            "SELECT count(*) FROM cases WHERE source = 'contributed'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(contributed as usize, approved, "cases without an approval");
    (approved, pending)
}

#[test]
fn sigkill_during_approvals_loses_nothing() {
    const SUBMISSIONS: usize = 24;
    let args = ["--contributions-per-hour", "100000"];
    let mut rng = Rng::new();
    let mut server = Server::start(&args);
    let (cookie, token) = server.csrf("/contribute");
    for i in 0..SUBMISSIONS {
        let form = contribution(&token, &format!("Crash approval {i}"));
        assert_eq!(
            post(server.port(), "/contribute", &cookie, &form).unwrap(),
            303
        );
    }
    let mut killed = 0;
    for _ in 0..3 {
        let session = server.login();
        let token = csrf_of(&session);
        let pending: Vec<String> = server
            .submissions()
            .into_iter()
            .filter(|s| s.status == SubmissionStatus::Pending)
            .map(|s| s.public_id)
            .collect();
        let port = server.port();
        // Approvals run on their own thread while this one kills the server.
        let approver = std::thread::spawn(move || {
            let mut done = 0;
            for id in pending {
                let form = approval(&token, &id);
                match post(port, &format!("/review/{id}"), &session, &form) {
                    Ok(303) => done += 1,
                    Ok(status) => panic!("approving {id}: {status}"),
                    Err(_) => break,
                }
            }
            done
        });
        std::thread::sleep(Duration::from_millis(20 + rng.below(600)));
        let env = server.kill();
        let done = approver.join().unwrap();
        let (approved, pending) = assert_approvals_consistent(&env);
        assert!(approved >= done, "an acknowledged approval was lost");
        assert_eq!(approved + pending, SUBMISSIONS);
        if pending > 0 {
            killed += 1;
        }
        assert_consistent(&env);
        server = Server::serve(env, &args);
    }
    println!("killed the server {killed} times with approvals pending");
    // A restarted server finishes the work.
    let session = server.login();
    let token = csrf_of(&session);
    for s in server.submissions() {
        if s.status == SubmissionStatus::Pending {
            let form = approval(&token, &s.public_id);
            let target = format!("/review/{}", s.public_id);
            assert_eq!(post(server.port(), &target, &session, &form).unwrap(), 303);
        }
    }
    let env = server.kill();
    assert_eq!(assert_approvals_consistent(&env), (SUBMISSIONS, 0));
    assert_consistent(&env);
}
