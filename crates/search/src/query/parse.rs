//! Reading what a person typed: plain words by default, query syntax only where it is clearly
//! meant (quotes, a leading `+` or `-`, `field:term` with a known field, a trailing `*`), and a
//! note whenever the text was read differently from how it was typed. It never fails.

/// The searchable text fields a query may name (`title:shortcut`).
pub(crate) const QUERY_FIELDS: [&str; 10] = [
    "title",
    "tags",
    "labels",
    "use_case",
    "solution",
    "outcome",
    "investigation",
    "pattern",
    "lessons",
    "refs",
];

/// How a part of the query takes part in matching.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Occ {
    /// Plain words: ranked soft matching (most of them must be there, more is better).
    Soft,
    /// `+word`, `"a phrase"`, `field:term`: must be there.
    Must,
    /// `-word`: must not be there.
    MustNot,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    /// Each word on its own.
    Words,
    /// The words in this order, next to each other.
    Phrase,
    /// A phrase whose last word is a prefix (`"distribution shi"*`, `leak*`).
    PhrasePrefix,
}

/// One part of a query as typed: text that the analyzer will turn into terms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Part {
    pub occ: Occ,
    pub shape: Shape,
    /// A field name from `QUERY_FIELDS`, or every text field.
    pub field: Option<&'static str>,
    pub text: String,
}

/// A query as read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Parsed {
    pub parts: Vec<Part>,
    /// How the text was read differently from how it was typed, for the reader.
    pub notes: Vec<String>,
}

/// Characters that other search syntaxes (tantivy's own among them) treat as operators; here
/// they separate words, and the reader is told so.
const NOT_SYNTAX: &[char] = &[
    '(', ')', '[', ']', '{', '}', '<', '>', '^', '~', '!', ':', '\\',
];

/// Reads a query. Empty input gives no parts.
pub(crate) fn parse(text: &str) -> Parsed {
    let mut out = Parsed::default();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    let mut ignored: Vec<char> = Vec::new();
    let mut unknown_fields: Vec<String> = Vec::new();
    while i < chars.len() {
        if chars[i].is_whitespace() {
            i += 1;
            continue;
        }
        // A sign only counts at the start of a token and right before what it applies to.
        let mut occ = None;
        if (chars[i] == '+' || chars[i] == '-')
            && chars
                .get(i + 1)
                .is_some_and(|c| !c.is_whitespace() && *c != '+' && *c != '-')
        {
            occ = Some(if chars[i] == '+' {
                Occ::Must
            } else {
                Occ::MustNot
            });
            i += 1;
        }
        // `field:` with a known field name.
        let mut field = None;
        let ident_end = (i..chars.len())
            .find(|&j| !(chars[j].is_ascii_alphanumeric() || chars[j] == '_'))
            .unwrap_or(chars.len());
        if ident_end > i && chars.get(ident_end) == Some(&':') {
            let name: String = chars[i..ident_end]
                .iter()
                .collect::<String>()
                .to_lowercase();
            let next = chars.get(ident_end + 1);
            if let Some(f) = QUERY_FIELDS.iter().find(|f| **f == name) {
                if next.is_some_and(|c| !c.is_whitespace()) {
                    field = Some(*f);
                    i = ident_end + 1;
                }
            } else if !unknown_fields.contains(&name) {
                unknown_fields.push(name);
            }
        }
        if chars[i] == '"' {
            match chars[i + 1..].iter().position(|&c| c == '"') {
                Some(len) => {
                    let inner: String = chars[i + 1..i + 1 + len].iter().collect();
                    i += len + 2;
                    let prefix = chars.get(i) == Some(&'*');
                    if prefix {
                        i += 1;
                    }
                    if inner.trim().is_empty() {
                        continue;
                    }
                    out.parts.push(Part {
                        occ: occ.unwrap_or(Occ::Must),
                        shape: if prefix {
                            Shape::PhrasePrefix
                        } else {
                            Shape::Phrase
                        },
                        field,
                        text: inner,
                    });
                }
                None => {
                    // An unbalanced quote: the rest is plain words.
                    out.notes
                        .push("the opening quote has no closing one, so it was ignored".into());
                    let rest: String = chars[i + 1..].iter().collect();
                    push_words(&mut out, occ, field, &rest, &mut ignored);
                    i = chars.len();
                }
            }
            continue;
        }
        let end = (i..chars.len())
            .find(|&j| chars[j].is_whitespace())
            .unwrap_or(chars.len());
        let token: String = chars[i..end].iter().collect();
        i = end;
        // `leak*`: a prefix, when at least two letters come before the star.
        if let Some(stem) = token.strip_suffix('*') {
            if stem.chars().filter(|c| c.is_alphanumeric()).count() >= 2
                && stem.chars().all(|c| c.is_alphanumeric())
            {
                out.parts.push(Part {
                    occ: occ.unwrap_or(Occ::Soft),
                    shape: Shape::PhrasePrefix,
                    field,
                    text: stem.to_string(),
                });
                continue;
            }
        }
        push_words(&mut out, occ, field, &token, &mut ignored);
    }
    for name in &unknown_fields {
        out.notes.push(format!(
            "`{name}:` is not a searchable field, so it was searched as a word (fields: {})",
            QUERY_FIELDS.join(", ")
        ));
    }
    // A colon after a word that is not a field ("note: ...") was reported as such.
    if !unknown_fields.is_empty() {
        ignored.retain(|c| *c != ':');
    }
    if !ignored.is_empty() {
        let shown: Vec<String> = ignored.iter().map(|c| format!("`{c}`")).collect();
        out.notes.push(format!(
            "{} {} not query syntax here, so the text was searched as plain words",
            shown.join(" "),
            if ignored.len() == 1 { "is" } else { "are" }
        ));
    }
    out
}

fn push_words(
    out: &mut Parsed,
    occ: Option<Occ>,
    field: Option<&'static str>,
    text: &str,
    ignored: &mut Vec<char>,
) {
    for c in text.chars() {
        if NOT_SYNTAX.contains(&c) && !ignored.contains(&c) {
            ignored.push(c);
        }
    }
    let occ = occ.unwrap_or(Occ::Soft);
    // A field-restricted bare word must be in that field.
    let occ = if field.is_some() && occ == Occ::Soft {
        Occ::Must
    } else {
        occ
    };
    let text = text.trim_matches('"');
    if text.chars().any(char::is_alphanumeric) {
        out.parts.push(Part {
            occ,
            shape: Shape::Words,
            field,
            text: text.to_string(),
        });
    }
}

/// `text` with the first whole-word, case-insensitive occurrence of `from` replaced by `to`.
pub(crate) fn replace_word(text: &str, from: &str, to: &str) -> String {
    let lower = text.to_lowercase();
    let mut start = 0;
    while let Some(pos) = lower[start..].find(from) {
        let at = start + pos;
        let end = at + from.len();
        let before = lower[..at].chars().next_back();
        let after = lower[end..].chars().next();
        if !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric) {
            // Lowercasing can change byte lengths; only replace when it did not.
            if lower.len() == text.len() {
                return format!("{}{}{}", &text[..at], to, &text[end..]);
            }
            break;
        }
        start = end;
    }
    text.replace(from, to)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn corrections_replace_the_typed_word() {
        assert_eq!(
            replace_word("lekage in medical imaging", "lekage", "leakage"),
            "leakage in medical imaging"
        );
        assert_eq!(replace_word("Lekage", "lekage", "leakage"), "leakage");
    }

    fn part(occ: Occ, shape: Shape, field: Option<&'static str>, text: &str) -> Part {
        Part {
            occ,
            shape,
            field,
            text: text.into(),
        }
    }

    #[test]
    fn plain_text_is_words() {
        let p = parse("what went wrong with sepsis models?");
        assert!(p.notes.is_empty(), "{:?}", p.notes);
        assert_eq!(p.parts.len(), 6);
        assert!(p
            .parts
            .iter()
            .all(|x| x.occ == Occ::Soft && x.shape == Shape::Words));
    }

    #[test]
    fn syntax_where_clearly_meant() {
        let p =
            parse("+shortcut -hospital \"lexical overlap\" title:bert leak* \"distribution shi\"*");
        assert_eq!(
            p.parts,
            vec![
                part(Occ::Must, Shape::Words, None, "shortcut"),
                part(Occ::MustNot, Shape::Words, None, "hospital"),
                part(Occ::Must, Shape::Phrase, None, "lexical overlap"),
                part(Occ::Must, Shape::Words, Some("title"), "bert"),
                part(Occ::Soft, Shape::PhrasePrefix, None, "leak"),
                part(Occ::Must, Shape::PhrasePrefix, None, "distribution shi"),
            ]
        );
        assert!(p.notes.is_empty(), "{:?}", p.notes);
    }

    #[test]
    fn anything_else_is_words_with_a_note() {
        for q in [
            "<script>alert(1)</script>",
            "ResNet-50 (ImageNet)",
            "(a OR",
            "note: the model failed",
            "\"unbalanced quote",
            "title:",
            "a - b + c",
        ] {
            let p = parse(q);
            assert!(!p.parts.is_empty(), "{q}");
            assert!(
                p.parts.iter().all(|x| x.occ != Occ::MustNot),
                "{q}: {:?}",
                p.parts
            );
        }
        assert!(!parse("<script>alert(1)</script>").notes.is_empty());
        assert!(!parse("\"unbalanced quote").notes.is_empty());
        let p = parse("note: the model failed");
        assert!(p.notes[0].contains("`note:`"), "{:?}", p.notes);
        // A hyphen inside a word is not an operator.
        assert_eq!(parse("ResNet-50").parts[0].occ, Occ::Soft);
        assert!(parse("").parts.is_empty());
        assert!(parse("  \" \" ").parts.is_empty());
    }

    proptest::proptest! {
        #[test]
        fn never_panics(s in "\\PC{0,60}") {
            let _ = parse(&s);
        }
    }
}
