// The payment status page asks again every two seconds until the payment is settled, then
// reloads itself to show the outcome (the provider's notification may come after the browser).
(function () {
  "use strict";
  var status = document.getElementById("etat-paiement");
  var address = status && status.getAttribute("data-poll");
  if (!address) {
    return;
  }
  function poll() {
    fetch(address, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (answer) { return answer.ok ? answer.json() : null; })
      .then(function (state) {
        if (state && state.final) {
          window.location.reload();
        } else {
          window.setTimeout(poll, 2000);
        }
      })
      .catch(function () { window.setTimeout(poll, 2000); });
  }
  window.setTimeout(poll, 2000);
})();
