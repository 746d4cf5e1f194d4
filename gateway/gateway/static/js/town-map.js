/* What the portal's maps share (the report form's, the agents'): Leaflet centred on the town,
   zoom buttons labelled in French, the tiles of the container's data-tiles and
   data-attribution, and onTileError called once, at the first tile that fails. With points
   ([lat, lon] pairs) the map fits them before any tile is asked for. Loaded after
   leaflet.js and before the page's own script (all deferred, so in this order). */
(function () {
  "use strict";
  if (!window.L) { return; }

  window.townMap = function (container, onTileError, points) {
    var map = L.map(container, { center: [45.7953, 4.8467], zoom: 14 });
    map.zoomControl.getContainer().querySelectorAll("a").forEach(function (link) {
      var label = link.classList.contains("leaflet-control-zoom-in") ? "Zoomer" : "Dézoomer";
      link.title = label;
      link.setAttribute("aria-label", label);
    });
    map.attributionControl.setPrefix(false);
    if (points && points.length) {
      map.fitBounds(points, { padding: [24, 24], maxZoom: 17 });
    }
    var failed = false;
    L.tileLayer(container.dataset.tiles, {
      attribution: container.dataset.attribution, maxZoom: 19, minZoom: 3
    }).on("tileerror", function () {
      if (!failed) {
        failed = true;
        onTileError();
      }
    }).addTo(map);
    return map;
  };
}());
