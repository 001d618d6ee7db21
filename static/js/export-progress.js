// Live progress of a dossier export on its admin page. Progressive enhancement: without
// JavaScript the page shows the state it had when loaded, and a reload shows the current one.
(function () {
  "use strict";

  var panel = document.querySelector(".export-status[data-status-url]");
  if (!panel || !window.fetch) {
    return;
  }
  var url = panel.getAttribute("data-status-url");
  var state = panel.querySelector("[data-export-state]");
  var bar = panel.querySelector("progress");
  var text = panel.querySelector("[data-export-progress]");
  var initial = state ? state.textContent : "";

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.ok ? response.json() : null;
      })
      .then(function (data) {
        if (!data) {
          return;
        }
        if (bar) {
          bar.value = data.progress;
          bar.textContent = data.progress + " %";
        }
        if (text) {
          text.textContent = data.progress + " %";
        }
        if (state) {
          state.textContent = data.label;
        }
        if (data.finished) {
          // The finished page offers the files (or shows the error): load it once.
          if (data.label !== initial) {
            window.location.reload();
          }
          return;
        }
        window.setTimeout(poll, 1500);
      })
      .catch(function () {
        window.setTimeout(poll, 5000);
      });
  }

  poll();
})();
