// The booking calendar: a month of days with free times, the times of the chosen day in the
// invitee's time zone, then the details form (booking) or a confirm button (rescheduling).
// It reads and writes through the public JSON API; the server checks everything again.
(function () {
  'use strict';
  var configEl = document.getElementById('rdv-config');
  if (!configEl) return;
  var cfg = JSON.parse(configEl.textContent);
  var $ = function (id) { return document.getElementById(id); };
  var saved = function (k) { try { return localStorage.getItem(k); } catch (e) { return null; } };
  var save = function (k, v) { try { localStorage.setItem(k, v); } catch (e) { /* private mode */ } };

  var params = new URLSearchParams(location.search);
  // A routing form sent the invitee here: its submission narrows the hosts and is booked with.
  var routed = params.get('routing_submission_id');
  if (routed && !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(routed)) routed = null;
  var browserZone = (Intl.DateTimeFormat().resolvedOptions().timeZone) || 'UTC';
  var tz = params.get('tz') || saved('rdv.tz') || cfg.timeZone || browserZone;
  if (!validZone(tz)) tz = 'UTC';
  var h12Saved = saved('rdv.h12');
  var h12 = h12Saved === null
    ? new Intl.DateTimeFormat(undefined, { hour: 'numeric' }).resolvedOptions().hour12 === true
    : h12Saved === '1';
  var duration = cfg.duration;
  var days = {};
  var selectedDate = null;
  var chosen = null;
  var idempotencyKey = null;
  var loading = 0;

  function validZone(z) {
    try { new Intl.DateTimeFormat('en', { timeZone: z }); return true; } catch (e) { return false; }
  }
  function pad(n) { return (n < 10 ? '0' : '') + n; }
  function isoDate(y, m, d) { return y + '-' + pad(m + 1) + '-' + pad(d); }
  function todayIn(zone) {
    var parts = new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(new Date());
    var get = function (t) { return parts.filter(function (p) { return p.type === t; })[0].value; };
    return get('year') + '-' + get('month') + '-' + get('day');
  }
  var today = todayIn(tz);
  var view = { y: +today.slice(0, 4), m: +today.slice(5, 7) - 1 };
  if (params.get('month') && /^\d{4}-\d{2}$/.test(params.get('month'))) {
    view = { y: +params.get('month').slice(0, 4), m: +params.get('month').slice(5, 7) - 1 };
  }

  function timeText(iso) {
    return new Intl.DateTimeFormat(undefined, { timeZone: tz, hour: 'numeric', minute: '2-digit', hour12: h12 }).format(new Date(iso));
  }
  function dayText(dateStr, long) {
    var d = new Date(dateStr + 'T12:00:00Z');
    return new Intl.DateTimeFormat(undefined, { timeZone: 'UTC', weekday: 'long', day: 'numeric', month: 'long', year: long ? 'numeric' : undefined }).format(d);
  }
  function spanText(start, end) {
    var d = new Intl.DateTimeFormat(undefined, { timeZone: tz, weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' }).format(new Date(start));
    return d + ', ' + timeText(start) + ' – ' + timeText(end);
  }

  // ----- preferences -----
  function fillZones() {
    var select = $('tz');
    if (!select) return;
    var zones = (Intl.supportedValuesOf ? Intl.supportedValuesOf('timeZone') : []).slice();
    if (zones.indexOf(tz) < 0) zones.push(tz);
    if (zones.indexOf('UTC') < 0) zones.push('UTC');
    zones.sort();
    var frag = document.createDocumentFragment();
    zones.forEach(function (z) {
      var o = document.createElement('option');
      o.value = z; o.textContent = z.replace(/_/g, ' ');
      if (z === tz) o.selected = true;
      frag.appendChild(o);
    });
    select.appendChild(frag);
    select.addEventListener('change', function () {
      tz = select.value; save('rdv.tz', tz); today = todayIn(tz); load();
      renderChosen(); renderLocalTimes();
    });
  }
  function renderClock() {
    if ($('h12')) { $('h12').setAttribute('aria-pressed', String(h12)); $('h24').setAttribute('aria-pressed', String(!h12)); }
  }
  function setClock(value) {
    h12 = value; save('rdv.h12', h12 ? '1' : '0'); renderClock(); renderSlots(); renderChosen(); renderLocalTimes();
  }

  // ----- month -----
  function monthBounds() {
    var last = new Date(Date.UTC(view.y, view.m + 1, 0)).getUTCDate();
    return { start: isoDate(view.y, view.m, 1), end: isoDate(view.y, view.m, last), last: last };
  }
  function load() {
    var b = monthBounds();
    var query = { start: b.start, end: b.end, timeZone: tz, duration: String(duration) };
    if (routed) query.routing_submission_id = routed;
    var url = cfg.slotsUrl + '?' + new URLSearchParams(query);
    var mine = ++loading;
    status('Loading times…');
    renderMonth();
    fetch(url, { headers: { Accept: 'application/json' } }).then(function (r) {
      return r.json().then(function (body) { return { ok: r.ok, body: body }; });
    }).then(function (res) {
      if (mine !== loading) return;
      days = {};
      if (!res.ok) { status(res.body.detail || 'Times could not be loaded.'); renderMonth(); return; }
      res.body.days.forEach(function (d) { if (d.slots.length) days[d.date] = d.slots; });
      var count = Object.keys(days).length;
      status(count ? '' : 'No free times this month. Try the next one.');
      renderMonth();
      renderSlots();
    }).catch(function () { if (mine === loading) status('Times could not be loaded. Check your connection.'); });
  }
  function status(text) { if ($('cal-status')) $('cal-status').textContent = text; }
  function renderMonth() {
    var body = $('month-days');
    if (!body) return;
    var b = monthBounds();
    $('month-label').textContent = new Intl.DateTimeFormat(undefined, { timeZone: 'UTC', month: 'long', year: 'numeric' }).format(new Date(Date.UTC(view.y, view.m, 15)));
    $('prev-month').disabled = b.end < today;
    var first = (new Date(Date.UTC(view.y, view.m, 1)).getUTCDay() + 6) % 7;
    body.textContent = '';
    var row = document.createElement('tr');
    for (var i = 0; i < first; i++) row.appendChild(document.createElement('td'));
    for (var d = 1; d <= b.last; d++) {
      var date = isoDate(view.y, view.m, d);
      var cell = document.createElement('td');
      var slots = days[date];
      var el;
      if (slots) {
        el = document.createElement('button');
        el.type = 'button';
        el.className = 'day';
        el.dataset.date = date;
        el.setAttribute('aria-pressed', String(date === selectedDate));
        el.setAttribute('aria-label', dayText(date) + ', ' + slots.length + (slots.length === 1 ? ' time' : ' times') + ' free');
      } else {
        el = document.createElement('span');
        el.className = 'day';
        el.setAttribute('aria-label', dayText(date) + ', no free times');
      }
      if (date === today) el.className += ' today';
      el.textContent = d;
      cell.appendChild(el);
      row.appendChild(cell);
      if ((first + d) % 7 === 0) { body.appendChild(row); row = document.createElement('tr'); }
    }
    if (row.children.length) body.appendChild(row);
  }
  function moveMonth(delta) {
    view.m += delta;
    if (view.m < 0) { view.m = 11; view.y--; }
    if (view.m > 11) { view.m = 0; view.y++; }
    load();
  }

  // Arrow keys move between the free days of the month.
  function onMonthKey(e) {
    var keys = { ArrowLeft: -1, ArrowRight: 1, ArrowUp: -7, ArrowDown: 7 };
    if (!(e.key in keys) || !e.target.dataset.date) return;
    var buttons = Array.prototype.slice.call($('month-days').querySelectorAll('button.day'));
    var i = buttons.indexOf(e.target);
    var target = e.target.dataset.date;
    var step = keys[e.key];
    var next = step > 0 ? buttons.slice(i + 1) : buttons.slice(0, i).reverse();
    var want = new Date(Date.parse(target + 'T12:00:00Z') + step * 86400000).toISOString().slice(0, 10);
    var pick = next.filter(function (b) { return step > 0 ? b.dataset.date >= want : b.dataset.date <= want; })[0];
    if (pick) { pick.focus(); e.preventDefault(); }
  }

  // ----- times -----
  function renderSlots() {
    var list = $('slot-list');
    if (!list) return;
    list.textContent = '';
    var slots = selectedDate && days[selectedDate];
    if (!selectedDate) { $('slots-heading').textContent = 'Select a day'; return; }
    $('slots-heading').textContent = dayText(selectedDate);
    if (!slots) { status('No free times that day.'); return; }
    slots.forEach(function (s) {
      var li = document.createElement('li');
      var b = document.createElement('button');
      b.type = 'button';
      b.className = 'slot';
      b.dataset.start = s.start;
      b.dataset.end = s.end;
      b.setAttribute('aria-pressed', String(!!chosen && chosen.start === s.start));
      b.textContent = timeText(s.start);
      if (cfg.seats > 1) {
        var seats = document.createElement('span');
        seats.className = 'seats';
        seats.textContent = s.seats_left + (s.seats_left === 1 ? ' seat left' : ' seats left');
        b.appendChild(seats);
      }
      li.appendChild(b);
      list.appendChild(li);
    });
  }
  function pickDay(date) {
    selectedDate = date;
    renderMonth();
    renderSlots();
    var first = $('slot-list').querySelector('button');
    if (first) first.focus();
  }
  function pickSlot(start, end) {
    chosen = { start: start, end: end };
    idempotencyKey = null;
    if (cfg.mode === 'book') {
      $('picker').hidden = true;
      $('details').hidden = false;
      renderChosen();
      $('details-heading').focus();
    } else {
      renderSlots();
      $('move-bar').hidden = false;
      $('move-error').textContent = '';
      renderChosen();
      $('move-confirm').focus();
    }
    resized();
  }
  function renderChosen() {
    if (!chosen) return;
    var text = spanText(chosen.start, chosen.end) + ' (' + tz.replace(/_/g, ' ') + ')';
    if ($('chosen-time')) $('chosen-time').textContent = text;
    if ($('move-text')) $('move-text').textContent = 'New time: ' + text;
  }
  function renderLocalTimes() {
    var when = $('when');
    if (!when || !when.dataset.start) return;
    when.textContent = spanText(when.dataset.start, when.dataset.end);
    $('when-zone').textContent = '(' + tz.replace(/_/g, ' ') + ')';
  }

  // ----- sending -----
  function post(url, body, extraHeaders) {
    var headers = { 'Content-Type': 'application/json', Accept: 'application/json' };
    Object.keys(extraHeaders || {}).forEach(function (k) { headers[k] = extraHeaders[k]; });
    return fetch(url, { method: 'POST', headers: headers, body: JSON.stringify(body), credentials: 'same-origin' })
      .then(function (r) {
        return r.text().then(function (t) {
          var parsed = {};
          try { parsed = t ? JSON.parse(t) : {}; } catch (e) { parsed = { detail: 'Unexpected answer from the server.' }; }
          return { status: r.status, ok: r.ok, body: parsed };
        });
      });
  }
  function clearErrors(form) {
    form.querySelectorAll('[data-pointer]').forEach(function (f) {
      var e = f.querySelector('.error'); if (e) e.textContent = '';
      f.querySelectorAll('input,select,textarea').forEach(function (i) { i.removeAttribute('aria-invalid'); });
    });
  }
  // Puts each error next to the field its JSON Pointer names; the rest above the button.
  function showErrors(form, errors, generalEl) {
    var general = [];
    var firstField = null;
    (errors || []).forEach(function (err) {
      var field = form.querySelector('[data-pointer="' + err.pointer.replace(/"/g, '') + '"]');
      if (!field) { general.push(err.detail); return; }
      var box = field.querySelector('.error');
      if (box) box.textContent = (box.textContent ? box.textContent + ' ' : '') + capital(err.detail) + '.';
      var input = field.querySelector('input,select,textarea');
      if (input) { input.setAttribute('aria-invalid', 'true'); if (!firstField) firstField = input; }
    });
    generalEl.textContent = general.map(capital).join('. ');
    if (firstField) firstField.focus(); else if (general.length) generalEl.focus && generalEl.focus();
  }
  function capital(s) { return s ? s.charAt(0).toUpperCase() + s.slice(1) : s; }

  // The browser's own checks as hints; the server checks again and has the last word.
  function hintErrors(form) {
    var errors = [];
    form.querySelectorAll('[data-pointer]').forEach(function (f) {
      var pointer = f.dataset.pointer;
      if (f.dataset.kind === 'multi') return;
      var input = f.querySelector('input:not([type=radio]),select,textarea');
      if (input && !input.checkValidity()) errors.push({ pointer: pointer, detail: input.validationMessage || 'please check this field' });
    });
    return errors;
  }
  function answers(form) {
    var out = {};
    form.querySelectorAll('[data-question]').forEach(function (f) {
      var key = f.dataset.question;
      var kind = f.dataset.kind;
      if (kind === 'multi') {
        var picked = Array.prototype.slice.call(f.querySelectorAll('input:checked')).map(function (i) { return i.value; });
        if (picked.length) out[key] = picked;
        return;
      }
      var input = f.querySelector('input,select,textarea');
      if (kind === 'checkbox') { if (input.checked) out[key] = true; return; }
      var v = input.value.trim();
      if (v === '') return;
      if (kind === 'number') { var n = Number(v); out[key] = isNaN(n) ? v : n; return; }
      out[key] = v;
    });
    return out;
  }
  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return String(Date.now()) + '-' + Math.random().toString(16).slice(2);
  }
  function utm() {
    var out = {};
    ['utm_source', 'utm_medium', 'utm_campaign', 'utm_term', 'utm_content'].forEach(function (k) {
      var v = params.get(k); if (v) out[k] = v;
    });
    return out;
  }
  function book(e) {
    e.preventDefault();
    var form = $('book-form');
    var errorEl = $('form-error');
    clearErrors(form);
    var hints = hintErrors(form);
    if (hints.length) { showErrors(form, hints, errorEl); return; }
    var location = form.querySelector('input[name=location]:checked');
    var body = {
      start: chosen.start,
      duration_minutes: duration,
      name: $('f-name').value,
      email: $('f-email').value.trim(),
      time_zone: tz,
      answers: answers(form),
      notes: $('f-notes').value,
      utm: utm()
    };
    if (location) body.location = Number(location.value);
    if (routed) body.routing_submission_id = routed;
    if (!idempotencyKey) idempotencyKey = newKey();
    var button = $('book-submit');
    button.disabled = true;
    post(cfg.actionUrl, body, { 'Idempotency-Key': idempotencyKey }).then(function (res) {
      button.disabled = false;
      if (res.status === 201) {
        tell({ type: 'rendezvous:booked', booking: { uid: res.body.booking.uid, start: res.body.booking.start, end: res.body.booking.end, status: res.body.booking.status } });
        window.location.href = '/manage/' + encodeURIComponent(res.body.manage_token) + '?booked=1' + (cfg.embedded ? '&embed=1' : '');
        return;
      }
      if (res.status === 422) { idempotencyKey = null; showErrors(form, res.body.errors, errorEl); return; }
      if (res.status === 409) {
        idempotencyKey = null;
        errorEl.textContent = capital(res.body.detail || 'That time cannot be booked') + '. Please pick another time.';
        load();
        return;
      }
      errorEl.textContent = capital(res.body.detail || 'Something went wrong; please try again.');
    }).catch(function () { button.disabled = false; errorEl.textContent = 'The booking could not be sent. Check your connection and try again.'; });
  }
  function move() {
    var headers = cfg.csrf ? { 'X-CSRF-Token': cfg.csrf } : {};
    var button = $('move-confirm');
    button.disabled = true;
    post(cfg.actionUrl, { start: chosen.start }, headers).then(function (res) {
      button.disabled = false;
      if (res.ok) {
        tell({ type: 'rendezvous:rescheduled', booking: { uid: res.body.uid, start: res.body.start, end: res.body.end } });
        if (cfg.doneUrl) window.location.href = cfg.doneUrl; else window.location.reload();
        return;
      }
      $('move-error').textContent = capital(res.body.detail || 'The booking could not be moved') + '.';
      if (res.status === 409) load();
    }).catch(function () { button.disabled = false; $('move-error').textContent = 'Could not reach the server. Try again.'; });
  }
  function cancel(e) {
    e.preventDefault();
    var form = $('cancel-form');
    clearErrors(form);
    var reason = $('cancel-reason').value.trim();
    $('cancel-submit').disabled = true;
    post(cfg.cancelUrl, reason ? { reason: reason } : {}).then(function (res) {
      $('cancel-submit').disabled = false;
      if (res.ok) { tell({ type: 'rendezvous:cancelled' }); window.location.reload(); return; }
      showErrors(form, res.body.errors, $('cancel-error'));
      if (!res.body.errors) $('cancel-error').textContent = capital(res.body.detail || 'Could not cancel') + '.';
    });
  }

  // ----- embedding -----
  function tell(message) {
    if (cfg.embedded && window.parent !== window) window.parent.postMessage(message, '*');
  }
  var lastHeight = 0;
  function resized() {
    if (!cfg.embedded) return;
    var h = document.documentElement.scrollHeight;
    if (h !== lastHeight) { lastHeight = h; tell({ type: 'rendezvous:resize', height: h }); }
  }

  // ----- wiring -----
  document.addEventListener('click', function (e) {
    var t = e.target.closest ? e.target.closest('button') : null;
    if (!t) return;
    if (t.classList.contains('day') && t.dataset.date) pickDay(t.dataset.date);
    else if (t.classList.contains('slot')) pickSlot(t.dataset.start, t.dataset.end);
    else if (t.id === 'prev-month') moveMonth(-1);
    else if (t.id === 'next-month') moveMonth(1);
    else if (t.id === 'h12') setClock(true);
    else if (t.id === 'h24') setClock(false);
    else if (t.id === 'back') { $('details').hidden = true; $('picker').hidden = false; renderSlots(); var c = document.querySelector('.slot[aria-pressed=true]'); if (c) c.focus(); resized(); }
    else if (t.id === 'move-confirm') move();
    else if (t.id === 'show-reschedule' || t.id === 'show-cancel') {
      var target = $(t.getAttribute('aria-controls'));
      target.hidden = !target.hidden;
      t.setAttribute('aria-expanded', String(!target.hidden));
      if (!target.hidden) { var f = target.querySelector('textarea,button.day,h2'); if (f) f.focus(); target.scrollIntoView({ block: 'nearest' }); }
      resized();
    }
  });
  if ($('month-days')) $('month-days').addEventListener('keydown', onMonthKey);
  if ($('book-form')) $('book-form').addEventListener('submit', book);
  if ($('cancel-form')) $('cancel-form').addEventListener('submit', cancel);
  if ($('duration')) $('duration').addEventListener('change', function () { duration = Number($('duration').value); chosen = null; load(); });
  if (window.ResizeObserver && cfg.embedded) new ResizeObserver(resized).observe(document.documentElement);
  fillZones();
  renderClock();
  renderLocalTimes();
  if ($('month-days')) load();
  resized();
})();
