// The service center's staff pages: small conveniences on top of forms that work without it.
// - "Antwort übernehmen" inserts a knowledge article's answer at the cursor in the reply
//   (without JavaScript the same button reloads the page with the answer in the field).
// - Ctrl+Enter (or Cmd+Enter) in a text area sends its form.
(function () {
  "use strict";

  function insertAt(textarea, text) {
    const start = textarea.selectionStart ?? textarea.value.length;
    const end = textarea.selectionEnd ?? textarea.value.length;
    const before = textarea.value.slice(0, start);
    const after = textarea.value.slice(end);
    const gap = before && !before.endsWith("\n") ? "\n\n" : "";
    textarea.value = before + gap + text + after;
    const cursor = (before + gap + text).length;
    textarea.setSelectionRange(cursor, cursor);
  }

  function setUpPicker(picker) {
    const data = document.getElementById("sc-article-answers");
    const textarea = document.getElementById(picker.dataset.target);
    const articleInput = document.getElementById(picker.dataset.articleInput);
    const select = picker.querySelector("select[name=artikel]");
    const status = picker.querySelector("[data-picker-status]");
    if (!data || !textarea || !select) {
      return;
    }
    const answers = JSON.parse(data.textContent);
    picker.addEventListener("submit", function (event) {
      if (!event.submitter || event.submitter.name !== "uebernehmen") {
        return; // a search goes to the server
      }
      const answer = answers[select.value];
      if (answer === undefined) {
        return; // not in this page's list: let the server fill it in
      }
      event.preventDefault();
      insertAt(textarea, answer);
      if (articleInput) {
        articleInput.value = select.value;
      }
      textarea.focus();
      if (status) {
        status.textContent = picker.dataset.messageInserted;
      }
    });
  }

  function setUpShortcut(form) {
    form.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && event.target.tagName === "TEXTAREA") {
        event.preventDefault();
        form.requestSubmit();
      }
    });
  }

  document.querySelectorAll("[data-article-picker]").forEach(setUpPicker);
  document.querySelectorAll("form[data-submit-shortcut]").forEach(setUpShortcut);
})();
