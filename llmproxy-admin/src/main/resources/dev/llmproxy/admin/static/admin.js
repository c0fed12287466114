// llm-proxy admin UI: the only script, loaded from this origin (the CSP forbids inline script).
// Everything works without it; it adds copy-to-clipboard buttons.
'use strict';
document.addEventListener('DOMContentLoaded', function () {
  document.querySelectorAll('button.copy[data-copy-target]').forEach(function (button) {
    button.addEventListener('click', function () {
      var target = document.getElementById(button.getAttribute('data-copy-target'));
      if (!target) { return; }
      var text = target.textContent;
      var done = function () {
        var label = button.textContent;
        button.textContent = 'Copied';
        button.setAttribute('aria-live', 'polite');
        setTimeout(function () { button.textContent = label; }, 2000);
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(done, function () { selectText(target); });
      } else {
        selectText(target);
        try { if (document.execCommand('copy')) { done(); } } catch (e) { /* selected for manual copy */ }
      }
    });
  });
  function selectText(node) {
    var range = document.createRange();
    range.selectNodeContents(node);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }
});
