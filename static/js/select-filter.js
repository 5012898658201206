/* A search box for long selects (countries, time zones): every <select data-filter> gets a text box above it
   that narrows the options to those whose name or code holds what is typed, and picks the first of them.
   Without JavaScript the select is an ordinary one (typing a name's first letters still jumps to it). */
(function () {
  "use strict";

  function labelOf(select) {
    var label = select.id && document.querySelector('label[for="' + select.id + '"]');
    return label ? label.textContent.replace(/\(required\)/, "").trim() : "options";
  }

  function enhance(select) {
    if (select.dataset.filterReady) return;
    select.dataset.filterReady = "1";
    var box = document.createElement("input");
    box.type = "search";
    box.className = "select-filter";
    box.placeholder = select.dataset.filter || "Type to search";
    box.setAttribute("aria-label", "Search " + labelOf(select));
    if (select.id) box.setAttribute("aria-controls", select.id);
    box.autocomplete = "off";
    select.parentNode.insertBefore(box, select);

    box.addEventListener("input", function () {
      var query = box.value.trim().toLowerCase();
      // The option picked: the one whose code is what was typed ("us"), else the first whose name starts with
      // it, else the first that holds it anywhere.
      var first = null, firstRank = 0;
      Array.prototype.forEach.call(select.options, function (option) {
        var name = option.text.toLowerCase(), code = option.value.toLowerCase();
        var shown = !query || !option.value || (name + " " + code).indexOf(query) !== -1;
        option.hidden = !shown;
        if (!shown || !option.value || !query) return;
        var rank = code === query ? 3 : name.indexOf(query) === 0 ? 2 : 1;
        if (rank > firstRank) { first = option; firstRank = rank; }
      });
      Array.prototype.forEach.call(select.querySelectorAll("optgroup"), function (group) {
        group.hidden = !Array.prototype.some.call(group.children, function (option) { return !option.hidden; });
      });
      if (first) select.value = first.value;
    });
    // Enter in the box picks the option shown; it does not send the form half filled in.
    box.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        event.preventDefault();
        select.focus();
      }
    });
  }

  function scan(root) {
    Array.prototype.forEach.call((root || document).querySelectorAll("select[data-filter]"), enhance);
  }

  document.addEventListener("DOMContentLoaded", function () { scan(document); });
  document.addEventListener("htmx:load", function (event) { scan(event.target); });
})();
