/*
 * The defect report form (templates/defects/report_form.html), on top of point-picker.js:
 *
 * - Once a category is chosen and a point set, it asks the server for open reports of that
 *   category nearby (`data-nearby-url`) and lists them with an "Ich auch" link, live, in
 *   #defect-nearby. After the person has seen the answer for the current category and point,
 *   the hidden `duplicates_checked` input is set, so the server files the report without
 *   showing the same reports again on a page of their own (what happens without JavaScript).
 * - A photo larger than `data-max-photo-bytes` is taken out of its input at once, with a
 *   message, instead of being uploaded in vain.
 *
 * Texts come from data-text-* attributes (translated by the template). No inline styles, no
 * innerHTML with data (CSP, XSS).
 */
(function () {
  "use strict";

  function format(message, values) {
    return message.replace(/%\((\w+)\)s/g, function (match, name) {
      return String(values[name]);
    });
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text !== undefined) {
      node.textContent = text;
    }
    return node;
  }

  function setUpNearby(form) {
    var section = document.getElementById("defect-nearby");
    var status = document.getElementById("defect-nearby-status");
    var checked = document.getElementById("id_duplicates_checked");
    var latInput = form.elements.namedItem("latitude");
    var lonInput = form.elements.namedItem("longitude");
    if (!section || !status || !checked || !latInput || !lonInput || !window.fetch) {
      return;
    }
    var list = section.querySelector(".defect-form__nearby-list");
    var texts = section.dataset;
    var lastQuery = "";
    var latest = 0; // only the answer to the newest question counts

    function category() {
      var chosen = form.querySelector('input[name="category"]:checked');
      return chosen ? chosen.value : "";
    }

    function hide() {
      list.replaceChildren();
      section.hidden = true;
    }

    function item(report) {
      var entry = element("li", "defect-form__nearby-item");
      var title = element("p", "kern-body");
      var link = element("a", "kern-link", report.reference + " – " + report.category);
      link.href = report.url;
      title.appendChild(link);
      entry.appendChild(title);
      var facts = [
        report.status_display,
        format(texts.textDistance, { distance: report.distance_m }),
        format(texts.textSupporters, { count: report.supporter_count }),
      ];
      if (report.address) {
        facts.unshift(report.address);
      }
      entry.appendChild(element("p", "kern-body defect-form__nearby-facts", facts.join(" · ")));
      if (report.description) {
        entry.appendChild(element("p", "kern-body", report.description));
      }
      var support = element("a", "kern-btn kern-btn--secondary");
      support.href = report.support_url;
      support.setAttribute(
        "aria-label",
        format(texts.textSupportLabel, { reference: report.reference })
      );
      support.appendChild(element("span", "kern-label", texts.textSupport));
      entry.appendChild(support);
      return entry;
    }

    function show(data) {
      list.replaceChildren();
      if (!data.reports.length) {
        section.hidden = true;
        status.textContent = "";
        return;
      }
      data.reports.forEach(function (report) {
        list.appendChild(item(report));
      });
      section.hidden = false;
      var message = data.count === 1 ? texts.textFoundOne : texts.textFoundMany;
      status.textContent = format(message, { count: data.count, radius: data.radius_m });
    }

    function lookUp() {
      var chosen = category();
      var lat = parseFloat(latInput.value);
      var lon = parseFloat(lonInput.value);
      if (!chosen || !isFinite(lat) || !isFinite(lon)) {
        lastQuery = "";
        latest += 1;
        checked.value = "";
        hide();
        status.textContent = "";
        return;
      }
      var query = new URLSearchParams({
        kategorie: chosen,
        lat: lat.toFixed(6),
        lon: lon.toFixed(6),
      }).toString();
      if (query === lastQuery) {
        return;
      }
      lastQuery = query;
      checked.value = "";
      var number = (latest += 1);
      fetch(form.dataset.nearbyUrl + "?" + query, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      })
        .then(function (response) {
          if (!response.ok) {
            throw new Error(String(response.status));
          }
          return response.json();
        })
        .then(function (data) {
          if (number !== latest) {
            return;
          }
          show(data);
          checked.value = "1";
        })
        .catch(function () {
          if (number !== latest) {
            return;
          }
          lastQuery = "";
          hide();
          status.textContent = texts.textFailed;
        });
    }

    form.addEventListener("portal:pointchange", lookUp);
    form.addEventListener("change", function (event) {
      var name = event.target.name;
      if (name === "category" || name === "latitude" || name === "longitude") {
        lookUp();
      }
    });
    lookUp(); // a form shown again (with errors) may hold both already
  }

  function setUpPhotoLimit(form) {
    var maxBytes = parseInt(form.dataset.maxPhotoBytes, 10);
    var message = form.dataset.textTooLarge;
    if (!maxBytes || !message) {
      return;
    }
    form.addEventListener("change", function (event) {
      var input = event.target;
      if (input.type !== "file") {
        return;
      }
      var note = document.getElementById(input.id + "_size");
      if (note) {
        note.remove();
      }
      var file = input.files && input.files[0];
      if (!file || file.size <= maxBytes) {
        return;
      }
      input.value = "";
      note = element("div", "kern-error");
      note.id = input.id + "_size";
      note.setAttribute("role", "alert");
      note.appendChild(
        element(
          "span",
          "kern-body",
          format(message, { name: file.name, size: Math.floor(maxBytes / 1048576) })
        )
      );
      input.insertAdjacentElement("afterend", note);
    });
  }

  function init() {
    document.querySelectorAll("form[data-defect-form]").forEach(function (form) {
      setUpNearby(form);
      setUpPhotoLimit(form);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
