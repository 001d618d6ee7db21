/*
 * The public map of located proposals (templates/ideas/proposal_map.html).
 *
 * Reads the map settings from the `portal-map-config` JSON element ({% map_config %}) and the
 * proposals from the GeoJSON URL in the map's `data-geojson-url`. The list below the map holds the
 * same proposals, so without JavaScript nothing is missing; the map stays hidden then.
 * No inline styles, no innerHTML with data: popups are built from DOM nodes (CSP, XSS).
 */
(function () {
  "use strict";

  function format(message, values) {
    return message.replace(/%\((\w+)\)s/g, function (match, name) {
      return String(values[name]);
    });
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
    // Leaflet's popup close button carries an English label; give it the page's language.
    map.on("popupopen", function (event) {
      var button = event.popup.getElement().querySelector(".leaflet-popup-close-button");
      if (button) {
        button.setAttribute("aria-label", config.messages.closePopup);
      }
    });
    return map;
  }

  function markerIcon(config) {
    return L.icon({
      iconUrl: config.icon.url,
      iconRetinaUrl: config.icon.retinaUrl,
      shadowUrl: config.icon.shadowUrl,
      iconSize: [25, 41],
      iconAnchor: [12, 41],
      popupAnchor: [1, -34],
      shadowSize: [41, 41],
    });
  }

  function paragraph(text) {
    var element = document.createElement("p");
    element.className = "kern-body kern-body--small";
    element.textContent = text;
    return element;
  }

  function ratingText(properties, messages) {
    if (!properties.rating_count) {
      return messages.ratingNone;
    }
    var mean = properties.rating_mean.toLocaleString(document.documentElement.lang || "de", {
      minimumFractionDigits: 1,
      maximumFractionDigits: 1,
    });
    var message = properties.rating_count === 1 ? messages.ratingOne : messages.ratingMany;
    return format(message, { mean: mean, count: properties.rating_count });
  }

  function popupContent(properties, messages) {
    var content = document.createElement("div");
    var title = document.createElement("p");
    title.className = "kern-body kern-body--bold";
    var link = document.createElement("a");
    link.className = "kern-link";
    link.href = properties.url;
    link.textContent = properties.title;
    title.appendChild(link);
    content.appendChild(title);
    content.appendChild(paragraph(messages.pillar + ": " + properties.pillar));
    content.appendChild(paragraph(messages.status + ": " + properties.status_label));
    content.appendChild(paragraph(ratingText(properties, messages)));
    return content;
  }

  function showProposals(map, collection, config, status) {
    var icon = markerIcon(config);
    collection.features.forEach(function (feature) {
      var coordinates = feature.geometry.coordinates;
      var properties = feature.properties;
      L.marker([coordinates[1], coordinates[0]], { icon: icon, alt: properties.title, keyboard: true })
        .bindPopup(function () {
          return popupContent(properties, config.messages);
        })
        .addTo(map);
    });
    if (collection.truncated) {
      status.textContent = format(config.messages.truncated, {
        count: collection.features.length,
      });
    }
  }

  function init() {
    var container = document.getElementById("proposal-map");
    var configElement = document.getElementById("portal-map-config");
    if (!container || !configElement || typeof L === "undefined") {
      return;
    }
    var config = JSON.parse(configElement.textContent);
    var status = document.getElementById("proposal-map-status");
    container.hidden = false;
    var map = createBaseMap(container, config);
    fetch(container.dataset.geojsonUrl, { headers: { Accept: "application/geo+json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(response.status);
        }
        return response.json();
      })
      .then(function (collection) {
        showProposals(map, collection, config, status);
        container.dataset.markers = String(collection.features.length);
      })
      .catch(function () {
        status.textContent = config.messages.loadFailed;
      });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
