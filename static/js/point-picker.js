/*
 * The point picker of the proposal form: turns
 *   <div data-point-picker data-lat-input="id_latitude" data-lon-input="id_longitude"></div>
 * into a map. A click sets (or moves) a draggable marker and fills the two number inputs,
 * typing coordinates moves the marker, "Punkt entfernen" clears both, and "Meinen Standort
 * verwenden" asks the browser for the position. Points outside the city outline are refused with
 * a message (the server refuses them too). Without JavaScript the number inputs alone work.
 *
 * Settings and texts come from the `portal-map-config` JSON element ({% map_config %}). A form
 * may override a text with a `data-message-<name>` attribute on the root (e.g.
 * `data-message-outside`, `data-message-location-denied`), since each form explains its own
 * way without the map. Whenever the point changes (set, moved, typed, removed), the root
 * dispatches a bubbling `portal:pointchange` event with `detail.lat` and `detail.lon` (numbers,
 * or null when there is no point), so a form's own script can react (the defect form looks up
 * reports nearby).
 *
 * No inline styles, no innerHTML with data (CSP, XSS).
 */
(function () {
  "use strict";

  var DECIMALS = 6;

  function format(message, values) {
    return message.replace(/%\((\w+)\)s/g, function (match, name) {
      return String(values[name]);
    });
  }

  // The outer rings of the outline as [longitude, latitude] pairs, like lohmar_portal/geo.py.
  function outerRings(boundary) {
    var features = boundary.features || [boundary];
    var rings = [];
    features.forEach(function (feature) {
      var geometry = feature.geometry || feature;
      var polygons = geometry.type === "Polygon" ? [geometry.coordinates] : geometry.coordinates;
      polygons.forEach(function (polygon) {
        rings.push(polygon[0]);
      });
    });
    return rings;
  }

  function inRing(lon, lat, ring) {
    var inside = false;
    for (var i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      var x1 = ring[j][0], y1 = ring[j][1], x2 = ring[i][0], y2 = ring[i][1];
      if (y1 > lat !== y2 > lat && lon < x1 + ((lat - y1) * (x2 - x1)) / (y2 - y1)) {
        inside = !inside;
      }
    }
    return inside;
  }

  function button(label) {
    var element = document.createElement("button");
    element.type = "button";
    element.className = "kern-btn kern-btn--secondary";
    var text = document.createElement("span");
    text.className = "kern-label";
    text.textContent = label;
    element.appendChild(text);
    return element;
  }

  function createBaseMap(container, config) {
    var map = L.map(container, { zoomControl: false, attributionControl: false });
    L.control
      .zoom({ zoomInTitle: config.messages.zoomIn, zoomOutTitle: config.messages.zoomOut })
      .addTo(map);
    L.control.attribution({ prefix: '<a href="https://leafletjs.com">Leaflet</a>' }).addTo(map);
    L.tileLayer(config.tiles.url, { attribution: config.tiles.attribution, maxZoom: 19 }).addTo(map);
    L.geoJSON(config.boundary, {
      interactive: false,
      style: { color: "#1b4f8a", weight: 2, fillOpacity: 0.04 },
    }).addTo(map);
    map.setView(config.center, config.zoom);
    map.fitBounds(config.bounds);
    return map;
  }

  // The config's texts, with the root's data-message-* attributes taking precedence.
  function textsFor(root, configMessages) {
    var messages = {};
    Object.keys(configMessages).forEach(function (key) {
      messages[key] = configMessages[key];
    });
    Object.keys(root.dataset).forEach(function (key) {
      if (key.indexOf("message") === 0 && key.length > "message".length) {
        var name = key.charAt("message".length).toLowerCase() + key.slice("message".length + 1);
        messages[name] = root.dataset[key];
      }
    });
    return messages;
  }

  function setUp(root, config) {
    var messages = textsFor(root, config.messages);
    var latInput = document.getElementById(root.dataset.latInput);
    var lonInput = document.getElementById(root.dataset.lonInput);
    if (!latInput || !lonInput) {
      return;
    }
    var rings = outerRings(config.boundary);
    var marker = null;

    root.classList.add("portal-point-picker");
    var hint = document.createElement("p");
    hint.className = "kern-hint";
    hint.textContent = messages.pickerHint;
    var container = document.createElement("div");
    container.className = "portal-map portal-map--picker";
    container.setAttribute("role", "region");
    container.setAttribute("aria-label", messages.pickerLabel);
    var status = document.createElement("p");
    status.className = "kern-body portal-map-status";
    status.setAttribute("aria-live", "polite");
    var actions = document.createElement("div");
    actions.className = "portal-point-picker__actions";
    var remove = button(messages.removePoint);
    actions.appendChild(remove);
    var locate = null;
    if ("geolocation" in navigator) {
      locate = button(messages.useLocation);
      actions.appendChild(locate);
    }
    root.append(hint, container, status, actions);

    var map = createBaseMap(container, config);
    var icon = L.icon({
      iconUrl: config.icon.url,
      iconRetinaUrl: config.icon.retinaUrl,
      shadowUrl: config.icon.shadowUrl,
      iconSize: [25, 41],
      iconAnchor: [12, 41],
      shadowSize: [41, 41],
    });

    function isInCity(lat, lon) {
      return rings.some(function (ring) {
        return inRing(lon, lat, ring);
      });
    }

    function say(message) {
      status.textContent = message;
    }

    function announce(lat, lon) {
      root.dispatchEvent(
        new CustomEvent("portal:pointchange", {
          bubbles: true,
          detail: { lat: lat, lon: lon },
        })
      );
    }

    function placeMarker(lat, lon) {
      if (marker) {
        marker.setLatLng([lat, lon]);
        return;
      }
      marker = L.marker([lat, lon], {
        icon: icon,
        alt: messages.pickerMarker,
        draggable: true,
        keyboard: true,
      }).addTo(map);
      marker.on("dragend", function () {
        var position = marker.getLatLng();
        if (!choose(position.lat, position.lng)) {
          // Back to the point the inputs still hold.
          marker.setLatLng([parseFloat(latInput.value), parseFloat(lonInput.value)]);
        }
      });
    }

    function clearMarker() {
      if (marker) {
        map.removeLayer(marker);
        marker = null;
      }
    }

    // Take a point from the map or the browser: inside the city it fills the inputs.
    function choose(lat, lon) {
      if (!isInCity(lat, lon)) {
        say(messages.outside);
        return false;
      }
      latInput.value = lat.toFixed(DECIMALS);
      lonInput.value = lon.toFixed(DECIMALS);
      placeMarker(lat, lon);
      say(format(messages.pointSet, { lat: latInput.value, lon: lonInput.value }));
      announce(parseFloat(latInput.value), parseFloat(lonInput.value));
      return true;
    }

    // Follow what is typed into the inputs; they stay as typed, the server checks them too.
    function followInputs() {
      var lat = parseFloat(latInput.value);
      var lon = parseFloat(lonInput.value);
      if (latInput.value === "" && lonInput.value === "") {
        clearMarker();
        say("");
        announce(null, null);
        return;
      }
      if (!isFinite(lat) || !isFinite(lon)) {
        clearMarker();
        announce(null, null);
        return;
      }
      if (!isInCity(lat, lon)) {
        clearMarker();
        say(messages.outside);
        announce(null, null);
        return;
      }
      placeMarker(lat, lon);
      if (!map.getBounds().contains([lat, lon])) {
        map.panTo([lat, lon]);
      }
      say("");
      announce(lat, lon);
    }

    map.on("click", function (event) {
      choose(event.latlng.lat, event.latlng.lng);
    });
    latInput.addEventListener("change", followInputs);
    lonInput.addEventListener("change", followInputs);
    remove.addEventListener("click", function () {
      latInput.value = "";
      lonInput.value = "";
      clearMarker();
      say(messages.pointRemoved);
      announce(null, null);
    });
    if (locate) {
      locate.addEventListener("click", function () {
        say(messages.locating);
        navigator.geolocation.getCurrentPosition(
          function (position) {
            if (choose(position.coords.latitude, position.coords.longitude)) {
              map.setView([position.coords.latitude, position.coords.longitude], 16);
            }
          },
          function (error) {
            // Refused by the person (or the browser's settings): say how to go on without it.
            var denied = error && error.code === 1 && messages.locationDenied;
            say(denied ? messages.locationDenied : messages.locationFailed);
          },
          { enableHighAccuracy: true, timeout: 15000 }
        );
      });
    }

    // A point already in the form (editing, or a form shown again with errors).
    var initialLat = parseFloat(latInput.value);
    var initialLon = parseFloat(lonInput.value);
    if (isFinite(initialLat) && isFinite(initialLon) && isInCity(initialLat, initialLon)) {
      placeMarker(initialLat, initialLon);
      map.setView([initialLat, initialLon], 15);
    }
  }

  function init() {
    var configElement = document.getElementById("portal-map-config");
    if (!configElement || typeof L === "undefined") {
      return;
    }
    var config = JSON.parse(configElement.textContent);
    document.querySelectorAll("[data-point-picker]").forEach(function (root) {
      setUp(root, config);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
