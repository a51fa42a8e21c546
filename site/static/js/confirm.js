// Forms marked data-confirm="…" ask before they are sent (取り下げ, 取消): instead of inline
// onsubmit handlers, which the Content-Security-Policy does not run.
document.addEventListener("submit", function (event) {
  var message = event.target.getAttribute("data-confirm");
  if (message && !window.confirm(message)) event.preventDefault();
});
