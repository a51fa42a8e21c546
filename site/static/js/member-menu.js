// Phone-width screens hide the members-area menu behind the three-line button.
(function () {
  var toggle = document.querySelector(".menu-toggle");
  var menu = document.getElementById("member-menu");
  if (!toggle || !menu) return;
  toggle.addEventListener("click", function () {
    var open = toggle.getAttribute("aria-expanded") === "true";
    toggle.setAttribute("aria-expanded", open ? "false" : "true");
    menu.classList.toggle("open", !open);
  });
})();
