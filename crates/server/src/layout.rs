//! The page shell every page shares: head, navigation, search box, footer.

use maud::{html, Markup, DOCTYPE};

/// A whole page. `title` goes into `<title>` and `description` into the meta description.
pub fn page(title: &str, description: &str, body: Markup) -> Markup {
    page_with(title, description, None, body)
}

/// A page that links to a JSON alternate of its data.
pub fn page_with(title: &str, description: &str, alternate: Option<&str>, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · Not Better" }
                meta name="description" content=(description);
                meta name="color-scheme" content="light dark";
                link rel="stylesheet" href="/static/style.css";
                link rel="alternate" type="application/atom+xml" title="Newest cases" href="/feed.atom";
                @if let Some(href) = alternate {
                    link rel="alternate" type="application/json" href=(href);
                }
                script src="/static/app.js" defer {}
            }
            body {
                a.skip href="#main" { "Skip to content" }
                header.site {
                    nav aria-label="Main" {
                        a.brand href="/" { "Not Better" }
                        ul {
                            li { a href="/search" { "Search" } }
                            li { a href="/domains" { "Domains" } }
                            li { a href="/causes" { "Causes" } }
                            li { a href="/clusters" { "Clusters" } }
                            li { a href="/premortem" { "Pre-mortem" } }
                            li { a href="/contribute" { "Contribute" } }
                        }
                    }
                    form.site-search role="search" method="get" action="/search" {
                        label.visually-hidden for="site-q" { "Search cases" }
                        input #site-q type="search" name="q" placeholder="Search failures…";
                        button type="submit" { "Search" }
                    }
                }
                main #main { (body) }
                footer.site {
                    p {
                        "Not Better collects real-world failures of deep learning, in the spirit of the workshop "
                        em { "I Can't Believe It's Not Better" } ". Case texts are CC BY 4.0; each cites its source."
                    }
                    p {
                        "Data: " a href="/export/cases.jsonl" { "JSON Lines" } " · " a href="/export/cases.csv" { "CSV" }
                        " · " a href="/feed.atom" { "Atom feed" } " · " a href="/api/v1/openapi.json" { "API (OpenAPI)" }
                    }
                }
            }
        }
    }
}
