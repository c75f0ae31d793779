// Rendezvous embed. On your site:
//   inline:  <div data-rendezvous="https://book.example/book/EVENT-ID"></div>
//   pop-up:  <button data-rendezvous-popup="https://book.example/book/EVENT-ID">Book a call</button>
//   then:    <script src="https://book.example/static/embed.js" async></script>
// The booking page runs in an iframe; it reports its height (the frame grows to fit) and
// fires `rendezvous:booked` (and `rendezvous:rescheduled`, `rendezvous:cancelled`) as DOM
// events on the element, with the booking in `event.detail`.
(function () {
  'use strict';
  var frames = [];
  function frameUrl(url) {
    var u = new URL(url, document.baseURI);
    u.searchParams.set('embed', '1');
    return u;
  }
  function makeFrame(url, owner) {
    var u = frameUrl(url);
    var iframe = document.createElement('iframe');
    iframe.src = u.href;
    iframe.title = owner.getAttribute('data-rendezvous-title') || 'Book a time';
    iframe.style.cssText = 'width:100%;border:0;min-height:480px;display:block;background:transparent';
    iframe.setAttribute('loading', 'lazy');
    frames.push({ iframe: iframe, origin: u.origin, owner: owner });
    return iframe;
  }
  function inline(el) {
    if (el.dataset.rendezvousReady) return;
    el.dataset.rendezvousReady = '1';
    el.appendChild(makeFrame(el.getAttribute('data-rendezvous'), el));
  }
  function popup(button) {
    if (button.dataset.rendezvousReady) return;
    button.dataset.rendezvousReady = '1';
    button.addEventListener('click', function (e) {
      e.preventDefault();
      var overlay = document.createElement('div');
      overlay.setAttribute('role', 'dialog');
      overlay.setAttribute('aria-modal', 'true');
      overlay.setAttribute('aria-label', button.getAttribute('data-rendezvous-title') || 'Book a time');
      overlay.style.cssText = 'position:fixed;inset:0;background:rgba(15,20,30,.6);z-index:2147483000;display:flex;align-items:flex-start;justify-content:center;overflow:auto;padding:2rem .5rem';
      var box = document.createElement('div');
      box.style.cssText = 'background:#f4f6f9;border-radius:10px;width:100%;max-width:1040px;position:relative';
      var close = document.createElement('button');
      close.type = 'button';
      close.textContent = '×';
      close.setAttribute('aria-label', 'Close');
      close.style.cssText = 'position:absolute;top:.25rem;right:.5rem;font-size:1.8rem;background:none;border:0;cursor:pointer;color:#1b1f24;z-index:1';
      var frame = makeFrame(button.getAttribute('data-rendezvous-popup'), button);
      function shut() {
        overlay.remove();
        frames = frames.filter(function (f) { return f.iframe !== frame; });
        document.removeEventListener('keydown', onKey);
        button.focus();
      }
      function onKey(k) { if (k.key === 'Escape') shut(); }
      close.addEventListener('click', shut);
      overlay.addEventListener('click', function (ev) { if (ev.target === overlay) shut(); });
      document.addEventListener('keydown', onKey);
      box.appendChild(close);
      box.appendChild(frame);
      overlay.appendChild(box);
      document.body.appendChild(overlay);
      close.focus();
    });
  }
  window.addEventListener('message', function (e) {
    var source = frames.filter(function (f) { return f.iframe.contentWindow === e.source && f.origin === e.origin; })[0];
    if (!source || !e.data || typeof e.data.type !== 'string') return;
    if (e.data.type === 'rendezvous:resize' && typeof e.data.height === 'number') {
      source.iframe.style.height = Math.min(Math.max(e.data.height, 200), 5000) + 'px';
      return;
    }
    source.owner.dispatchEvent(new CustomEvent(e.data.type, { bubbles: true, detail: e.data.booking || null }));
  });
  function scan() {
    document.querySelectorAll('[data-rendezvous]').forEach(inline);
    document.querySelectorAll('[data-rendezvous-popup]').forEach(popup);
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', scan); else scan();
})();
