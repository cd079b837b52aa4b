// The print view's 打印 button (the page's CSP allows scripts from this origin only, no inline handlers).
document.addEventListener("DOMContentLoaded", function () {
  var button = document.getElementById("print-record");
  if (button) {
    button.addEventListener("click", function () { window.print(); });
  }
});
