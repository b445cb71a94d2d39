// Browsing as a practitioner does it: the list of domains, one domain with its causes, and a
// cause followed into another domain's cases. Also the cause pages and the clusters page.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { TEST_TIMEOUT, launch, navigating, open, params, resultCount, screenshot, visit } from './lib.mjs';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

test('browse a domain and follow a cause into another domain', { timeout: TEST_TIMEOUT }, async () => {
  const { context, page, events } = await open(browser);
  try {
    await visit(page, '/');
    await navigating(page, () => page.click('header.site nav a[href="/domains"]'), (u) => u.pathname === '/domains');
    await page.locator('h1', { hasText: 'Domains' }).waitFor();
    const domainLink = page.locator('ul.tree a[href="/domains/healthcare"]');
    await navigating(page, () => domainLink.click(), (u) => u.pathname === '/domains/healthcare');
    assert.equal((await page.locator('main h1').textContent())?.trim(), 'Healthcare');

    // The cause breakdown is a server-side SVG chart with links to the filtered search.
    assert.ok(await page.locator('main svg').count() > 0, 'the domain page has its cause chart');
    const cases = await page.locator('main ol.hits > li.hit').count();
    assert.ok(cases > 0, 'the domain page lists its cases');
    await screenshot(page, 'domain');

    // "The same causes elsewhere": each entry is a cause with the other domains it occurs in.
    await page.locator('h2', { hasText: 'The same causes elsewhere' }).waitFor();
    const entry = page.locator('ul.elsewhere > li').first();
    const causeHref = await entry.locator('a[href^="/causes/"]').first().getAttribute('href');
    const cause = causeHref.slice('/causes/'.length);
    const other = entry.locator('a[href^="/search?"]').first();
    const otherText = ((await other.textContent()) || '').trim();
    const expected = Number((otherText.match(/\((\d+)\)\s*$/) || [])[1]);
    assert.ok(expected > 0, `the link ${JSON.stringify(otherText)} should end with a case count`);
    await navigating(page, () => other.click(), (u) => u.pathname === '/search');
    const p = params(page);
    const domain = new URL(page.url()).searchParams.get('domain');
    assert.deepEqual(p, [`cause=${cause}`, `domain=${domain}`]);
    assert.ok(domain && domain !== 'healthcare' && !domain.startsWith('healthcare/'), `another domain, got ${domain}`);
    assert.equal(await resultCount(page), expected, 'the search finds as many cases as the link promised');
    assert.ok(await page.locator(`#f-cause-${cause.replaceAll('/', '--')}`).isChecked());
    assert.ok(await page.locator(`#f-domain-${domain.replaceAll('/', '--')}`).isChecked());
    // Every hit is in that other domain and has that cause.
    const hits = page.locator('ol.hits > li.hit');
    for (let i = 0; i < (await hits.count()); i++) {
      const hrefs = await hits.nth(i).locator('a.chip').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
      assert.ok(hrefs.some((h) => h === `/domains/${domain}` || h.startsWith(`/domains/${domain}/`)), `hit ${i} lacks domain ${domain}: ${hrefs}`);
      assert.ok(hrefs.includes(`/causes/${cause}`), `hit ${i} lacks cause ${cause}: ${hrefs}`);
    }

    // The cause itself: its page lists the domains where it occurs, grouped.
    await visit(page, causeHref);
    await page.locator('main h1').waitFor();
    assert.ok(await page.locator('main section.group').count() > 1, 'the cause spans several domains');
    assert.ok(await page.locator(`main section.group h3 a[href="/domains/${domain}"]`).count() === 1, `the cause page groups cases under ${domain}`);
    await screenshot(page, 'cause');

    // The cause list and the clusters page render and link to cause pages.
    await visit(page, '/causes');
    assert.ok(await page.locator(`ul.tree a[href="${causeHref}"]`).count() === 1);
    await visit(page, '/clusters');
    await page.locator('main h1').waitFor();
    assert.ok(await page.locator('main ul.mechanisms li.mechanism').count() >= 30, 'named mechanisms sit under the causes');
    await screenshot(page, 'clusters');
    // A mechanism shows its cases side by side, one column per field, and a member's page
    // names the mechanism before the looser similar cases.
    const mechanism = page.locator('main ul.mechanisms li.mechanism h3 a').first();
    const mechanismHref = await mechanism.getAttribute('href');
    await navigating(page, () => mechanism.click(), (u) => u.pathname === mechanismHref);
    assert.ok(await page.locator('main div.side-by-side section.column').count() >= 2, 'members from at least two fields');
    await screenshot(page, 'mechanism');
    const member = page.locator('main div.side-by-side section.column li a').first();
    await navigating(page, () => member.click(), (u) => u.pathname.startsWith('/cases/'));
    assert.ok(await page.locator(`main section.elsewhere a[href="${mechanismHref}"]`).count() >= 1, 'the case page links its mechanism');

    assert.deepEqual(events.dialogs, []);
    assert.deepEqual(events.pageErrors, []);
  } finally {
    await context.close();
  }
});
