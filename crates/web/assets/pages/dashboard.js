// Dashboard helpers: time zone suggestions, and copy buttons for links and keys.
(function () {
  'use strict';
  var list = document.getElementById('zones');
  if (list && Intl.supportedValuesOf) {
    var frag = document.createDocumentFragment();
    Intl.supportedValuesOf('timeZone').forEach(function (z) {
      var o = document.createElement('option');
      o.value = z;
      frag.appendChild(o);
    });
    list.appendChild(frag);
  }
  document.addEventListener('click', function (e) {
    var button = e.target.closest ? e.target.closest('button.copy') : null;
    if (!button) return;
    var source = document.getElementById(button.dataset.copy);
    var value = source.value.charAt(0) === '/' ? location.origin + source.value : source.value;
    var label = button.textContent;
    var done = function () { button.textContent = 'Copied'; setTimeout(function () { button.textContent = label; }, 2000); };
    if (navigator.clipboard) navigator.clipboard.writeText(value).then(done, function () { source.select(); });
    else { source.select(); }
  });
  // The override calendar's days are links; arrow keys move between them like a grid,
  // and typing custom hours picks "Custom hours".
  var grid = document.querySelector('table.month.overrides');
  if (grid) {
    grid.addEventListener('keydown', function (e) {
      var step = { ArrowLeft: -1, ArrowRight: 1, ArrowUp: -7, ArrowDown: 7 }[e.key];
      if (!step || !e.target.matches('a.day')) return;
      var days = Array.prototype.slice.call(grid.querySelectorAll('a.day'));
      var next = days[days.indexOf(e.target) + step];
      if (next) { next.focus(); e.preventDefault(); }
    });
  }
  var windows = document.getElementById('override-windows');
  if (windows) {
    windows.addEventListener('input', function () {
      var hours = document.getElementById('mode-hours');
      if (hours && windows.value.trim()) hours.checked = true;
    });
  }
})();
