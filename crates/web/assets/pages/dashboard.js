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
})();
