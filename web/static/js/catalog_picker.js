// 清单 picker: a filter box narrows the grouped list of entries to those whose label or description
// holds every typed word, and the line under the list describes the chosen entry (who is responsible,
// when it is published, what it rests on). Without JavaScript the filter stays hidden and the grouped
// list works as it is.
(function () {
  var filter = document.getElementById("catalog-filter");
  var select = filter && document.getElementById(filter.getAttribute("data-filter-for"));
  var description = document.getElementById("catalog-description");
  if (!select) {
    return;
  }
  filter.classList.remove("d-none");
  var fallback = description ? description.textContent : "";

  function matches(option, words) {
    var text = (option.textContent + " " + (option.getAttribute("data-description") || "")).toLowerCase();
    return words.every(function (word) { return text.indexOf(word) !== -1; });
  }

  filter.addEventListener("input", function () {
    var words = filter.value.toLowerCase().split(/\s+/).filter(Boolean);
    Array.prototype.forEach.call(select.querySelectorAll("optgroup"), function (group) {
      var shown = 0;
      Array.prototype.forEach.call(group.querySelectorAll("option"), function (option) {
        option.hidden = !matches(option, words) && option.selected === false;
        if (!option.hidden) { shown += 1; }
      });
      group.hidden = shown === 0;
    });
  });

  select.addEventListener("change", function () {
    var option = select.options[select.selectedIndex];
    if (description) {
      description.textContent = (option && option.getAttribute("data-description")) || fallback;
    }
  });
})();
