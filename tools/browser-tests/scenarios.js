// Browser stories against a running Rendezvous server. crates/web/tests/browser.rs seeds the
// data, starts the server and passes everything in RDV_SCENARIO (JSON). Exits non-zero, with
// the failing step, when a story does not go as expected.
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

// Runs axe-core (WCAG 2 A and AA rules) on the page as it is; any violation fails the story
// with the rule, its impact and the first elements it names.
async function accessible(page, name) {
  // Evaluated over the debugging protocol: the page's CSP (script-src 'self') stays as it is.
  await page.evaluate(require('axe-core').source);
  const result = await page.evaluate(() => window.axe.run(document, { runOnly: ['wcag2a', 'wcag2aa'] }));
  const found = result.violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`);
  check(found.length === 0, `no axe violations on ${name}, found:\n  ${found.join('\n  ')}`);
}

async function text(page, selector) {
  return (await page.locator(selector).first().innerText({ timeout: TIMEOUT })).replace(/\s+/g, ' ').trim();
}

// Clicks the free day `date` (YYYY-MM-DD) in the month view, then waits for its times.
async function pickDay(page, date) {
  const day = page.locator(`button.day[data-date="${date}"]`);
  await day.waitFor({ timeout: TIMEOUT });
  await day.click();
  await page.locator('#slot-list button.slot').first().waitFor({ timeout: TIMEOUT });
}

async function invitee(browser) {
  const context = await browser.newContext({
    timezoneId: 'America/New_York',
    locale: 'en-US',
    viewport: { width: 1200, height: 860 },
  });
  const page = await context.newPage();
  page.setDefaultTimeout(TIMEOUT);

  // The organizer page lists the host's event types.
  await page.goto(url('/u/acme/berta'));
  check((await text(page, 'h1')) === 'Berta Berliner', 'organizer page names the host');
  check(await page.locator('.event-list a').count() === 3, 'three event types listed');
  await shot(page, 'organizer');

  // A group event shows the seats left with each time.
  await page.goto(url(`/book/${cfg.workshop}?month=${cfg.month}`));
  await pickDay(page, cfg.day);
  check((await text(page, '#slot-list .slot .seats')) === '8 seats left', 'seats left shown');

  // Booking: the month marks free days; the times are the invitee's own.
  await page.goto(url(`/book/${cfg.intro}?month=${cfg.month}`));
  await page.locator(`button.day[data-date="${cfg.day}"]`).waitFor();
  check(await page.locator(`span.day`).count() > 0, 'days without times are not buttons');
  check((await page.locator('#tz').inputValue()) === 'America/New_York', 'zone detected from the browser');
  await pickDay(page, cfg.day);
  const first = await text(page, '#slot-list .slot');
  check(first === cfg.expect.firstSlotNewYork, `first slot ${cfg.expect.firstSlotNewYork} in New York, saw ${first}`);
  await shot(page, 'booking-page');

  // The 24-hour toggle rewrites the times and is remembered.
  await page.click('#h24');
  const first24 = await text(page, '#slot-list .slot');
  check(/^\d\d:\d\d$/.test(first24), `24-hour time, saw ${first24}`);
  await page.reload();
  await pickDay(page, cfg.day);
  check((await text(page, '#slot-list .slot')) === first24, 'clock choice remembered');
  await page.click('#h12');

  // Keyboard: the focused free day opens with Enter, times take focus.
  await page.locator(`button.day[data-date="${cfg.day}"]`).focus();
  await page.keyboard.press('Enter');
  check(await page.evaluate(() => document.activeElement.classList.contains('slot')), 'focus moves to the first time');
  await page.keyboard.press('Enter');
  await page.locator('#details').waitFor({ state: 'visible' });
  check((await text(page, '#chosen-time')).includes(cfg.expect.bookedDayNewYork), 'chosen time shown');

  // Client hints first: an empty required question is named next to its field.
  await page.fill('#f-name', 'Ines Invitee');
  await page.fill('#f-email', 'ines@example.com');
  await page.click('#book-submit');
  const companyError = await text(page, '[data-pointer="/answers/company"] .error');
  check(companyError.length > 0, 'required question flagged before sending');
  // The server's answer next to the field: a phone number only the server rejects.
  await page.fill('[data-question="company"] input', 'Initech');
  await page.fill('[data-question="phone"] input', '12');
  await page.click('#book-submit');
  await page.locator('[data-pointer="/answers/phone"] .error:not(:empty)').waitFor();
  check((await text(page, '[data-pointer="/answers/phone"] .error')).toLowerCase().includes('phone'), 'server error shown at the phone field');
  check((await page.getAttribute('[data-question="phone"] input', 'aria-invalid')) === 'true', 'field marked invalid');
  await shot(page, 'booking-form-errors');
  await page.fill('[data-question="phone"] input', '+1 212 555 0100');
  await page.click('#book-submit');

  // The confirmation is the manage page.
  await page.waitForURL(/\/manage\/.+\?booked=1/);
  check((await text(page, 'h1')).startsWith('You are booked'), 'confirmation heading');
  const when = await text(page, '#when');
  check(when.includes(cfg.expect.bookedDayNewYork) && when.includes(cfg.expect.firstSlotNewYork),
    `confirmation in New York time (${cfg.expect.bookedDayNewYork}, ${cfg.expect.firstSlotNewYork}), saw ${when}`);
  check((await page.getAttribute('a[href*="calendar.google.com"]', 'href')).includes('dates='), 'Google link');
  check((await page.getAttribute('a[href*="outlook.live.com"]', 'href')).includes('startdt='), 'Outlook link');
  const ics = await page.evaluate(async () => {
    const r = await fetch(document.querySelector('a[download]').href);
    return { type: r.headers.get('content-type'), body: await r.text() };
  });
  check(ics.type.startsWith('text/calendar') && ics.body.includes('BEGIN:VEVENT'), '.ics download');
  await shot(page, 'confirmation');
  const manageUrl = page.url().replace(/\?.*$/, '');

  // Reschedule through the same calendar.
  await page.goto(manageUrl + `?month=${cfg.nextDayMonth}`);
  await page.click('#show-reschedule');
  await pickDay(page, cfg.nextDay);
  await page.locator('#slot-list .slot').first().click();
  await page.locator('#move-bar').waitFor({ state: 'visible' });
  await shot(page, 'manage-reschedule');
  await Promise.all([page.waitForEvent('load'), page.click('#move-confirm')]);
  const moved = await text(page, '#when');
  check(moved.includes(cfg.expect.movedDayNewYork), `moved to ${cfg.expect.movedDayNewYork}, saw ${moved}`);

  // Cancel with a reason.
  await page.click('#show-cancel');
  await page.fill('#cancel-reason', 'Something came up');
  await Promise.all([page.waitForEvent('load'), page.click('#cancel-submit')]);
  check((await text(page, 'h1')) === 'This booking is cancelled', 'cancelled heading');
  check((await text(page, '.summary')).includes('Something came up'), 'reason shown');
  await shot(page, 'cancelled');

  // A phone-sized screen: one column, nothing wider than the screen.
  await page.setViewportSize({ width: 375, height: 760 });
  await page.goto(url(`/book/${cfg.intro}?month=${cfg.month}`));
  await pickDay(page, cfg.day);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  check(overflow <= 0, `no sideways scrolling on a phone (overflow ${overflow}px)`);
  await shot(page, 'booking-phone');
  await context.close();
}

async function embedded(browser) {
  const context = await browser.newContext({ timezoneId: 'America/New_York', locale: 'en-US', viewport: { width: 1100, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(TIMEOUT);
  // Another site embeds the booking page with the snippet.
  await page.setContent(`<!doctype html><title>Partner site</title><h1>Partner site</h1>
    <div id="booker" data-rendezvous="${url(`/book/${cfg.workshop}?month=${cfg.month}`)}"></div>
    <script src="${url('/static/embed.js')}"></script>`);
  await page.evaluate(() => {
    window.booked = null;
    document.getElementById('booker').addEventListener('rendezvous:booked', (e) => { window.booked = e.detail; });
  });
  const frame = page.frameLocator('#booker iframe');
  await frame.locator(`button.day[data-date="${cfg.day}"]`).click();
  // The frame grew to its content (postMessage resize).
  await page.waitForFunction(() => parseInt(document.querySelector('#booker iframe').style.height || '0', 10) > 480);
  await frame.locator('#slot-list .slot').first().click();
  await frame.locator('#f-name').fill('Emma Embedded');
  await frame.locator('#f-email').fill('emma@example.com');
  await frame.locator('#book-submit').click();
  await page.waitForFunction(() => window.booked !== null);
  const booked = await page.evaluate(() => window.booked);
  check(booked.status === 'confirmed' && booked.start, 'booking-done event reaches the embedding page');
  await frame.locator('h1', { hasText: 'You are booked' }).waitFor();
  await shot(page, 'embed');
  await context.close();
}

async function host(browser) {
  const context = await browser.newContext({
    timezoneId: 'Europe/Berlin',
    locale: 'en-GB',
    viewport: { width: 1200, height: 860 },
  });
  const page = await context.newPage();
  page.setDefaultTimeout(TIMEOUT);

  // The dashboard sends strangers to sign in; a wrong password is said on the form.
  await page.goto(url('/dashboard'));
  await page.waitForURL(/\/signin$/);
  await page.fill('#organization', cfg.organization);
  await page.fill('#email', cfg.hostEmail);
  await page.fill('#password', 'not the password');
  await page.click('button[type=submit]');
  check((await text(page, '#signin-error')).length > 0, 'wrong password answered on the form');
  await shot(page, 'signin');
  await page.fill('#password', cfg.hostPassword);
  await Promise.all([page.waitForURL(/\/dashboard/), page.click('button[type=submit]')]);

  // A form posted without the session's CSRF token is refused.
  const forged = await page.evaluate(async () => {
    const r = await fetch('/dashboard/availability', { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'name=x&time_zone=UTC&csrf_token=wrong' });
    return r.status;
  });
  check(forged === 403, `forged form refused, got ${forged}`);

  // Confirm the pending booking.
  await page.goto(url('/dashboard?view=pending'));
  const row = page.locator('.booking-row', { hasText: 'Paula Pending' });
  await row.waitFor();
  await shot(page, 'dashboard-pending');
  await Promise.all([page.waitForURL(/done=confirm/), row.locator('button', { hasText: 'Confirm' }).click()]);
  check((await text(page, '.notice')) === 'Booking confirmed.', 'confirmation notice');
  check(await page.locator('.booking-row', { hasText: 'Paula Pending' }).count() === 0, 'no longer pending');
  await page.goto(url('/dashboard?view=upcoming'));
  await page.locator('.booking-row', { hasText: 'Paula Pending' }).waitFor();
  await shot(page, 'dashboard-upcoming');

  // Edit availability: a bad time is answered next to its field; a good one changes slots.
  await page.goto(url('/dashboard/availability'));
  await page.fill('#day-mon', '25:00-26:00');
  await page.click('button.primary[type=submit]');
  check((await text(page, '#e-mon')).length > 0, 'bad Monday hours flagged at the Monday field');
  check((await page.getAttribute('#day-mon', 'aria-invalid')) === 'true', 'Monday marked invalid');
  await shot(page, 'availability-error');
  await page.fill('#day-mon', '13:00-15:00');
  await page.click('button.primary[type=submit]');
  check((await text(page, '.notice')) === 'Availability saved.', 'saved');
  await shot(page, 'availability');
  await page.goto(url(`/book/${cfg.intro}?month=${cfg.month}&tz=Europe/Berlin`));
  await pickDay(page, cfg.day);
  const first = await text(page, '#slot-list .slot');
  check(first === cfg.expect.hostFirstSlotAfterEdit, `Monday now starts at ${cfg.expect.hostFirstSlotAfterEdit}, saw ${first}`);
  check(await page.locator('#slot-list .slot').count() === 4, 'four half-hour slots in 13:00-15:00');

  // Date override on the calendar, by keyboard: that Monday gets its own hours.
  await page.goto(url(`/dashboard/availability?month=${cfg.month}`));
  const dayLink = page.locator(`table.month.overrides a.day[data-date="${cfg.day}"]`);
  await dayLink.focus();
  if (cfg.nextDayMonth === cfg.month) {
    await page.keyboard.press('ArrowRight');
    const moved = await page.evaluate(() => document.activeElement.dataset.date);
    check(moved === cfg.nextDay, `arrow right moves to the next day, saw ${moved}`);
    await page.keyboard.press('ArrowLeft');
  }
  await Promise.all([page.waitForURL(/day=/), page.keyboard.press('Enter')]);
  check((await text(page, '#editor-day')).length > 0, 'the chosen day opens its editor');
  await page.fill('#override-windows', '16:00-15:00');
  check(await page.isChecked('#mode-hours'), 'typing hours picks custom hours');
  await page.click('#override-save');
  check((await text(page, '#e-override_windows')).length > 0, 'bad override hours flagged at their field');
  check((await page.getAttribute('#override-windows', 'aria-invalid')) === 'true', 'override hours marked invalid');
  await page.fill('#override-windows', '14:00-15:00');
  await Promise.all([page.waitForURL(/saved=override/), page.click('#override-save')]);
  check((await text(page, '.notice')) === 'Date override saved.', 'override saved');
  check(await page.locator(`a.day.custom[data-date="${cfg.day}"]`).count() === 1, 'the day is marked on the calendar');
  await shot(page, 'availability-overrides');
  await page.goto(url(`/book/${cfg.intro}?month=${cfg.month}&tz=Europe/Berlin`));
  await pickDay(page, cfg.day);
  const overridden = await text(page, '#slot-list .slot');
  check(overridden === '14:00', `the override's hours apply, saw ${overridden}`);
  check(await page.locator('#slot-list .slot').count() === 2, 'two half-hour slots in 14:00-15:00');

  // Event types: create (the server names a bad slug at its field), then edit.
  await page.goto(url('/dashboard/event-types/new'));
  await page.fill('#f-title', 'Quick chat');
  await page.fill('#f-slug', 'Quick Chat');
  await page.fill('#f-duration_minutes', '15');
  await page.fill('#f-questions', 'topic | Topic | select | required | Sales, Support');
  await page.click('button.primary[type=submit]');
  check((await text(page, '#e-slug')).length > 0, 'bad slug named at its field');
  await shot(page, 'event-type-form');
  await page.fill('#f-slug', 'quick-chat');
  await Promise.all([page.waitForURL(/\/dashboard\/event-types\?saved=/), page.click('button.primary[type=submit]')]);
  const quick = page.locator('.event-row', { hasText: 'Quick chat' });
  await quick.waitFor();
  await shot(page, 'event-types');
  await quick.locator('a', { hasText: 'Edit' }).click();
  check((await page.inputValue('#f-questions')).includes('topic | Topic | select | required | Sales, Support'), 'questions read back');
  await page.fill('#f-title', 'Quick chat, 15 minutes');
  await Promise.all([page.waitForURL(/saved=/), page.click('button.primary[type=submit]')]);
  await page.locator('.event-row', { hasText: 'Quick chat, 15 minutes' }).waitFor();

  // Branding: a light colour gets dark text on buttons; then back to teal.
  await page.goto(url('/dashboard/settings'));
  await page.fill('#f-brand_color', 'yellowish');
  await page.click('form[action="/dashboard/settings/branding"] button[type=submit]');
  check((await text(page, '#e-branding_brand_color')).length > 0, 'bad colour named at its field');
  await page.fill('#f-brand_color', '#ffd54f');
  await page.click('form[action="/dashboard/settings/branding"] button[type=submit]');
  check((await text(page, '.notice')) === 'Branding saved.', 'branding saved');
  await page.goto(url(`/book/${cfg.intro}?month=${cfg.month}`));
  await pickDay(page, cfg.day);
  await page.locator('#slot-list .slot').first().click();
  const onButton = await page.evaluate(() => getComputedStyle(document.getElementById('book-submit')).color);
  check(onButton === 'rgb(0, 0, 0)', `black text on a yellow button, saw ${onButton}`);
  await page.goto(url('/dashboard/settings'));
  await page.fill('#f-brand_color', '#0f766e');
  await page.click('form[action="/dashboard/settings/branding"] button[type=submit]');

  // API keys: shown once, then revoked.
  await page.fill('#f-key_name', 'Reporting');
  await page.click('form[action="/dashboard/settings/api-keys"] button[type=submit]');
  check((await page.inputValue('#new-key')).startsWith('rdv_'), 'new key shown once');
  await shot(page, 'settings');
  const keyRow = page.locator('table.keys tr', { hasText: 'Reporting' });
  await Promise.all([page.waitForURL(/\/dashboard\/settings$/), keyRow.locator('button', { hasText: 'Revoke' }).click()]);
  check((await text(page, 'table.keys')).includes('revoked'), 'key revoked');

  // The organization's pages, for an admin: everyone's bookings, a team, routing, webhooks.
  await page.goto(url('/dashboard?view=upcoming&scope=all'));
  await page.locator('.booking-row .host').first().waitFor();
  await shot(page, 'dashboard-everyone');
  await page.goto(url('/dashboard/teams'));
  await page.fill('#f-name', 'Sales');
  await page.fill('#f-slug', 'sales');
  await Promise.all([page.waitForURL(/\/dashboard\/teams\/[0-9a-f-]+$/), page.click('button.primary[type=submit]')]);
  await page.selectOption('#f-member', { index: 1 });
  await page.selectOption('#f-role', 'lead');
  await page.click('form[action$="/members"] button[type=submit]');
  await page.locator('.member-row').first().waitFor();
  check((await text(page, '.member-row')).includes('lead'), 'the member leads the team');
  await shot(page, 'team');
  await page.goto(url(`/dashboard/routing-forms/${cfg.routingForm}`));
  check((await page.inputValue('#f-rules')).includes('size > 10 -> event'), 'the routing rule reads back as a line');
  await shot(page, 'routing-form-editor');
  await page.goto(url('/dashboard/webhooks'));
  await shot(page, 'webhooks');

  // Resources: add a room, find it free on a Tuesday morning, reserve it.
  await page.goto(url('/dashboard/resources'));
  await page.fill('#f-name', 'Room Ada');
  await page.fill('#f-capacity', '1');
  await page.fill('#f-location', 'Building A, floor 2');
  await page.click('form[action="/dashboard/resources"][method=post] button[type=submit]');
  check((await text(page, '.notice')).includes('Room Ada added'), 'the new room is confirmed');
  // A Tuesday at least a week ahead (getDay: 0 is Sunday), when the room is open.
  const tuesday = new Date();
  tuesday.setDate(tuesday.getDate() + 7 + ((9 - tuesday.getDay()) % 7));
  await page.fill('#f-date', tuesday.toISOString().slice(0, 10));
  await page.fill('#f-from', '10:00');
  await page.fill('#f-to', '11:00');
  await Promise.all([page.waitForURL(/\/dashboard\/resources\?/), page.click('form.booking-filters button[type=submit]')]);
  const free = page.locator('.hits .booking-row', { hasText: 'Room Ada' });
  check((await free.innerText()).includes('free'), 'the room is free then');
  await free.locator('input[name=title]').fill('Design review');
  await free.locator('button[type=submit]').click();
  await page.locator('.notice').waitFor();
  check((await text(page, '.notice')).startsWith('Reserved'), 'the reservation is confirmed');
  await shot(page, 'resources');
  await accessible(page, 'resources');
  await page.setViewportSize({ width: 390, height: 844 });
  await shot(page, 'resources-phone');
  await accessible(page, 'resources at 390 px');
  await page.setViewportSize({ width: 1200, height: 860 });

  // Sign out ends the session.
  await page.goto(url('/dashboard'));
  await Promise.all([page.waitForURL(/\/signin$/), page.click('.signout button')]);
  await page.goto(url('/dashboard'));
  await page.waitForURL(/\/signin$/);
  await context.close();
}

// A routing form sends a big team to the intro call's booking page, which asks for slots
// with the submission (so a routed team booking offers only the chosen hosts).
async function routed(browser) {
  const context = await browser.newContext({ timezoneId: 'Europe/Berlin', locale: 'en-GB', viewport: { width: 800, height: 700 } });
  const page = await context.newPage();
  page.setDefaultTimeout(TIMEOUT);
  await page.goto(url(`/forms/${cfg.routingForm}`));
  await page.click('button[type=submit]');
  check((await text(page, '#e-a-0')).length > 0, 'the required team size is asked for at its field');
  await page.fill('input[name="a.size"]', '25');
  await shot(page, 'routing-form');
  const slots = page.waitForResponse((r) => r.url().includes('/slots?') && r.url().includes('routing_submission_id='));
  await Promise.all([page.waitForURL(/\/book\/.*routing_submission_id=/), page.click('button[type=submit]')]);
  const answer = await slots;
  check(answer.status() === 200, `routed slots answered ${answer.status()}`);
  await context.close();
}

async function main() {
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  try {
    await invitee(browser);
    await embedded(browser);
    await routed(browser);
    await host(browser);
  } finally {
    await browser.close();
  }
  console.log('browser scenarios passed');
}

main().catch((e) => {
  console.error(e && e.stack ? e.stack : e);
  process.exit(1);
});
