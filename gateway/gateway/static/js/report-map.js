/* The report form's map: place the problem by touching the map or dragging the marker
   (latitude and longitude fields follow, the nearest address is proposed), and address
   suggestions while typing (a datalist). The geocoder is asked through the portal
   (/signalements/adresses, /signalements/adresse-du-point). Without JavaScript, Leaflet,
   tiles or geocoder, the form stays as it is: the citizen types the address. */
(function () {
  "use strict";

  var block = document.getElementById("report-map-block");
  var container = document.getElementById("report-map");
  var status = document.getElementById("report-map-status");
  var address = document.getElementById("field-address");
  var latitude = document.getElementById("field-latitude");
  var longitude = document.getElementById("field-longitude");
  if (!block || !container || !address || !latitude || !longitude || !window.townMap || !window.fetch) {
    return;
  }
  var UNAVAILABLE = "La recherche d'adresse est indisponible : saisissez l'adresse.";
  var suggestions = [];
  var proposed = "";
  var marker = null;
  var timer = null;

  function say(text) { status.textContent = text; }

  function decimal(value) { return value.toFixed(6).replace(".", ","); }

  function typed(field) {
    var value = parseFloat(field.value.replace(",", "."));
    return isFinite(value) ? value : null;
  }

  function lookup(url) {
    return fetch(url, { headers: { "Accept": "application/json" } }).then(function (response) {
      if (!response.ok) { throw new Error(String(response.status)); }
      return response.json();
    });
  }

  block.hidden = false;
  var map = window.townMap(container, function () {
    say("La carte n'a pas pu être affichée entièrement : vous pouvez saisir l'adresse.");
  });

  function putMarker(point) {
    if (!marker) {
      marker = L.marker(point, { draggable: true, keyboard: false, alt: "Repère du problème" });
      marker.on("dragend", function () { placed(marker.getLatLng(), true); });
      marker.addTo(map);
    } else {
      marker.setLatLng(point);
    }
  }

  function placed(point, askAddress) {
    putMarker(point);
    latitude.value = decimal(point.lat);
    longitude.value = decimal(point.lng);
    if (!askAddress) { return; }
    say("Recherche de l'adresse la plus proche…");
    var url = container.dataset.reverse + "?lat=" + point.lat + "&lon=" + point.lng;
    lookup(url).then(function (answer) {
      if (!answer.address) {
        say("Repère placé. Aucune adresse connue à proximité : indiquez un repère proche.");
        return;
      }
      if (!address.value.trim() || address.value === proposed) {
        proposed = answer.address.label;
        address.value = proposed;
      }
      say("Repère placé. Adresse la plus proche : " + answer.address.label + ".");
    }).catch(function () { say(UNAVAILABLE); });
  }

  map.on("click", function (event) { placed(event.latlng, true); });

  function fromFields() {
    var lat = typed(latitude), lon = typed(longitude);
    if (lat !== null && lon !== null && Math.abs(lat) <= 90 && Math.abs(lon) <= 180) {
      putMarker([lat, lon]);
      map.setView([lat, lon], 17);
    }
  }
  latitude.addEventListener("change", fromFields);
  longitude.addEventListener("change", fromFields);
  fromFields();

  var list = document.createElement("datalist");
  list.id = "address-suggestions";
  address.parentNode.appendChild(list);
  address.setAttribute("list", list.id);

  function chosen() {
    for (var i = 0; i < suggestions.length; i += 1) {
      if (suggestions[i].label === address.value) { return suggestions[i]; }
    }
    return null;
  }

  function suggest() {
    var query = address.value.trim();
    if (query.length < 3) { return; }
    lookup(container.dataset.search + "?q=" + encodeURIComponent(query)).then(function (answer) {
      suggestions = answer.addresses;
      list.replaceChildren.apply(list, suggestions.map(function (place) {
        var option = document.createElement("option");
        option.value = place.label;
        return option;
      }));
      var place = chosen();
      if (place) { choose(place); }
    }).catch(function () { say(UNAVAILABLE); });
  }

  function choose(place) {
    proposed = place.label;
    placed(L.latLng(place.latitude, place.longitude), false);
    map.setView([place.latitude, place.longitude], 17);
    say("Repère placé sur : " + place.label + ". Déplacez-le si besoin.");
  }

  address.addEventListener("input", function () {
    var place = chosen();
    if (place) { choose(place); return; }
    window.clearTimeout(timer);
    timer = window.setTimeout(suggest, 250);
  });
})();
