// A contribution taken end to end: the form, its preview, the submission status page, a search
// that does not find it while it is pending, a reviewer's login and approval, and the search
// hit that follows, with no restart.

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
  resultCount,
  screenshot,
  searchUntil,
  submit,
  uniqueWord,
  visit,
} from './lib.mjs';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

test('contribute a case, approve it as a reviewer, find it in search', { timeout: TEST_TIMEOUT }, async () => {
  const word = uniqueWord();
  const c = contribution(word);
  // The contributor and the reviewer are different people: separate browser contexts.
  const contributor = await open(browser);
  const reviewer = await open(browser);
  try {
    const page = contributor.page;
    await visit(page, '/');
    await navigating(page, () => page.click('header.site nav a[href="/contribute"]'), (u) => u.pathname === '/contribute');
    await screenshot(page, 'contribute');

    // A form with an error comes back with the input kept and the error next to the field.
    await fillContribution(page, { ...c, licence: false });
    await preview(page, 422);
    await page.locator('#licence-error').waitFor();
    assert.equal(await page.inputValue('#title'), c.title, 'the title is kept');
    assert.equal(await page.inputValue('#investigation'), c.investigation, 'the sections are kept');
    assert.equal(await page.inputValue('#ref1'), c.refs[0], 'the reference is kept');
    assert.ok(await page.isChecked('#domains-healthcare--clinical-prediction'), 'the domain stays ticked');
    assert.ok(await page.isChecked('#causes-data--distribution-shift'), 'the cause stays ticked');
    await screenshot(page, 'contribute-errors');

    // Agree to the licence and preview.
    await page.check('#licence');
    await preview(page);
    const pv = page.locator('section.preview');
    await pv.waitFor();
    assert.equal((await pv.locator('h3').textContent())?.trim(), c.title);
    for (const h of ['Use case', 'Proposed solution', 'Outcome', 'Why it failed']) {
      assert.equal(await pv.locator('h4', { hasText: h }).count(), 1, `the preview shows "${h}"`);
    }
    assert.ok((await pv.textContent()).includes('Clinical prediction'), 'the preview shows the domain label');
    assert.ok((await pv.textContent()).includes('Distribution shift'), 'the preview shows the cause label');
    assert.equal(await page.inputValue('#title'), c.title, 'the form below the preview keeps the input');
    await screenshot(page, 'contribute-preview');

    // Submit: the status page shows the id and "pending".
    const publicId = await submit(page);
    assert.match(publicId, /^[0-9a-f]{16}$/);
    await page.locator('main h1', { hasText: publicId }).waitFor();
    assert.equal((await page.locator('p.status strong').textContent())?.trim(), 'pending');
    assert.ok((await page.locator('main').textContent()).includes(c.title));
    await screenshot(page, 'contribute-status');

    // Pending: neither searchable nor visible.
    await visit(page, `/search?q=${word}`);
    assert.equal(await resultCount(page), 0, 'a pending submission must not be searchable');
    await page.locator('div.empty h2', { hasText: 'No cases match' }).waitFor();

    // The reviewer logs in, finds it in the queue and approves it.
    const r = reviewer.page;
    await login(r);
    const row = r.locator('table.queue tbody tr', { has: r.locator(`a[href="/review/${publicId}"]`) });
    await row.waitFor();
    assert.equal((await row.locator('a').textContent())?.trim(), c.title);
    assert.ok((await row.textContent()).includes(c.contributor), 'the queue shows the contributor');
    await screenshot(r, 'review-queue');
    const casePath = await approve(r, publicId);
    assert.match(casePath, /^\/cases\/[a-z0-9-]+$/);
    assert.equal((await r.locator('article.case h1').textContent())?.trim(), c.title);
    const facts = await r.locator('section.facts').textContent();
    assert.ok(facts.includes(c.contributor), 'the case credits its contributor');
    assert.ok(facts.includes('contributed'), 'the case has provenance "contributed"');

    // The queue no longer lists it.
    await visit(r, '/review');
    assert.equal(await r.locator(`a[href="/review/${publicId}"]`).count(), 0, 'an approved submission leaves the queue');

    // The contributor finds it in search, with no restart.
    const n = await searchUntil(page, word, (k) => k === 1);
    assert.equal(n, 1, `the approved case should be found by its unique word "${word}"`);
    const hit = page.locator('ol.hits > li.hit h3 a');
    assert.equal((await hit.textContent())?.trim(), c.title);
    assert.equal(await hit.getAttribute('href'), casePath);
    // And through its labels, as the facets narrow.
    await visit(page, `/search?q=${word}&domain=healthcare&cause=data%2Fdistribution-shift`);
    assert.equal(await resultCount(page), 1, 'the approved case carries its domain and cause');
    await navigating(page, () => hit.click(), (u) => u.pathname === casePath);
    const headings = (await page.locator('article.case section.element h2').allTextContents()).map((s) => s.trim());
    assert.deepEqual(headings.slice(0, 4), ['Use case', 'Proposed solution', 'Outcome', 'Why it failed']);
    assert.ok((await page.locator('article.case').textContent()).includes(c.investigation));

    // The status page now says approved and links to the case.
    await visit(page, `/contribute/${publicId}`);
    assert.equal((await page.locator('p.status strong').textContent())?.trim(), 'approved');
    assert.equal(await page.locator(`main a[href="${casePath}"]`).count(), 1);

    for (const s of [contributor, reviewer]) {
      assert.deepEqual(s.events.dialogs, []);
      assert.deepEqual(s.events.pageErrors, []);
    }
  } finally {
    await contributor.context.close();
    await reviewer.context.close();
  }
});
