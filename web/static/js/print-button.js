// Buttons marked data-print open the browser's print dialog (the CSP allows scripts from this origin only,
// no inline handlers). The print styles (app.css) then print the receipt alone.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
});
