// Shared helpers of the browser suite: launching Debian's chromium through playwright-core,
// pages that record dialogs and script errors, reviewer login, contributions, axe-core, and
// screenshots. The server under test is started by run.sh, which passes its address in
// E2E_BASE_URL.

import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
const here = path.dirname(fileURLToPath(import.meta.url));

export const ROOT = path.resolve(here, '..', '..');
export const BASE = (process.env.E2E_BASE_URL || '').replace(/\/+$/, '');
export const SHOTS = path.resolve(ROOT, process.env.E2E_SHOTS_DIR || 'target/e2e');
export const CHROMIUM = process.env.E2E_CHROMIUM || '/usr/bin/chromium';
export const REVIEWER = { name: 'rita', password: 'a long enough password' };

/** Generous timeouts: CI machines are small and the server is a debug build. */
export const TIMEOUT = 30_000;
export const NAV_TIMEOUT = 60_000;
/** The node:test timeout of one test. */
export const TEST_TIMEOUT = 300_000;

if (!BASE) {
  throw new Error('E2E_BASE_URL is not set: run the suite through tests/e2e/run.sh');
}

/** The path of axe.min.js, injected into pages for the accessibility checks. */
export const AXE_PATH = require.resolve('axe-core/axe.min.js');

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Launches chromium. Playwright gives every launch a new, empty, temporary user data directory
 * and removes it when the browser closes.
 */
export async function launch() {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    timeout: NAV_TIMEOUT,
  });
}

/**
 * A new context and page. Every dialog (alert, confirm, prompt) is recorded and dismissed, and
 * uncaught script errors and console errors are recorded, so tests can assert none happened.
 */
export async function open(browser, options = {}) {
  const context = await browser.newContext({
    baseURL: BASE,
    viewport: { width: 1280, height: 900 },
    ...options,
  });
  context.setDefaultTimeout(TIMEOUT);
  context.setDefaultNavigationTimeout(NAV_TIMEOUT);
  const page = await context.newPage();
  const events = { dialogs: [], pageErrors: [], consoleErrors: [] };
  context.on('page', (p) => watch(p, events));
  watch(page, events);
  return { context, page, events };
}

function watch(page, events) {
  page.on('dialog', async (dialog) => {
    events.dialogs.push(`${dialog.type()}: ${dialog.message()} (on ${page.url()})`);
    await dialog.dismiss().catch(() => {});
  });
  page.on('pageerror', (err) => events.pageErrors.push(`${err.message} (on ${page.url()})`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') events.consoleErrors.push(`${msg.text()} (on ${page.url()})`);
  });
}

/** Goes to a path of the site and returns the response, asserting its status. */
export async function visit(page, url, status = 200) {
  const res = await page.goto(url, { waitUntil: 'load' });
  assert.ok(res, `no response for ${url}`);
  assert.equal(res.status(), status, `GET ${url}: expected status ${status}, got ${res.status()}`);
  return res;
}

/**
 * Runs `action` (a click or a key press that submits a form or follows a link) and waits for
 * the navigation it starts to finish loading. Returns the main-frame response.
 */
export async function navigating(page, action, urlPredicate = () => true) {
  const [res] = await Promise.all([
    page.waitForNavigation({ waitUntil: 'load', url: urlPredicate }),
    action(),
  ]);
  return res;
}

/** The number of cases `/search` reports ("41 cases"). */
export async function resultCount(page) {
  const text = (await page.locator('p.count').first().textContent({ timeout: TIMEOUT })) || '';
  const m = text.match(/(\d+)\s+cases?/);
  assert.ok(m, `cannot read a result count from ${JSON.stringify(text)} on ${page.url()}`);
  return Number(m[1]);
}

/**
 * The meaningful search parameters of the page's URL as sorted `key=value` strings. The search
 * form also submits its empty year fields and the default sort, which change nothing.
 */
export function params(page) {
  const u = new URL(page.url());
  return [...u.searchParams.entries()]
    .filter(([k, v]) => v !== '' && !(k === 'sort' && v === 'relevance'))
    .map(([k, v]) => `${k}=${v}`)
    .sort();
}

/** A word no bundled case contains, made of letters only so the tokenizer keeps it whole. */
export function uniqueWord(prefix = 'zorblax') {
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  const bytes = crypto.randomBytes(10);
  return prefix + [...bytes].map((b) => letters[b % 26]).join('');
}

/** Saves a full-page screenshot to target/e2e/NAME.png. */
export async function screenshot(page, name) {
  fs.mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}

/** Logs in as the reviewer run.sh created and lands on the queue. */
export async function login(page) {
  await visit(page, '/review/login');
  await page.fill('#name', REVIEWER.name);
  await page.fill('#password', REVIEWER.password);
  const res = await navigating(page, () => page.click('form.login button[type=submit]'));
  assert.equal(res?.status(), 200, `login failed: ${page.url()}`);
  assert.equal(new URL(page.url()).pathname, '/review', 'login should land on the queue');
  await page.locator('h1', { hasText: 'Moderation queue' }).waitFor();
}

/**
 * Fills the contribution form on the current page. `c` holds: title, year, domains and causes
 * (slugs, ticked as checkboxes), tags, the four sections and lessons, refs and refTitles
 * (arrays), contributor and licence (default true).
 */
export async function fillContribution(page, c) {
  await page.locator('form.case-form').waitFor();
  await page.fill('#title', c.title ?? '');
  await page.fill('#year', String(c.year ?? ''));
  for (const slug of c.domains ?? []) {
    await page.check(`#domains-${slug.replaceAll('/', '--')}`);
  }
  for (const slug of c.causes ?? []) {
    await page.check(`#causes-${slug.replaceAll('/', '--')}`);
  }
  await page.fill('#tags', c.tags ?? '');
  for (const field of ['use_case', 'solution', 'outcome', 'investigation', 'lessons']) {
    await page.fill(`#${field}`, c[field] ?? '');
  }
  for (let i = 0; i < 3; i++) {
    await page.fill(`#ref${i + 1}`, c.refs?.[i] ?? '');
    await page.fill(`#ref${i + 1}_title`, c.refTitles?.[i] ?? '');
  }
  await page.fill('#contributor', c.contributor ?? '');
  if (c.licence ?? true) await page.check('#licence');
  else await page.uncheck('#licence');
}

/** Clicks the form's Preview button; the preview must show the case's title. */
export async function preview(page, expectStatus = 200) {
  const res = await navigating(page, () => page.click('form.case-form button[value=preview]'));
  assert.equal(res?.status(), expectStatus, `preview: unexpected status on ${page.url()}`);
  return res;
}

/**
 * Clicks "Submit for review" and returns the public id of the submission from the status page
 * it lands on.
 */
export async function submit(page) {
  const res = await navigating(
    page,
    () => page.click('form.case-form button[value=submit]'),
    (u) => /^\/contribute\/[0-9a-f]{16}$/.test(u.pathname),
  );
  assert.equal(res?.status(), 200, `submission status page: ${page.url()}`);
  return new URL(page.url()).pathname.split('/').pop();
}

/** A complete, valid contribution about `word`, with overridable fields. */
export function contribution(word, overrides = {}) {
  return {
    title: `Ward triage model collapsed at a second hospital ${word}`,
    year: 2023,
    domains: ['healthcare/clinical-prediction'],
    causes: ['data/distribution-shift'],
    tags: `e2e, ${word}`,
    use_case: `Predicting deterioration on hospital wards (${word}).`,
    solution: 'A recurrent neural network over vital signs, reported with an AUROC of 0.91.',
    outcome: 'At a second hospital the AUROC fell to 0.62 and alerts were ignored.',
    investigation:
      'The second hospital measured vital signs on a different schedule, so the input ' +
      'distribution shifted; the model had only been validated on the first hospital.',
    lessons: 'Validate externally before deployment.',
    refs: ['https://example.org/ward-triage-report'],
    refTitles: ['Ward triage report'],
    contributor: 'E2E Tester',
    licence: true,
    ...overrides,
  };
}

/**
 * Opens a pending submission from the queue (the reviewer must be logged in), approves it, and
 * returns the path of the published case.
 */
export async function approve(page, publicId) {
  await visit(page, '/review');
  const link = page.locator(`table.queue a[href="/review/${publicId}"]`);
  await link.waitFor();
  await navigating(page, () => link.click());
  assert.equal(new URL(page.url()).pathname, `/review/${publicId}`);
  await page.locator('form.case-form button[value=approve]').waitFor();
  const res = await navigating(
    page,
    () => page.click('form.case-form button[value=approve]'),
    (u) => u.pathname.startsWith('/cases/'),
  );
  assert.equal(res?.status(), 200, `approval should land on the case page, got ${page.url()}`);
  return new URL(page.url()).pathname;
}

/**
 * Searches for `q` until the reported count satisfies `ok` (a new case becomes searchable
 * within a second of approval; this allows ten). Returns the last count.
 */
export async function searchUntil(page, q, ok, within = 10_000) {
  const url = `/search?q=${encodeURIComponent(q)}`;
  const deadline = Date.now() + within;
  for (;;) {
    await visit(page, url);
    const n = await resultCount(page);
    if (ok(n) || Date.now() > deadline) return n;
    await page.waitForTimeout(250);
  }
}

/**
 * Runs axe-core on the current page (the context must bypass CSP so the script can be
 * injected) and returns the violations of impact serious or critical.
 */
export async function axeSerious(page) {
  return (await axeAll(page)).filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** Every axe violation on the page, whatever its impact. */
export async function axeAll(page) {
  const loaded = await page.evaluate(() => typeof window.axe !== 'undefined');
  if (!loaded) await page.addScriptTag({ path: AXE_PATH });
  await page.waitForFunction(() => typeof window.axe !== 'undefined');
  const results = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      helpUrl: v.helpUrl,
      nodes: v.nodes.map((n) => ({
        target: n.target.join(' '),
        html: n.html.slice(0, 300),
        summary: n.failureSummary,
      })),
    }));
  });
  return results;
}

/** A readable report of axe violations. */
export function describeViolations(url, violations) {
  const lines = [];
  for (const v of violations) {
    lines.push(`  [${v.impact}] ${v.id}: ${v.help} (${v.helpUrl}) on ${url}`);
    for (const n of v.nodes.slice(0, 10)) {
      lines.push(`    - ${n.target}\n      ${n.html}\n      ${(n.summary || '').replaceAll('\n', '\n      ')}`);
    }
    if (v.nodes.length > 10) lines.push(`    … and ${v.nodes.length - 10} more nodes`);
  }
  return lines.join('\n');
}
