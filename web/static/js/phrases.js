// 常用意见: a chip under an opinion box puts its phrase into the box (on a new line after what is typed),
// without sending the form. Without JavaScript the chip is a submit button whose formaction shows the page
// again with the phrase added (web/ui/items.py, phrase).
document.addEventListener("click", function (event) {
  var chip = event.target.closest ? event.target.closest("button[data-phrase-for]") : null;
  if (!chip) {
    return;
  }
  var box = document.getElementById(chip.getAttribute("data-phrase-for"));
  if (!box) {
    return;
  }
  event.preventDefault();
  var typed = box.value.replace(/\s+$/, "");
  box.value = typed ? typed + "\n" + chip.value : chip.value;
  box.focus();
});
