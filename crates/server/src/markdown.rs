//! Case text to HTML: Markdown through pulldown-cmark, then sanitised by ammonia, so stored
//! text can never inject script, event handlers or `javascript:` links. Raw HTML in the text is
//! shown as text, not interpreted, so a case that discusses `<style>` or `<svg>` loses nothing.

use pulldown_cmark::Event;

/// HTML that is safe to put in a page as it is. Only [`render`] makes one (its field is private
/// to this module), so no other string can reach a page unescaped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SafeHtml(String);

impl SafeHtml {
    #[cfg(test)]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl maud::Render for SafeHtml {
    fn render_to(&self, buffer: &mut String) {
        buffer.push_str(&self.0);
    }
}

/// Markdown to sanitised HTML.
pub fn render(text: &str) -> SafeHtml {
    let parser = pulldown_cmark::Parser::new(text).map(|event| match event {
        Event::Html(html) | Event::InlineHtml(html) => Event::Text(html),
        other => other,
    });
    let mut out = String::new();
    pulldown_cmark::html::push_html(&mut out, parser);
    SafeHtml(
        ammonia::Builder::default()
            .link_rel(Some("nofollow noopener noreferrer"))
            .clean(&out)
            .to_string(),
    )
}

#[cfg(test)]
mod tests {
    use super::render as safe;

    fn render(text: &str) -> String {
        safe(text).as_str().to_string()
    }

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
