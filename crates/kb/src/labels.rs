//! Labels that describe a cause or a domain in other words ("did not tune the
//! matrix-factorization baseline adequately", "continuous-control deep RL benchmarks
//! (MuJoCo)"): the knowledge base reads them from the words of the cases filed under each
//! label, where the taxonomy's own rules (aliases, contains, overlap, spelling) leave them
//! unmapped. A reading maps only when it is clear; otherwise the label stays unmapped.

use std::collections::HashSet;

use notbetter_taxonomy::{label_words, Dimension, LabelReader, Mapping, MatchRule};

use crate::KnowledgeBase;

/// A reading maps a label when the best cause scores at least this…
pub const READ_MIN_SCORE: f64 = 0.7;
/// …leads the next by this factor…
pub const READ_MIN_LEAD: f64 = 1.6;
/// …and the label has at least this many content words (short labels are terms, and terms
/// are the taxonomy's business: "Overfitting" is not a description).
pub const READ_MIN_WORDS: usize = 3;
/// A domain is read from two words: a field's sub-areas are named by two-word terms ("weed
/// detection", "welfare fraud") whose words the field's cases use. (Causes read from two words
/// mapped one more label right and two more wrong on the tuning half.)
pub const READ_MIN_DOMAIN_WORDS: usize = 2;

/// A domain read from the cases' words must also be among this many domains nearest to the
/// label in meaning (by name, description and aliases). Of the tuning half's 14 domain
/// readings, this kept the 8 right and 3 of the 6 wrong.
pub const READ_MEANING_RANK: usize = 3;

impl LabelReader for KnowledgeBase {
    fn read(&self, dim: Dimension, label: &str) -> Option<Mapping> {
        if !matches!(dim, Dimension::Cause | Dimension::Domain) {
            return None;
        }
        let facet = notbetter_search::FacetDim::from_dimension(dim);
        // A leading AVID code or a garak probe has already decided (see the taxonomy's label
        // rules), even when it left the label unmapped.
        if self.taxonomy.decided_by_code(dim, label) {
            return None;
        }
        // A domain label whose field head names two fields stays unmapped.
        if self.taxonomy.names_two_entries(dim, label) {
            return None;
        }
        let label = notbetter_taxonomy::qualified_head(label).unwrap_or(label);
        // "evaluation:…" names the family (a top-level entry): only its labels are
        // candidates, and the words after it are the description.
        let (family, description) = match label.split_once(':') {
            Some((f, rest))
                if self
                    .taxonomy
                    .get(dim, &f.trim().to_ascii_lowercase())
                    .is_some() =>
            {
                (Some(f.trim().to_ascii_lowercase()), rest)
            }
            _ => (None, label),
        };
        let min_words = match dim {
            Dimension::Domain => READ_MIN_DOMAIN_WORDS,
            _ => READ_MIN_WORDS,
        };
        if label_words(description).len() < min_words {
            return None;
        }
        let mut read = self.index.labels_of_text(facet, description).ok()?;
        if let Some(family) = family {
            read.retain(|c| c.slug.starts_with(&format!("{family}/")));
        }
        let best = read.first()?;
        let next = read.get(1).map_or(0.0, |c| c.score);
        if best.score < READ_MIN_SCORE || best.score < READ_MIN_LEAD * next {
            return None;
        }
        // A reading that leans on a word the taxonomy calls ambiguous for this cause ("leaking
        // sensitive information" is a privacy breach, not train/test leakage) is no reading.
        let ambiguous = self.ambiguous_words(dim, &best.slug);
        if best
            .words
            .iter()
            .flat_map(|w| label_words(w))
            .any(|w| ambiguous.contains(&w))
        {
            return None;
        }
        // Last, as it embeds the label: the words of the cases and the label's meaning must
        // agree on a domain. With a few hundred cases, two words can point to a field only
        // because its cases happen to use them ("content detection" and the essays whose
        // machine-written content is detected).
        if dim == Dimension::Domain
            && self
                .meaning_rank(description, &best.slug)
                .is_none_or(|rank| rank >= READ_MEANING_RANK)
        {
            return None;
        }
        let lead = if next > 0.0 { best.score / next } else { 4.0 };
        let confidence = 60 + ((lead - READ_MIN_LEAD).clamp(0.0, 3.0) * 10.0).round() as u8;
        Some(Mapping::Matched {
            slug: best.slug.clone(),
            rule: MatchRule::Read,
            confidence,
        })
    }
}

impl KnowledgeBase {
    /// Maps a free-text label: the taxonomy's rules first, then, for a cause or a domain they
    /// leave unmapped, a reading of its words (see the module docs).
    pub fn map_label(&self, dim: Dimension, label: &str) -> Mapping {
        match self.taxonomy.map(dim, label) {
            Mapping::Unmapped { suggestions } => self
                .read(dim, label)
                .unwrap_or(Mapping::Unmapped { suggestions }),
            m => m,
        }
    }

    /// Where `slug` stands among the domains by how near their name, description and aliases
    /// are to `text` in meaning (0 for the nearest), by the bundled model; `None` without it.
    fn meaning_rank(&self, text: &str, slug: &str) -> Option<usize> {
        let model = notbetter_embed::Embedder::bundled().ok()?;
        let domains = self.domain_meanings.get_or_init(|| {
            self.taxonomy
                .entries_of(Dimension::Domain)
                .map(|e| {
                    let text = format!("{}. {} {}", e.name, e.description, e.aliases.join(", "));
                    (e.slug.clone(), model.embed(&text))
                })
                .collect()
        });
        let v = model.embed(text);
        let this = domains.iter().find(|(s, _)| s == slug)?;
        let near = notbetter_embed::cosine(&v, &this.1);
        Some(
            domains
                .iter()
                .filter(|(s, d)| s != slug && notbetter_embed::cosine(&v, d) > near)
                .count(),
        )
    }

    /// The stems of the words that make this label's ambiguous aliases (`not_evidence`)
    /// ambiguous: those no other label's name or aliases use ("leak", not "data").
    fn ambiguous_words(&self, dim: Dimension, slug: &str) -> HashSet<String> {
        let Some(entry) = self.taxonomy.get(dim, slug) else {
            return HashSet::new();
        };
        let elsewhere: HashSet<String> = self
            .taxonomy
            .entries_of(dim)
            .filter(|e| e.slug != slug)
            .flat_map(|e| std::iter::once(&e.name).chain(&e.aliases))
            .flat_map(|t| label_words(t))
            .collect();
        entry
            .not_evidence
            .iter()
            .flat_map(|n| label_words(n))
            .filter(|w| !elsewhere.contains(w))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use notbetter_taxonomy::{Dimension, Mapping, MatchRule};

    use crate::KnowledgeBase;

    fn kb_with_bundled_cases() -> (tempfile::TempDir, KnowledgeBase) {
        let dir = tempfile::tempdir().unwrap();
        let kb = KnowledgeBase::open(dir.path(), notbetter_taxonomy::bundled()).unwrap();
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/cases");
        let files: Vec<(String, String)> = std::fs::read_dir(root)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "md"))
            .map(|p| {
                let text = std::fs::read_to_string(&p).unwrap();
                (p.display().to_string(), text)
            })
            .collect();
        kb.seed(&files).unwrap();
        (dir, kb)
    }

    #[test]
    fn descriptions_of_a_cause_are_read_and_ambiguous_or_short_labels_are_not() {
        let (_dir, kb) = kb_with_bundled_cases();
        // The slug a label is read as, by the `read` rule.
        let read_as = |dim: Dimension, label: &str| match kb.map_label(dim, label) {
            Mapping::Matched {
                slug,
                rule: MatchRule::Read,
                ..
            } => Some(slug),
            _ => None,
        };
        let read = |label: &str| read_as(Dimension::Cause, label);
        assert_eq!(
            read("the tuned nearest-neighbour heuristics beat the neural recommenders").as_deref(),
            Some("evaluation/weak-baselines")
        );
        // A family named in front confines the reading to it.
        if let Some(slug) = read("evaluation:tuned_heuristics_beat_the_neural_recommenders") {
            assert!(slug.starts_with("evaluation/"), "{slug}");
        }
        assert_eq!(
            read("data:tuned_heuristics_beat_the_neural_recommenders"),
            None
        );
        // An AVID code decides on its own, even when it leaves the label unmapped.
        assert_eq!(read("E0301: toxic abusive hateful generated replies"), None);
        // So does a garak probe's module: words that would be read are not.
        assert_eq!(
            read("garak `lmrc.Bullying`: the tuned nearest-neighbour heuristics beat the neural recommenders"),
            None
        );
        // Domains are read the same way.
        let domain = |label: &str| read_as(Dimension::Domain, label);
        assert_eq!(
            domain("walking and hopping simulated bodies in MuJoCo").as_deref(),
            Some("robotics/locomotion-control")
        );
        assert_eq!(
            domain("galaxy images from sky surveys").as_deref(),
            Some("physics/astrophysics")
        );
        // A domain is read from two words; a cause needs three.
        assert_eq!(
            domain("welfare fraud").as_deref(),
            Some("law-public-sector")
        );
        assert_eq!(
            domain("Emotion-reading tech").as_deref(),
            Some("psychology")
        );
        // The words point to a field only because its cases use them ("content" and
        // "detection", from essays whose machine-written content is detected); the field is
        // not near the label in meaning, so it is no reading.
        assert_eq!(domain("NSFW Content Detection"), None);
        assert_eq!(domain("License Plate Recognition"), None);
        assert_eq!(read("stimulus confound"), None);
        // A label that is nothing but two fields' names stays unmapped: it is not read as
        // either.
        assert!(matches!(
            kb.map_label(Dimension::Domain, "agriculture & ecology"),
            Mapping::Unmapped { .. }
        ));
        // A field head naming two fields leaves the label unmapped: its details are not read.
        assert!(matches!(
            kb.map_label(
                Dimension::Domain,
                "finance / economics: galaxy images from sky surveys"
            ),
            Mapping::Unmapped { .. }
        ));
        // Too short to be a description.
        assert_eq!(read("Overfitting"), None);
        // Leans on a word the taxonomy calls ambiguous for leakage.
        assert_eq!(read("an exposed server leaking customer records"), None);
        // A named cause with a qualifier is read by its name only: a name the taxonomy
        // lacks is not replaced by a reading of its example ("braking suppression" reads as
        // human factors on its own).
        assert_eq!(
            read("deployment:safety_design (braking suppression, disabled emergency braking)"),
            None
        );
        // The taxonomy's own rules come first.
        assert!(matches!(
            kb.map_label(Dimension::Cause, "covariate shift"),
            Mapping::Mapped { .. }
        ));
        // Without cases there is nothing to read from.
        let empty = tempfile::tempdir().unwrap();
        let kb = KnowledgeBase::open(empty.path(), notbetter_taxonomy::bundled()).unwrap();
        assert!(matches!(
            kb.map_label(
                Dimension::Cause,
                "the tuned nearest-neighbour heuristics beat the neural recommenders"
            ),
            Mapping::Unmapped { .. }
        ));
    }
}
