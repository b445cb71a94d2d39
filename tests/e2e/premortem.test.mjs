// The pre-mortem as a planner uses it: describe a project, get the checklist with its
// precedents and checks, print it, and download it as Markdown. Both pages have no axe
// violations at all, whatever their impact, in light and dark mode.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { TEST_TIMEOUT, axeAll, describeViolations, launch, navigating, open, visit } from './lib.mjs';

const PLAN =
  'We will train a CNN on 40,000 chest scans from our hospital, split at random at image level, several scans per patient, and deploy it at partner hospitals.';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

async function noViolations(page, name) {
  for (const colorScheme of ['light', 'dark']) {
    await page.emulateMedia({ colorScheme });
    const v = await axeAll(page);
    assert.equal(v.length, 0, `${name} (${colorScheme}):\n${describeViolations(page.url(), v)}`);
  }
  await page.emulateMedia({ colorScheme: 'light' });
}

test('a planner runs a pre-mortem, prints it and downloads it', { timeout: TEST_TIMEOUT }, async () => {
  // This context alone bypasses the CSP, to load axe (as the a11y suite does).
  const { context, page, events } = await open(browser, { acceptDownloads: true, bypassCSP: true });
  await visit(page, '/');
  await navigating(page, () => page.click('p.premortem-link a'), (u) => u.pathname === '/premortem');
  await noViolations(page, 'the pre-mortem form');

  await page.fill('#description', PLAN);
  await navigating(page, () => page.click('form.premortem-form button[value=html]'));
  const causes = await page.locator('section.premortem li.cause-item h3 a').allTextContents();
  assert.ok(causes.length >= 3, `a checklist: ${causes}`);
  assert.ok(causes.slice(0, 3).includes('Data leakage'), `leakage in the top 3: ${causes}`);
  assert.ok(causes.slice(0, 3).includes('Distribution shift'), `distribution shift in the top 3: ${causes}`);
  // The description stays in the form, so the plan can be refined and run again.
  assert.equal(await page.inputValue('#description'), PLAN);
  await noViolations(page, 'the checklist');

  // Printing keeps the checklist and drops the form and the site's chrome.
  await page.emulateMedia({ media: 'print' });
  assert.equal(await page.locator('form.premortem-form').isVisible(), false);
  assert.equal(await page.locator('section.premortem').isVisible(), true);
  await page.emulateMedia({ media: 'screen' });

  // The Markdown download carries the same causes.
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.click('form.premortem-form button[value=md]'),
  ]);
  assert.equal(download.suggestedFilename(), 'premortem.md');
  const stream = await download.createReadStream();
  let md = '';
  for await (const chunk of stream) md += chunk;
  assert.ok(md.startsWith('# Pre-mortem checklist'), md.slice(0, 200));
  assert.ok(md.includes(`## 1. ${causes[0]}`), md.slice(0, 400));
  assert.deepEqual(events.pageErrors, []);
  await context.close();
});
