// "In danh sách" buttons: print the page (the print stylesheet keeps only the list).
document.querySelectorAll("[data-print]").forEach(function (button) {
  button.hidden = false;
  button.addEventListener("click", function () { window.print(); });
});
