// A "Copy" button next to a read-only field: <button data-copy="field-id" data-copied-label="Copied">.
// Without clipboard access (an old browser, plain http) the field's text is selected instead.
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-copy]");
  if (!button) return;
  var field = document.getElementById(button.getAttribute("data-copy"));
  if (!field) return;
  field.focus();
  field.select();
  var label = button.textContent;
  function done() {
    button.textContent = button.getAttribute("data-copied-label") || "Copied";
    setTimeout(function () { button.textContent = label; }, 2000);
  }
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(field.value).then(done, function () {});
  } else {
    try { if (document.execCommand("copy")) done(); } catch (error) { /* the text stays selected */ }
  }
});
