// Hostile input in the browser (the part of the hostile-input suite that needs one): XSS
// payloads put through the contribution form into every text field, approved, and shown on the
// review, case and search pages. No injected script may run.
//
// The pages are viewed twice: in a context that bypasses the site's CSP, so that any escaping
// mistake would actually execute and open a dialog, and in a normal context, where a mistake
// would show up as a CSP violation instead. Both must stay silent, and the DOM must hold no
// injected script, event handler or javascript: link.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import {
  TEST_TIMEOUT,
  approve,
  contribution,
  fillContribution,
  launch,
  login,
  navigating,
  open,
  preview,
  searchUntil,
  submit,
  uniqueWord,
  visit,
} from './lib.mjs';

const SCRIPT = '<script>alert(1)</script>';
const IMG = '<img src=x onerror=alert(1)>';
const SVG = '"><svg onload=alert(1)>';
const MDLINK = '[click](javascript:alert(1))';
// The Markdown link comes first: an unclosed <svg> swallows the markup after it when sanitised.
const ALL = `${MDLINK} ${SCRIPT} ${IMG} ${SVG}`;
// More ways into Markdown: raw HTML links and handlers, images, autolinks, reference links.
const MARKDOWN_EXTRA = [
  '<a href="javascript:alert(1)">raw link</a>',
  "<a href='JaVaScRiPt:alert(1)'>mixed case</a>",
  '<details open ontoggle=alert(1)>x</details>',
  '<iframe src="javascript:alert(1)"></iframe>',
  '![image](javascript:alert(1))',
  '<javascript:alert(1)>',
  '[reference link][r]\n\n[r]: javascript:alert(1)',
  "<div style=\"background:url('javascript:alert(1)')\">styled</div>",
].join('\n\n');

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

/** Asserts the page holds nothing a payload could have injected. */
async function assertInert(page, where) {
  const found = await page.evaluate(() => {
    const bad = [];
    for (const s of document.scripts) {
      const src = s.getAttribute('src') || '';
      if (src !== '/static/app.js') bad.push(`script ${src || s.textContent.slice(0, 80)}`);
    }
    for (const el of document.querySelectorAll('*')) {
      for (const a of el.attributes) {
        const v = a.value.replace(/[\s\u0000-\u001f]/g, '').toLowerCase();
        if (a.name.toLowerCase().startsWith('on')) bad.push(`<${el.localName} ${a.name}="${a.value}">`);
        if (['href', 'src', 'action', 'formaction', 'xlink:href', 'data'].includes(a.name.toLowerCase()) && v.startsWith('javascript:')) {
          bad.push(`<${el.localName} ${a.name}="${a.value}">`);
        }
      }
    }
    for (const el of document.querySelectorAll('main iframe, main object, main embed, main svg[onload]')) {
      bad.push(`<${el.localName}> in the content`);
    }
    return bad;
  });
  assert.deepEqual(found, [], `injected markup on ${where} (${page.url()})`);
}

function assertSilent(session, where) {
  assert.deepEqual(session.events.dialogs, [], `a dialog opened on ${where}: injected script ran`);
  assert.deepEqual(session.events.pageErrors, [], `script errors on ${where}`);
  const csp = session.events.consoleErrors.filter((m) => /Content Security Policy|Refused to/i.test(m));
  assert.deepEqual(csp, [], `the CSP blocked something on ${where}: injected markup reached the page`);
}

test('XSS payloads in a contribution never execute', { timeout: TEST_TIMEOUT }, async () => {
  const word = uniqueWord('hostile');
  const title = `Hostile ${word} ${ALL}`;
  const c = contribution(word, {
    title,
    domains: ['security'],
    causes: ['deployment/security'],
    tags: `${SCRIPT}; ${IMG}; ${SVG}, ${word}`,
    use_case: `Use case\n\n${MARKDOWN_EXTRA}\n\n${ALL}`,
    solution: `Solution ${ALL}`,
    // The unique word sits next to the payloads so the search snippet (rendered as HTML with
    // highlights) carries them too.
    investigation: `${word} ${IMG} ${SCRIPT} ${MDLINK} ${SVG} and more text after the payloads.`,
    outcome: `Outcome ${ALL}`,
    lessons: `Lessons ${ALL}`,
    refs: ['https://example.org/report?a="><svg/onload=alert(1)>', '10.1234/"><img/src=x/onerror=alert(1)>'],
    refTitles: [`${SCRIPT} ${SVG}`, `${MDLINK} ${IMG}`],
    contributor: `${IMG} ${SVG}`,
  });
  c.domain_other = IMG;

  const contributor = await open(browser);
  const reviewer = await open(browser, { bypassCSP: true });
  const normal = await open(browser);
  try {
    // A javascript: reference is refused outright.
    const p = contributor.page;
    await visit(p, '/contribute');
    await fillContribution(p, { ...c, refs: ['javascript:alert(1)'], refTitles: ['x'] });
    await preview(p, 422);
    await p.locator('#refs-error').waitFor();
    assert.equal(await p.inputValue('#ref1'), 'javascript:alert(1)', 'the refused input is kept, as text');
    await assertInert(p, 'the refused form');

    // The hostile contribution, previewed and submitted with the CSP in force.
    await visit(p, '/contribute');
    await fillContribution(p, c);
    await p.fill('#domain_other', c.domain_other);
    await preview(p);
    await p.locator('section.preview').waitFor();
    assert.equal((await p.locator('section.preview h3').textContent())?.trim(), title, 'the preview shows the title as text');
    await assertInert(p, 'the preview');
    const publicId = await submit(p);
    assert.equal((await p.locator('main p strong').first().textContent())?.trim(), title, 'the status page shows the title as text');
    await assertInert(p, 'the status page');
    assertSilent(contributor, 'the contribution pages');

    // The reviewer works without CSP protection: only escaping stands between them and the text.
    const r = reviewer.page;
    await login(r);
    const link = r.locator(`table.queue a[href="/review/${publicId}"]`);
    assert.equal((await link.textContent())?.trim(), title, 'the queue shows the title as text');
    await assertInert(r, 'the queue');
    await visit(r, `/review/${publicId}`);
    assert.equal(await r.inputValue('#title'), title, 'the title round-trips through the input value');
    assert.equal(await r.inputValue('#use_case'), c.use_case, 'the use case round-trips through the textarea');
    assert.equal(await r.inputValue('#ref1'), c.refs[0]);
    assert.equal(await r.inputValue('#contributor'), c.contributor);
    await assertInert(r, 'the review item');
    const casePath = await approve(r, publicId);

    // The case page and the search page, in both contexts.
    for (const s of [reviewer, normal]) {
      const page = s.page;
      const mode = s === reviewer ? 'without CSP' : 'with CSP';
      await visit(page, casePath);
      assert.equal((await page.locator('article.case h1').textContent())?.trim(), title, `case title as text (${mode})`);
      const text = await page.locator('article.case').textContent();
      for (const t of [SCRIPT, IMG, SVG]) {
        assert.ok(text.includes(t), `the case shows ${t} as text (${mode})`);
      }
      const tags = await page.locator('article.case .tags .tag').allTextContents();
      assert.ok(tags.includes(SCRIPT) && tags.includes(IMG), `tags shown as text: ${JSON.stringify(tags)}`);
      assert.ok((await page.locator('section.facts').textContent()).includes(c.contributor), 'contributor shown as text');
      const hrefs = await page.locator('ol.references a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
      assert.ok(hrefs.includes(c.refs[0]), `the reference URL round-trips through href: ${JSON.stringify(hrefs)}`);
      assert.ok(hrefs.includes(`https://doi.org/${c.refs[1]}`), `the DOI round-trips through href: ${JSON.stringify(hrefs)}`);
      const content = await page.locator('article.case a').evaluateAll((as) => as.map((a) => a.getAttribute('href') || ''));
      assert.deepEqual(
        content.filter((h) => /^\s*javascript:/i.test(h)),
        [],
        `javascript: links in the case (${mode})`,
      );
      // The Markdown link keeps its text but loses its javascript: target.
      assert.ok(await page.locator('article.case section.element a', { hasText: 'click' }).count() > 0, 'the Markdown link text is kept');
      await assertInert(page, `the case page (${mode})`);

      const n = await searchUntil(page, word, (k) => k === 1);
      assert.equal(n, 1, `the hostile case is found by "${word}" (${mode})`);
      assert.equal((await page.locator('ol.hits > li.hit h3 a').textContent())?.trim(), title);
      const snippet = (await page.locator('ol.hits > li.hit p.snippet').textContent()) || '';
      assert.ok(snippet.includes(word), `the snippet shows the word: ${snippet}`);
      assert.ok(snippet.includes('onerror=alert(1)'), `the snippet shows the payload as text: ${snippet}`);
      await assertInert(page, `the search page (${mode})`);
      assertSilent(s, mode);
    }

    // Hostile queries: typed into the search box, and in other parameters of the URL.
    for (const s of [reviewer, normal]) {
      const page = s.page;
      const q = '"><script>alert(1)</script>';
      await visit(page, '/');
      await page.fill('#site-q', q);
      await navigating(page, () => page.press('#site-q', 'Enter'), (u) => u.pathname === '/search');
      assert.equal(new URL(page.url()).searchParams.get('q'), q);
      assert.equal(await page.inputValue('#q'), q, 'the query is shown escaped in the search box');
      assert.ok((await page.title()).includes(q), `the title shows the query as text: ${await page.title()}`);
      await assertInert(page, 'the hostile query');

      for (const [url, shown] of [
        [`/search?q=x&domain=${encodeURIComponent(IMG)}`, IMG],
        [`/search?q=x&sort=${encodeURIComponent(SVG)}`, SVG],
        [`/search?q=${encodeURIComponent(`title:${SCRIPT}`)}`, null],
        [`/search?q=${encodeURIComponent(`${MDLINK} ${IMG}`)}`, null],
      ]) {
        const res = await page.goto(url, { waitUntil: 'load' });
        assert.ok([200, 400].includes(res.status()), `${url}: status ${res.status()}`);
        if (shown) {
          assert.ok((await page.locator('main').textContent()).includes(shown), `${url}: the error names the value as text`);
        }
        await assertInert(page, url);
      }
      for (const url of [`/cases/${encodeURIComponent(SCRIPT)}`, `/domains/${encodeURIComponent(IMG)}`, '/cases/..%2F..%2Fetc%2Fpasswd']) {
        const res = await page.goto(url, { waitUntil: 'load' });
        assert.equal(res.status(), 404, `${url}`);
        await assertInert(page, url);
      }
      assertSilent(s, 'the hostile queries');
    }
  } finally {
    await contributor.context.close();
    await reviewer.context.close();
    await normal.context.close();
  }
});
