// The header search box: "/" (outside a field) puts the cursor in it, Escape leaves it.
document.addEventListener("keydown", function (event) {
  var box = document.getElementById("header-search");
  if (!box) return;
  var target = event.target;
  var typing = target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName);
  if (event.key === "/" && !typing && !event.ctrlKey && !event.metaKey && !event.altKey) {
    event.preventDefault();
    box.focus();
    box.select();
  } else if (event.key === "Escape" && target === box) {
    box.blur();
  }
});
