//! A passage of a case with where the query matched in it: the plain text and the matched
//! ranges, which each front end marks its own way.

use serde::Serialize;

/// A passage of a case's text and where the query matched in it: plain text, never markup,
/// so each front end marks the matches its own way (the site with `<b>`, the CLI not at all).
/// Serialised as `{"text": …, "highlights": [[start, end], …]}` with the offsets counted in
/// characters (Unicode code points, as Python slices strings), end exclusive.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Snippet {
    pub text: String,
    /// Matched spans as byte ranges into `text`, in order, not overlapping, each on character
    /// boundaries.
    pub highlights: Vec<std::ops::Range<usize>>,
}

impl Serialize for Snippet {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Snippet", 2)?;
        st.serialize_field("text", &self.text)?;
        st.serialize_field("highlights", &self.char_ranges())?;
        st.end()
    }
}

impl Snippet {
    /// A snippet of `text` with `ranges` marked: sorted, overlapping ranges merged, and ranges
    /// that are empty, out of the text or not on character boundaries dropped.
    pub fn new(text: String, ranges: &[std::ops::Range<usize>]) -> Snippet {
        let mut sorted: Vec<_> = ranges
            .iter()
            .filter(|r| {
                r.start < r.end
                    && r.end <= text.len()
                    && text.is_char_boundary(r.start)
                    && text.is_char_boundary(r.end)
            })
            .cloned()
            .collect();
        sorted.sort_by_key(|r| (r.start, r.end));
        let mut highlights: Vec<std::ops::Range<usize>> = Vec::with_capacity(sorted.len());
        for r in sorted {
            match highlights.last_mut() {
                Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
                _ => highlights.push(r),
            }
        }
        Snippet { text, highlights }
    }

    /// The highlights as character (code point) offsets into the text, end exclusive.
    pub fn char_ranges(&self) -> Vec<[usize; 2]> {
        let at = |byte: usize| self.text[..byte].chars().count();
        self.highlights
            .iter()
            .map(|r| [at(r.start), at(r.end)])
            .collect()
    }

    /// The text cut into pieces, each with whether it is a match, in order.
    pub fn pieces(&self) -> impl Iterator<Item = (&str, bool)> {
        let mut at = 0;
        let mut out = Vec::with_capacity(self.highlights.len() * 2 + 1);
        for r in &self.highlights {
            if r.start > at {
                out.push((&self.text[at..r.start], false));
            }
            out.push((&self.text[r.clone()], true));
            at = r.end;
        }
        if at < self.text.len() {
            out.push((&self.text[at..], false));
        }
        out.into_iter()
    }
}
