/* The agents' map of open reports: one marker per item of the list below it (the page's
   data, read from data- attributes: no inline script), each with a popup giving the number,
   category, status and address and a link to the report's page. Without JavaScript, Leaflet
   or tiles, the list alone stays: it has the same links. */
(function () {
  "use strict";

  var block = document.getElementById("agent-map-block");
  var container = document.getElementById("agent-map");
  var status = document.getElementById("agent-map-status");
  if (!block || !container || !window.townMap) { return; }
  var items = Array.prototype.slice.call(document.querySelectorAll("#agent-map-points li"));

  function popup(data) {
    var box = document.createElement("div");
    var link = document.createElement("a");
    link.href = data.href;
    link.textContent = data.number;
    var title = document.createElement("p");
    title.appendChild(link);
    var what = document.createElement("p");
    what.textContent = data.category + " : " + data.status;
    var where = document.createElement("p");
    where.textContent = data.address;
    box.append(title, what, where);
    return box;
  }

  var placed = items.filter(function (item) {
    return isFinite(parseFloat(item.dataset.lat)) && isFinite(parseFloat(item.dataset.lon));
  });
  var points = placed.map(function (item) {
    return [parseFloat(item.dataset.lat), parseFloat(item.dataset.lon)];
  });

  block.hidden = false;
  var map = window.townMap(container, function () {
    status.textContent = "Le fond de carte n'a pas pu être affiché : la liste ci-dessous reste complète.";
  }, points);
  placed.forEach(function (item, index) {
    var data = item.dataset;
    var label = data.number + ", " + data.category + ", " + data.status;
    L.marker(points[index], { title: label, alt: label }).bindPopup(popup(data)).addTo(map);
  });
  if (points.length) {
    status.textContent = points.length + " signalement" + (points.length > 1 ? "s" : "") + " sur la carte.";
  } else {
    status.textContent = "Aucun signalement ouvert à placer sur la carte.";
  }
}());
