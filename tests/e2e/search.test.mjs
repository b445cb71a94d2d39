// Search as a new user does it: the home search box, facet clicks that narrow the results,
// removable chips that widen them again, and a case page with its four elements.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import {
  TEST_TIMEOUT,
  launch,
  navigating,
  open,
  params,
  resultCount,
  screenshot,
  visit,
} from './lib.mjs';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

/** The facet checkbox for a value, and the count its label shows. */
async function facet(page, name, slug) {
  const id = `f-${name}-${slug.replaceAll('/', '--')}`;
  const box = page.locator(`#${id}`);
  const label = (await page.locator(`label[for="${id}"] .count`).textContent()) || '';
  return { box, count: Number(label.replace(/[^0-9]/g, '')) };
}

/** Every hit on the page carries a chip linking under /domains/PREFIX (or /causes/PREFIX). */
async function assertEveryHitHas(page, kind, prefix) {
  const hits = page.locator('ol.hits > li.hit');
  const n = await hits.count();
  assert.ok(n > 0, 'expected hits on the page');
  for (let i = 0; i < n; i++) {
    const hrefs = await hits.nth(i).locator('p.meta a.chip').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    const title = await hits.nth(i).locator('h3').textContent();
    assert.ok(
      hrefs.some((h) => h === `/${kind}/${prefix}` || h.startsWith(`/${kind}/${prefix}/`)),
      `hit ${JSON.stringify(title)} shows no ${kind} chip under ${prefix}: ${hrefs.join(', ')}`,
    );
  }
}

test('search from the home page, narrow by facets, widen by chips, open a case', { timeout: TEST_TIMEOUT }, async () => {
  const { context, page, events } = await open(browser);
  try {
    await visit(page, '/');
    await screenshot(page, 'home');
    await page.fill('#home-q', 'shortcut');
    await navigating(page, () => page.press('#home-q', 'Enter'), (u) => u.pathname === '/search');
    assert.deepEqual(params(page), ['q=shortcut']);
    assert.equal(await page.inputValue('#q'), 'shortcut', 'the query is kept in the search box');
    const all = await resultCount(page);
    assert.ok(all > 5, `"shortcut" should find several cases, found ${all}`);
    await screenshot(page, 'search');

    // Tick a domain: app.js submits the form on change.
    const domain = 'healthcare';
    const hc = await facet(page, 'domain', domain);
    assert.ok(hc.count > 0 && hc.count < all, `Healthcare facet count ${hc.count} should be in (0, ${all})`);
    await navigating(page, () => hc.box.check(), (u) => u.searchParams.getAll('domain').includes(domain));
    assert.deepEqual(params(page), ['domain=healthcare', 'q=shortcut']);
    const byDomain = await resultCount(page);
    assert.equal(byDomain, hc.count, 'the result count equals the count the facet showed');
    assert.ok(await page.locator(`#f-domain-${domain}`).isChecked(), 'the ticked facet stays ticked');
    await assertEveryHitHas(page, 'domains', domain);

    // Tick a cause that narrows further: the first one whose count is below the current total.
    const causeBoxes = await page
      .locator('input[type=checkbox][name=cause]')
      .evaluateAll((els) => els.map((e) => ({ value: e.value, label: e.labels[0]?.textContent || '' })));
    const candidates = causeBoxes
      .map((c) => ({ ...c, n: Number((c.label.match(/\((\d+)\)\s*$/) || [])[1] || 0) }))
      .filter((c) => c.value.includes('/') && c.n > 0 && c.n < byDomain);
    assert.ok(candidates.length > 0, `no cause facet narrows ${byDomain} healthcare cases: ${JSON.stringify(causeBoxes)}`);
    const cause = candidates[0];
    const cf = await facet(page, 'cause', cause.value);
    await navigating(page, () => cf.box.check(), (u) => u.searchParams.getAll('cause').includes(cause.value));
    assert.deepEqual(params(page), [`cause=${cause.value}`, 'domain=healthcare', 'q=shortcut']);
    const both = await resultCount(page);
    assert.equal(both, cause.n, 'the result count equals the cause facet count');
    assert.ok(both < byDomain, `the cause should narrow the results (${both} < ${byDomain})`);
    await assertEveryHitHas(page, 'domains', domain);
    await assertEveryHitHas(page, 'causes', cause.value);
    await screenshot(page, 'search-filtered');

    // Both filters show as removable chips.
    const chips = page.locator('.active-filters a.chip.removable');
    assert.equal(await chips.count(), 2, 'two active filter chips');
    const domainChip = page.locator('.active-filters a[aria-label="Remove filter Healthcare"]');
    await domainChip.waitFor();

    // Remove the cause by its chip: back to the domain-only search.
    const causeChip = page.locator('.active-filters a[aria-label^="Remove filter "]').filter({ hasNotText: 'Healthcare' });
    assert.equal(await causeChip.count(), 1);
    await navigating(page, () => causeChip.click(), (u) => !u.searchParams.has('cause'));
    assert.deepEqual(params(page), ['domain=healthcare', 'q=shortcut']);
    assert.equal(await resultCount(page), byDomain, 'removing the cause chip restores the domain-only count');
    assert.equal(await page.locator('.active-filters a.chip.removable').count(), 1);

    // Remove the domain chip: back to every "shortcut" case.
    await navigating(page, () => domainChip.click(), (u) => !u.searchParams.has('domain'));
    assert.deepEqual(params(page), ['q=shortcut']);
    assert.equal(await resultCount(page), all, 'removing the last chip restores the full count');
    assert.equal(await page.locator('.active-filters').count(), 0, 'no chips are left');

    // Narrow once more and open the first case.
    const hc2 = await facet(page, 'domain', domain);
    await navigating(page, () => hc2.box.check(), (u) => u.searchParams.has('domain'));
    const first = page.locator('ol.hits > li.hit h3 a').first();
    const title = ((await first.textContent()) || '').trim();
    const href = await first.getAttribute('href');
    assert.match(href || '', /^\/cases\/[a-z0-9-]+$/);
    await navigating(page, () => first.click(), (u) => u.pathname === href);
    assert.equal((await page.locator('article.case h1').textContent())?.trim(), title);
    const headings = (await page.locator('article.case section.element h2').allTextContents()).map((s) => s.trim());
    for (const h of ['Use case', 'Proposed solution', 'Outcome', 'Why it failed']) {
      assert.ok(headings.includes(h), `the case page lacks the "${h}" section: ${headings.join(', ')}`);
    }
    for (const h of ['Use case', 'Proposed solution', 'Outcome', 'Why it failed']) {
      const body = page.locator('article.case section.element', { has: page.locator('h2', { hasText: h }) });
      const text = ((await body.first().textContent()) || '').replace(h, '').trim();
      assert.ok(text.length > 20, `the "${h}" section of ${href} is nearly empty: ${JSON.stringify(text)}`);
    }
    assert.ok(await page.locator('article.case a.chip[href^="/domains/healthcare"]').count() > 0, 'the case carries its Healthcare chip');
    await screenshot(page, 'case');

    assert.deepEqual(events.dialogs, []);
    assert.deepEqual(events.pageErrors, []);
  } finally {
    await context.close();
  }
});

// A cause read from a question's words that no mechanism read from it bears out is shown
// apart, as a weaker reading, not as what the question is about; its link filters by it.
test('a cause read on thin evidence is shown as a weaker reading', { timeout: TEST_TIMEOUT }, async () => {
  const { context, page, events } = await open(browser);
  try {
    const q = 'my model works on validation but fails in production';
    const reading = page.locator('div.reading', { hasText: 'Read as the mechanism' });
    const deadline = Date.now() + 60_000;
    for (;;) {
      await visit(page, `/search?q=${encodeURIComponent(q)}`);
      if ((await reading.count()) > 0 || Date.now() > deadline) break;
      await page.waitForTimeout(500);
    }
    const weak = reading.locator('p.weak', { hasText: 'Also weighed, on thinner evidence' });
    assert.equal(await weak.count(), 1, 'the weaker reading is shown apart');
    assert.ok(await weak.isVisible());
    const link = weak.locator('a[href*="cause="]').first();
    const name = ((await link.textContent()) || '').trim();
    const offered = ((await reading.locator('p', { hasText: 'Read as:' }).allTextContents()) || []).join(' ');
    assert.ok(!offered.includes(name), `${name} is not also offered as the reading: ${offered}`);
    await navigating(page, () => link.click(), (u) => u.searchParams.has('cause'));
    assert.ok((await resultCount(page)) > 0, 'the weaker cause filters to its cases');
    assert.deepEqual(events.dialogs, []);
    assert.deepEqual(events.pageErrors, []);
  } finally {
    await context.close();
  }
});

// A question that describes a failure mechanism without naming it: the page says how it was
// read, links the mechanism's page, and the page lists the cases that share it across fields.
test('a mechanism question is read as the mechanism and links its page', { timeout: TEST_TIMEOUT }, async () => {
  const { context, page, events } = await open(browser);
  try {
    const q = 'information from the future leaks into the features';
    const note = page.locator('div.reading', { hasText: 'Read as the mechanism' });
    // The server reads mechanisms once its first clustering is done (in the background).
    const deadline = Date.now() + 60_000;
    for (;;) {
      await visit(page, `/search?q=${encodeURIComponent(q)}`);
      if ((await note.count()) > 0 || Date.now() > deadline) break;
      await page.waitForTimeout(500);
    }
    assert.equal(await note.count(), 1, 'the page says which mechanism the question was read as');
    const link = note.locator('a[href^="/clusters/m/"]').first();
    const name = ((await link.textContent()) || '').trim();
    assert.ok(name.length > 10, `a readable mechanism name: ${JSON.stringify(name)}`);
    assert.ok((await resultCount(page)) > 0);
    await navigating(page, () => link.click(), (u) => u.pathname.startsWith('/clusters/m/'));
    assert.equal((await page.locator('main h1').textContent())?.trim(), name);
    assert.ok(await page.locator('main a[href^="/cases/"]').count() >= 2, 'the mechanism page lists its cases');
    assert.deepEqual(events.dialogs, []);
    assert.deepEqual(events.pageErrors, []);
  } finally {
    await context.close();
  }
});
