/* "Utiliser ma position": fills latitude and longitude from the browser's geolocation.
   The button stays hidden without JavaScript or geolocation; the form works without it. */
(function () {
  "use strict";

  var button = document.getElementById("use-position");
  var status = document.getElementById("position-status");
  var latitude = document.getElementById("field-latitude");
  var longitude = document.getElementById("field-longitude");
  if (!button || !status || !latitude || !longitude || !("geolocation" in navigator)) {
    return;
  }

  function decimal(value) {
    return value.toFixed(6).replace(".", ",");
  }

  function found(position) {
    latitude.value = decimal(position.coords.latitude);
    longitude.value = decimal(position.coords.longitude);
    latitude.dispatchEvent(new Event("change"));  /* the map, when shown, follows */
    button.disabled = false;
    status.textContent = "Position ajoutée : latitude " + latitude.value +
      ", longitude " + longitude.value + ". Vérifiez aussi l'adresse.";
  }

  function failed(error) {
    button.disabled = false;
    status.textContent = error.code === error.PERMISSION_DENIED
      ? "Vous n'avez pas autorisé l'accès à votre position : indiquez l'adresse."
      : "Votre position n'a pas pu être trouvée : indiquez l'adresse.";
  }

  button.hidden = false;
  button.addEventListener("click", function () {
    button.disabled = true;
    status.textContent = "Recherche de votre position…";
    navigator.geolocation.getCurrentPosition(found, failed, {
      enableHighAccuracy: true,
      timeout: 15000,
      maximumAge: 60000
    });
  });
})();
