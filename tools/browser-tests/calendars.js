// The calendar connections page in a real browser. crates/web/tests/browser_calendars.rs
// starts the server and an ICS feed and passes them in RDV_SCENARIO (JSON). Exits non-zero,
// with the failing step, when the story does not go as expected.
'use strict';
const { chromium } = require('playwright-core');
const { shot: screenshot } = require('./shot');

const cfg = JSON.parse(process.env.RDV_SCENARIO || '{}');
const url = (p) => cfg.baseUrl + p;
const TIMEOUT = 15000;

function check(condition, message) {
  if (!condition) throw new Error('expected: ' + message);
}

async function shot(page, name) {
  await screenshot(page, cfg.screenshots, name);
}

async function text(page, selector) {
  return (await page.locator(selector).first().innerText({ timeout: TIMEOUT })).replace(/\s+/g, ' ').trim();
}

async function main() {
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  try {
    const context = await browser.newContext({ locale: 'en-GB', viewport: { width: 1200, height: 900 } });
    const page = await context.newPage();
    page.setDefaultTimeout(TIMEOUT);

    await page.goto(url('/signin'));
    await page.fill('#organization', cfg.organization);
    await page.fill('#email', cfg.hostEmail);
    await page.fill('#password', cfg.hostPassword);
    await Promise.all([page.waitForURL(/\/dashboard/), page.click('button[type=submit]')]);

    // The nav leads to the page.
    await Promise.all([page.waitForURL(/\/dashboard\/calendars$/), page.click('nav a[href="/dashboard/calendars"]')]);
    check((await text(page, 'main')).includes('No calendars connected yet.'), 'an empty list at first');

    // An internal address is answered next to the field.
    await page.fill('#f-feed_url', 'http://10.1.2.3/feed.ics');
    await page.click('form[action="/dashboard/calendars/ics"] button[type=submit]');
    check((await text(page, '#e-ics_url')).length > 0, 'the URL error next to its field');
    await shot(page, 'calendars-error');

    // The real feed is added, synced at once, and listed as active.
    await page.fill('#f-feed_url', cfg.feedUrl);
    await page.fill('#f-feed_name', 'Holidays');
    await page.click('form[action="/dashboard/calendars/ics"] button[type=submit]');
    check((await text(page, '.notice')).includes('Added the feed Holidays.'), 'the feed added');
    const section = await text(page, 'section.connection');
    check(section.includes('Holidays') && section.includes('active'), `the feed listed as active: ${section}`);
    await shot(page, 'calendars-added');

    await page.click('section.connection form[action$="/sync"] button');
    check((await text(page, '.notice')).includes('Synced.'), 'sync now');

    await Promise.all([
      page.waitForURL(/\/dashboard\/calendars$/),
      page.click('section.connection form[action$="/disconnect"] button'),
    ]);
    check((await text(page, 'main')).includes('No calendars connected yet.'), 'disconnected');
    await context.close();
  } finally {
    await browser.close();
  }
  console.log('calendar page scenario passed');
}

main().catch((e) => {
  console.error(e && e.stack ? e.stack : e);
  process.exit(1);
});
