// Dashboard helpers: time zone suggestions for the availability form.
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
})();
