/*
 * The Mängelmelder's maps: the public map of reports (templates/defects/report_list.html) and the
 * small map with one report's place (templates/defects/report_detail.html).
 *
 * Reads the map settings from the `portal-map-config` JSON element ({% map_config %}), the
 * texts from `defect-map-messages`, and the reports from the GeoJSON URL in the map's
 * `data-geojson-url`. The list below the map holds the same reports, so without JavaScript
 * nothing is missing; the maps stay hidden then. Markers are clustered (Leaflet.markercluster).
 * When the answer was cut at the server's limit, the map asks again for the visible part
 * whenever it is moved, so zooming in shows every report there.
 * No inline styles, no innerHTML with data: popups are built from DOM nodes (CSP, XSS).
 */
(function () {
  "use strict";

  function format(message, values) {
    return message.replace(/%\((\w+)\)s/g, function (match, name) {
      return String(values[name]);
    });
  }

  function readJSON(id) {
    var element = document.getElementById(id);
    return element ? JSON.parse(element.textContent) : null;
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

  function localDate(isoDate) {
    var parts = isoDate.split("-");
    var day = new Date(Number(parts[0]), Number(parts[1]) - 1, Number(parts[2]));
    return day.toLocaleDateString(document.documentElement.lang || "de", {
      day: "numeric",
      month: "long",
      year: "numeric",
    });
  }

  function popupContent(properties, messages) {
    var content = document.createElement("div");
    var title = document.createElement("p");
    title.className = "kern-body kern-body--bold";
    var link = document.createElement("a");
    link.className = "kern-link";
    link.href = properties.url;
    link.textContent = properties.reference + ": " + properties.category;
    title.appendChild(link);
    content.appendChild(title);
    content.appendChild(paragraph(messages.status + ": " + properties.status));
    content.appendChild(paragraph(messages.reported + ": " + localDate(properties.date)));
    return content;
  }

  // Cluster icons are buttons for the keyboard too; they say what they hold, not just a number.
  function clusterIcon(messages) {
    return function (cluster) {
      var count = cluster.getChildCount();
      var size = count < 10 ? "small" : count < 100 ? "medium" : "large";
      var inner = document.createElement("div");
      var number = document.createElement("span");
      number.textContent = String(count);
      number.setAttribute("aria-hidden", "true");
      var label = document.createElement("span");
      label.className = "kern-sr-only";
      label.textContent = format(messages.cluster, { count: count });
      inner.appendChild(number);
      inner.appendChild(label);
      return L.divIcon({
        html: inner,
        className: "marker-cluster marker-cluster-" + size,
        iconSize: L.point(40, 40),
      });
    };
  }

  function showReports(layer, collection, config, messages) {
    var icon = markerIcon(config);
    var markers = collection.features.map(function (feature) {
      var coordinates = feature.geometry.coordinates;
      var properties = feature.properties;
      return L.marker([coordinates[1], coordinates[0]], {
        icon: icon,
        alt: format(messages.markerAlt, properties),
        keyboard: true,
      }).bindPopup(function () {
        return popupContent(properties, messages);
      });
    });
    layer.clearLayers();
    layer.addLayers(markers);
  }

  // The visible part, rounded outwards to 0.01° (about 1 km): neighbouring views share a URL,
  // and the server's page cache answers them.
  function bboxOf(map) {
    var bounds = map.getBounds();
    var down = function (value) {
      return (Math.floor(value * 100) / 100).toFixed(2);
    };
    var up = function (value) {
      return (Math.ceil(value * 100) / 100).toFixed(2);
    };
    return [
      down(Math.max(bounds.getWest(), -180)),
      down(Math.max(bounds.getSouth(), -90)),
      up(Math.min(bounds.getEast(), 180)),
      up(Math.min(bounds.getNorth(), 90)),
    ].join(",");
  }

  function withBbox(url, bbox) {
    return url + (url.indexOf("?") === -1 ? "?" : "&") + "bbox=" + bbox;
  }

  function load(url) {
    return fetch(url, { headers: { Accept: "application/geo+json" } }).then(function (response) {
      if (!response.ok) {
        throw new Error(response.status);
      }
      return response.json();
    });
  }

  function initReportMap(container, config, messages) {
    var status = document.getElementById("defect-map-status");
    container.hidden = false;
    var map = createBaseMap(container, config);
    var layer = L.markerClusterGroup({
      chunkedLoading: true,
      showCoverageOnHover: false,
      iconCreateFunction: clusterIcon(messages),
    }).addTo(map);
    var url = container.dataset.geojsonUrl;
    var requested = null;

    function show(collection) {
      showReports(layer, collection, config, messages);
      container.dataset.markers = String(collection.features.length);
      status.textContent = collection.truncated
        ? format(messages.truncated, { count: collection.features.length })
        : "";
      return collection;
    }

    function failed() {
      status.textContent = messages.loadFailed;
    }

    load(url)
      .then(show)
      .then(function (collection) {
        if (!collection.truncated) {
          return;
        }
        // Too many for one answer: from now on ask for the visible part only.
        var timer = null;
        map.on("moveend", function () {
          window.clearTimeout(timer);
          timer = window.setTimeout(function () {
            var bbox = bboxOf(map);
            if (bbox === requested) {
              return;
            }
            requested = bbox;
            load(withBbox(url, bbox))
              .then(function (part) {
                if (requested === bbox) {
                  show(part);
                }
              })
              .catch(failed);
          }, 250);
        });
      })
      .catch(failed);
  }

  function initPointMap(container, config, messages) {
    var latitude = Number(container.dataset.latitude);
    var longitude = Number(container.dataset.longitude);
    if (!isFinite(latitude) || !isFinite(longitude)) {
      return;
    }
    container.hidden = false;
    var map = createBaseMap(container, config);
    L.marker([latitude, longitude], {
      icon: markerIcon(config),
      alt: container.dataset.label || messages.pointLabel,
      keyboard: false,
      interactive: false,
    }).addTo(map);
    map.setView([latitude, longitude], 17);
    container.dataset.ready = "true";
  }

  function init() {
    var config = readJSON("portal-map-config");
    if (!config || typeof L === "undefined") {
      return;
    }
    var messages = readJSON("defect-map-messages") || {};
    var reportMap = document.getElementById("defect-map");
    if (reportMap && typeof L.markerClusterGroup === "function") {
      initReportMap(reportMap, config, messages);
    }
    var pointMap = document.getElementById("defect-point-map");
    if (pointMap) {
      initPointMap(pointMap, config, messages);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
