//! The mirror list (`data/mirrors.txt`): hosts that copy papers without being their source of
//! record, so a review may not cite them.

use std::sync::OnceLock;

/// The bundled list, one host per line, `#` comments.
pub const BUNDLED_MIRRORS: &str = include_str!("../../../data/mirrors.txt");

fn mirrors() -> &'static [String] {
    static LIST: OnceLock<Vec<String>> = OnceLock::new();
    LIST.get_or_init(|| parse(BUNDLED_MIRRORS))
}

fn parse(text: &str) -> Vec<String> {
    text.lines()
        .map(|l| {
            l.split('#')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .filter(|l| !l.is_empty())
        .collect()
}

/// The host of an http(s) URL, lowercased, without port or credentials.
fn host(url: &str) -> Option<String> {
    let rest = url
        .trim()
        .strip_prefix("https://")
        .or_else(|| url.trim().strip_prefix("http://"))?;
    let authority = rest.split(['/', '?', '#']).next()?;
    let host = authority.rsplit('@').next()?.split(':').next()?;
    Some(host.trim_end_matches('.').to_ascii_lowercase())
}

/// The listed mirror that `url` points at (the host itself or one of its subdomains), if any.
pub fn mirror_of(url: &str) -> Option<&'static str> {
    let host = host(url)?;
    mirrors()
        .iter()
        .find(|m| host == **m || host.ends_with(&format!(".{m}")))
        .map(String::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listed_hosts_and_their_subdomains_are_mirrors() {
        for (url, mirror) in [
            ("https://hf.zsm.im/papers/2104.01234", Some("hf.zsm.im")),
            (
                "https://huggingface.datasetlab.ai/papers/1",
                Some("huggingface.datasetlab.ai"),
            ),
            (
                "http://www.awesomes.directory/x",
                Some("awesomes.directory"),
            ),
            (
                "https://arxiv.deeppaper.ai/abs/2104.01234",
                Some("arxiv.deeppaper.ai"),
            ),
            ("https://VDARE.com/articles/x", Some("vdare.com")),
            (
                "https://user@www.arxiv-vanity.com:443/papers/1/",
                Some("arxiv-vanity.com"),
            ),
            ("https://arxiv.org/abs/2104.01234", None),
            ("https://doi.org/10.1038/x", None),
            ("https://notvdare.com/x", None),
            ("not a url", None),
        ] {
            assert_eq!(mirror_of(url), mirror, "{url}");
        }
    }

    #[test]
    fn the_bundled_list_names_the_known_mirrors() {
        let list = mirrors();
        for host in [
            "hf.zsm.im",
            "huggingface.datasetlab.ai",
            "awesomes.directory",
            "arxiv.deeppaper.ai",
            "vdare.com",
        ] {
            assert!(list.iter().any(|m| m == host), "{host}");
        }
        assert!(
            list.iter().all(|m| !m.contains(['/', ' ', ':'])),
            "{list:?}"
        );
        assert!(!list
            .iter()
            .any(|m| m == "arxiv.org" || m.ends_with(".arxiv.org")));
    }
}
