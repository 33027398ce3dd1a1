// Hygeia's progressive enhancement. Every page works without this file.
// - arrow keys move between the items of a requirement tree (Home/End jump to the ends);
// - forms with data-confirm ask before submitting (revoking a token);
// - a shown secret is selected on focus, ready to copy;
// - chart data tables open when printing.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  document.querySelectorAll("[data-tree]").forEach(function (tree) {
    var links = Array.prototype.slice.call(tree.querySelectorAll("li > a"));
    links.forEach(function (link, i) {
      link.addEventListener("keydown", function (event) {
        var target = null;
        if (event.key === "ArrowDown") { target = links[i + 1]; }
        else if (event.key === "ArrowUp") { target = links[i - 1]; }
        else if (event.key === "Home") { target = links[0]; }
        else if (event.key === "End") { target = links[links.length - 1]; }
        if (target) { event.preventDefault(); target.focus(); }
      });
    });
  });

  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
    });
  });

  document.querySelectorAll("input[data-select]").forEach(function (input) {
    input.addEventListener("focus", function () { input.select(); });
  });

  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("details.chart-data").forEach(function (d) { d.open = true; });
  });
})();
