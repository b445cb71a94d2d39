//! Case text to HTML: Markdown through pulldown-cmark, then sanitised by ammonia, so stored
//! text can never inject script, event handlers or `javascript:` links.

pub fn render(text: &str) -> String {
    let parser = pulldown_cmark::Parser::new(text);
    let mut out = String::new();
    pulldown_cmark::html::push_html(&mut out, parser);
    ammonia::Builder::default()
        .link_rel(Some("nofollow noopener noreferrer"))
        .clean(&out)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::render;

    #[test]
    fn markdown_is_rendered_and_sanitised() {
        assert!(render("a *b*").contains("<em>b</em>"));
        let evil = render(
            "[x](javascript:alert(1)) <script>alert(2)</script> <img src=x onerror=alert(3)>",
        );
        assert!(!evil.contains("javascript:"), "{evil}");
        assert!(!evil.contains("<script"), "{evil}");
        assert!(!evil.contains("onerror"), "{evil}");
        assert!(render("[ok](https://example.org)").contains("href=\"https://example.org\""));
    }
}
