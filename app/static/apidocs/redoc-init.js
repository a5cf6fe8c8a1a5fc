// Starts ReDoc on /redoc; its injected <style> elements carry the page's CSP nonce.
// Search is off: it would need a worker from a blob: URL, which the CSP refuses.
(function () {
  "use strict";
  var element = document.getElementById("redoc");
  Redoc.init(element.dataset.url, {nonce: element.dataset.nonce, disableSearch: true},
             element);
})();
