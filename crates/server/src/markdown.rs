//! Case text to HTML: Markdown through pulldown-cmark, then sanitised by ammonia, so stored
//! text can never inject script, event handlers or `javascript:` links. Raw HTML in the text is
//! shown as text, not interpreted, so a case that discusses `<style>` or `<svg>` loses nothing.

use pulldown_cmark::Event;

pub fn render(text: &str) -> String {
    let parser = pulldown_cmark::Parser::new(text).map(|event| match event {
        Event::Html(html) | Event::InlineHtml(html) => Event::Text(html),
        other => other,
    });
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
        assert!(
            !evil.contains("<img"),
            "raw HTML is never interpreted: {evil}"
        );
        assert!(render("[ok](https://example.org)").contains("href=\"https://example.org\""));
        // Raw HTML is shown as text, so nothing after an unclosed tag is lost.
        let kept = render("x <style> y\n\nz");
        assert!(
            kept.contains("&lt;style&gt;") && kept.contains('z'),
            "{kept}"
        );
    }
}
