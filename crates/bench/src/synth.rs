//! The synthetic corpus: realistic cases in the JSON input form, one per line.
//!
//! Labels are the real taxonomy's, drawn with Zipf-like frequencies and written as a person
//! would (the slug, the display name or an alias, all of which ingest maps back to the slug).
//! The four elements hold 300 to 600 words in total, in sentences drawn from the ranked
//! vocabulary, with the case's own label phrases woven in so that text and labels agree.
//! Case `i` depends only on the seed and `i` (its own random stream), so the output is the
//! same for the same seed, however many threads write it.

use std::io::{self, Write};

use notbetter_taxonomy::{
    Dimension, Evidence, Fact, InputForm, Mapping, Reference, Review, Taxonomy, Verdict,
};

use crate::vocab::{shuffle, Rng, Vocab, Zipf};

/// A taxonomy entry as the generator uses it.
pub struct LabelEntry {
    pub slug: String,
    /// Ways a report may spell it that ingest maps back to `slug` (the slug comes first).
    spellings: Vec<String>,
    /// Lowercase name and aliases, woven into the text.
    phrases: Vec<String>,
}

impl LabelEntry {
    /// Its phrases of exactly two plain words, for phrase and prefix queries.
    pub fn phrases_of_two_words(&self) -> impl Iterator<Item = &str> {
        self.phrases.iter().map(String::as_str).filter(|p| {
            let words: Vec<&str> = p.split(' ').collect();
            words.len() == 2
                && words
                    .iter()
                    .all(|w| w.len() >= 4 && w.bytes().all(|b| b.is_ascii_lowercase()))
        })
    }
}

/// The entries of one dimension, most frequent first, and their sampler.
pub struct LabelDim {
    pub entries: Vec<LabelEntry>,
    zipf: Zipf,
}

impl LabelDim {
    fn new(
        taxonomy: &Taxonomy,
        dim: Dimension,
        keep: impl Fn(usize) -> bool,
        seed: u64,
    ) -> LabelDim {
        let mut entries: Vec<LabelEntry> = taxonomy
            .entries_of(dim)
            .filter(|e| keep(e.depth()))
            .map(|e| {
                let mut spellings = vec![e.slug.clone()];
                let mut phrases = Vec::new();
                for text in std::iter::once(&e.name).chain(&e.aliases) {
                    let maps = matches!(taxonomy.map(dim, text), Mapping::Mapped { slug } if slug == e.slug);
                    if maps && !spellings.contains(text) {
                        spellings.push(text.clone());
                    }
                    let words = text.split_whitespace().count();
                    if (1..=4).contains(&words) {
                        phrases.push(text.to_lowercase());
                    }
                }
                LabelEntry {
                    slug: e.slug.clone(),
                    spellings,
                    phrases,
                }
            })
            .collect();
        shuffle(&mut entries, &mut Rng::new(seed, 1));
        let zipf = Zipf::new(entries.len(), 1.1, 1.0);
        LabelDim { entries, zipf }
    }

    fn sample(&self, rng: &mut Rng) -> &LabelEntry {
        &self.entries[self.zipf.sample(rng)]
    }

    /// `n` distinct entries.
    fn distinct(&self, rng: &mut Rng, n: usize) -> Vec<&LabelEntry> {
        let mut out: Vec<&LabelEntry> = Vec::with_capacity(n);
        while out.len() < n.min(self.entries.len()) {
            let e = self.sample(rng);
            if !out.iter().any(|o| o.slug == e.slug) {
                out.push(e);
            }
        }
        out
    }
}

/// One synthetic case, in the input form every reader of cases shares.
pub type SynthCase = InputForm;

const VENUES: &[&str] = &[
    "NeurIPS",
    "ICML",
    "ICLR",
    "Nature Machine Intelligence",
    "Nature Medicine",
    "The Lancet Digital Health",
    "JAMA Network Open",
    "Radiology: Artificial Intelligence",
    "Scientific Reports",
    "PLOS ONE",
    "ACL",
    "EMNLP",
    "CVPR",
    "ICCV",
    "KDD",
    "Physical Review Letters",
    "Geophysical Research Letters",
    "Journal of Chemical Information and Modeling",
    "ICBINB Workshop",
    "arXiv",
];

/// The generator: the vocabulary and the label dimensions.
pub struct Synth {
    pub vocab: Vocab,
    pub domains: LabelDim,
    pub causes: LabelDim,
    pub modes: LabelDim,
    pub methods: LabelDim,
}

impl Synth {
    pub fn new(taxonomy: &Taxonomy) -> Synth {
        Synth {
            vocab: Vocab::new(taxonomy),
            domains: LabelDim::new(taxonomy, Dimension::Domain, |_| true, 11),
            // Reports name causes, rarely only their family.
            causes: LabelDim::new(taxonomy, Dimension::Cause, |d| d == 1, 12),
            modes: LabelDim::new(taxonomy, Dimension::FailureMode, |_| true, 13),
            methods: LabelDim::new(taxonomy, Dimension::Method, |_| true, 14),
        }
    }

    /// Case `i` of the corpus of `seed`.
    pub fn case(&self, seed: u64, i: u64) -> SynthCase {
        let rng = &mut Rng::new(seed, i + 16);
        let n_domains = if rng.chance(0.8) { 1 } else { 2 };
        let domains = self.domains.distinct(rng, n_domains);
        let n_causes = [1, 1, 2, 2, 3][rng.below(5)];
        let causes = self.causes.distinct(rng, n_causes);
        let n_modes = if rng.chance(0.7) { 1 } else { 2 };
        let modes = self.modes.distinct(rng, n_modes);
        let phrases: Vec<&str> = domains
            .iter()
            .chain(&causes)
            .flat_map(|e| e.phrases.iter().map(String::as_str))
            .collect();
        let year = 2012 + (rng.f64().sqrt() * 14.0) as i32;

        // The four elements share 300 to 600 words; lessons are extra and optional.
        let total = rng.range(300, 600) as f64;
        let shares = [0.22, 0.22, 0.24, 0.32];
        let jittered: Vec<f64> = shares
            .iter()
            .map(|s| s * (0.85 + 0.3 * rng.f64()))
            .collect();
        let sum: f64 = jittered.iter().sum();
        let mut words = [0usize; 4];
        for (w, j) in words.iter_mut().zip(&jittered) {
            *w = (total * j / sum) as usize;
        }
        words[3] += total as usize - words.iter().sum::<usize>();
        let lessons_words = if rng.chance(0.7) {
            rng.range(20, 70)
        } else {
            0
        };

        let title = self.title(rng, &domains, &causes);
        let tags = (0..rng.range(2, 5))
            .map(|_| {
                if rng.chance(0.5) && !phrases.is_empty() {
                    rng.pick(&phrases).to_string()
                } else if rng.chance(0.5) {
                    format!("{} {}", self.vocab.content(rng), self.vocab.content(rng))
                } else {
                    self.vocab.content(rng).to_string()
                }
            })
            .collect();
        let references: Vec<Reference> = (0..rng.range(1, 3))
            .map(|k| self.reference(rng, seed, i, k, year))
            .collect();
        let fact = |yes: bool| Some(if yes { Fact::True } else { Fact::False });
        let evidence = if rng.chance(0.5) {
            Evidence {
                code_available: fact(rng.chance(0.4)),
                data_available: fact(rng.chance(0.5)),
                external_validation: fact(rng.chance(0.3)),
                unknown_reason: None,
            }
        } else {
            Evidence {
                code_available: Some(Fact::Unknown),
                data_available: Some(Fact::Unknown),
                external_validation: Some(Fact::Unknown),
                unknown_reason: Some("the synthetic source does not say".into()),
            }
        };
        let first = &references[0];
        let against = match (&first.doi, &first.arxiv, &first.url) {
            (Some(doi), _, _) => format!("https://doi.org/{doi}"),
            (_, Some(arxiv), _) => format!("arXiv:{arxiv}"),
            (_, _, url) => url.clone().unwrap_or_default(),
        };
        let review = Review {
            date: format!("{}-06-01", (year + 1).min(2025)),
            against: vec![against],
            verdict: Verdict::Confirmed,
            notes: "synthetic".into(),
        };
        let mut case = InputForm {
            id: format!("synth-{seed}-{i}"),
            title,
            year: Some(year),
            domains: domains.iter().map(|e| self.spell(rng, e)).collect(),
            causes: causes.iter().map(|e| self.spell(rng, e)).collect(),
            failure_modes: modes.iter().map(|e| self.spell(rng, e)).collect(),
            tags,
            use_case: self.text(rng, words[0], &phrases),
            solution: self.text(rng, words[1], &phrases),
            outcome: self.text(rng, words[2], &phrases),
            investigation: self.text(rng, words[3], &phrases),
            lessons: if lessons_words > 0 {
                self.text(rng, lessons_words, &phrases)
            } else {
                String::new()
            },
            references,
            evidence,
            review: Some(review),
            methods: Vec::new(),
            ..InputForm::default()
        };
        // Drawn last, so the other fields are what they were before methods existed.
        let n_methods = if rng.chance(0.8) { 1 } else { 2 };
        case.methods = (self.methods.distinct(rng, n_methods).iter())
            .map(|e| self.spell(rng, e))
            .collect();
        // Drawn after the methods, for the same reason: most cases have a pattern in any
        // field, as every bundled one does; some contributed ones would not.
        if rng.chance(0.8) {
            let n = rng.range(40, 70);
            case.pattern = self.text(rng, n, &phrases);
        }
        case
    }

    /// 60% the slug, 25% the display name, 15% an alias (each maps back to the slug).
    fn spell(&self, rng: &mut Rng, e: &LabelEntry) -> String {
        let x = rng.f64();
        let s = if x < 0.6 || e.spellings.len() == 1 {
            &e.spellings[0]
        } else if x < 0.85 {
            &e.spellings[1]
        } else {
            &e.spellings[rng.range(1, e.spellings.len() - 1)]
        };
        s.clone()
    }

    fn title(&self, rng: &mut Rng, domains: &[&LabelEntry], causes: &[&LabelEntry]) -> String {
        let d = pick_phrase(rng, domains).unwrap_or("deep learning");
        let c = pick_phrase(rng, causes).unwrap_or("an unknown cause");
        let (a, b) = (self.vocab.content(rng), self.vocab.content(rng));
        let t = match rng.below(5) {
            0 => format!("{d} {a} {b} model fails because of {c}"),
            1 => format!("{a} {b} for {d} underperforms after {c}"),
            2 => format!("Deep learning for {d}: {c} undermines {a} {b}"),
            3 => format!("{c} in {a} {d} models"),
            _ => format!("{d} {a} does not beat the {b} baseline, owing to {c}"),
        };
        capitalise(&t)
    }

    /// Sentences of 8 to 24 words, `target` words in all (split on white space).
    fn text(&self, rng: &mut Rng, target: usize, phrases: &[&str]) -> String {
        let mut out = String::with_capacity(target * 8);
        let mut n = 0;
        while n < target {
            let len = rng.range(8, 24);
            let phrase_at = (rng.chance(0.3) && !phrases.is_empty()).then(|| rng.below(len));
            let mut k = 0;
            while k < len && n < target {
                if k > 0 {
                    out.push(' ');
                }
                let start = out.len();
                let phrase = if Some(k) == phrase_at {
                    Some(*rng.pick(phrases))
                } else {
                    None
                };
                let phrase_words = phrase.map_or(0, |p| p.split_whitespace().count());
                let added = if phrase_words > 0 && n + phrase_words <= target {
                    out.push_str(phrase.unwrap_or_default());
                    phrase_words
                } else if rng.chance(0.025) {
                    let number = match rng.below(4) {
                        0 => format!("0.{:02}", rng.below(100)),
                        1 => format!("{}%", rng.range(1, 99)),
                        2 => format!("{}", rng.range(12, 9000)),
                        _ => format!("{}", rng.range(2005, 2025)),
                    };
                    out.push_str(&number);
                    1
                } else {
                    out.push_str(self.vocab.sample(rng));
                    1
                };
                if k == 0 {
                    if let Some(c) = out[start..].chars().next() {
                        let upper = c.to_ascii_uppercase();
                        out.replace_range(start..start + c.len_utf8(), &upper.to_string());
                    }
                }
                n += added;
                k += added;
                if k < len && n < target && rng.chance(0.06) {
                    out.push(',');
                }
            }
            out.push_str(". ");
        }
        out.truncate(out.trim_end().len());
        out
    }

    fn reference(&self, rng: &mut Rng, seed: u64, i: u64, k: usize, year: i32) -> Reference {
        let title = capitalise(
            &(0..rng.range(6, 11))
                .map(|_| self.vocab.sample(rng).to_string())
                .collect::<Vec<_>>()
                .join(" "),
        );
        let authors = (0..rng.range(1, 4))
            .map(|_| {
                let initial = (b'A' + rng.below(26) as u8) as char;
                let surname = capitalise(self.vocab.word(rng.range(3_000, self.vocab.len() - 1)));
                format!("{initial}. {surname}")
            })
            .collect();
        let year = (year - rng.below(4) as i32).max(2005);
        let x = rng.f64();
        let (mut doi, mut arxiv, mut url) = (None, None, None);
        if x < 0.8 {
            doi = Some(format!("10.5555/nb.{seed}.{i}.{k}"));
        } else if x < 0.95 {
            arxiv = Some(format!(
                "{:02}{:02}.{:05}",
                year % 100,
                rng.range(1, 12),
                rng.below(100_000)
            ));
        } else {
            url = Some(format!("https://reports.example.org/{seed}/{i}/{k}"));
        }
        let kind = if arxiv.is_some() {
            "preprint"
        } else if url.is_some() {
            "report"
        } else {
            "paper"
        };
        let venue = if arxiv.is_some() {
            "arXiv"
        } else {
            rng.pick::<&str>(VENUES)
        };
        Reference {
            kind: Some(kind.into()),
            title: Some(title),
            authors,
            venue: Some(venue.into()),
            year: Some(year),
            doi,
            arxiv,
            url,
        }
    }
}

fn pick_phrase<'a>(rng: &mut Rng, entries: &[&'a LabelEntry]) -> Option<&'a str> {
    let e = entries.get(rng.below(entries.len().max(1)))?;
    (!e.phrases.is_empty()).then(|| e.phrases[rng.below(e.phrases.len())].as_str())
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// Writes cases `0..cases` of `seed` as JSON Lines to `out`, on up to `threads` threads.
/// Returns the bytes written.
pub fn write_corpus(
    synth: &Synth,
    cases: u64,
    seed: u64,
    threads: usize,
    out: &mut impl Write,
) -> io::Result<u64> {
    const CHUNK: u64 = 2_048;
    let threads = threads.max(1) as u64;
    let mut written = 0u64;
    let mut start = 0u64;
    while start < cases {
        let chunks: Vec<(u64, u64)> = (0..threads)
            .map(|t| {
                let a = (start + t * CHUNK).min(cases);
                (a, (a + CHUNK).min(cases))
            })
            .filter(|(a, b)| a < b)
            .collect();
        let texts: Vec<String> = std::thread::scope(|s| {
            let handles: Vec<_> = chunks
                .iter()
                .map(|&(a, b)| {
                    s.spawn(move || {
                        let mut text = String::with_capacity(((b - a) * 4_200) as usize);
                        for i in a..b {
                            let line = serde_json::to_string(&synth.case(seed, i))
                                .expect("a case serialises");
                            text.push_str(&line);
                            text.push('\n');
                        }
                        text
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("generator thread"))
                .collect()
        });
        for t in texts {
            out.write_all(t.as_bytes())?;
            written += t.len() as u64;
        }
        start += threads * CHUNK;
    }
    out.flush()?;
    Ok(written)
}
