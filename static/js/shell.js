// The staff shell on a narrow screen.
//
// 1. A navigation with a menu button (<button data-nav-toggle aria-controls="id">): below 720 px
//    the stylesheet folds the navigation and shows the button, which opens and closes it
//    (aria-expanded says which). Without script, css/noscript.css hides the buttons and lets the
//    links wrap, so every one stays reachable. A [data-nav-current] inside the button shows the
//    page's own link (aria-current).
// 2. Dropdown menus (<details class="menu">): an open panel is moved sideways to stay inside the
//    screen, wherever its button sits, and again when what holds it scrolls (the follow-up
//    board's columns snap into place after a tap has opened a menu in one of them).
// 3. A select that fills another field (<select data-fills="id">): choosing an option puts its
//    data-fill in that field (an invoice's balance in the payment's amount).
(function () {
  var MARGIN = 8;

  function setOpen(button, target, open) {
    button.setAttribute("aria-expanded", open ? "true" : "false");
    target.classList.toggle("open", open);
  }

  function init() {
    document.querySelectorAll("[data-nav-toggle]").forEach(function (button) {
      var target = document.getElementById(button.getAttribute("aria-controls"));
      if (!target) return;
      var current = button.querySelector("[data-nav-current]");
      var here = target.querySelector("[aria-current=page]");
      if (current && here) current.textContent = here.textContent.trim();
      button.addEventListener("click", function () {
        setOpen(button, target, button.getAttribute("aria-expanded") !== "true");
      });
      document.addEventListener("keydown", function (event) {
        if (event.key === "Escape" && button.getAttribute("aria-expanded") === "true") {
          setOpen(button, target, false);
          button.focus();
        }
      });
    });
  }

  function keepInside(panel) {
    panel.style.translate = "";
    var box = panel.getBoundingClientRect();
    var width = document.documentElement.clientWidth;
    var shift = 0;
    if (box.right > width - MARGIN) shift = width - MARGIN - box.right;
    if (box.left + shift < MARGIN) shift = MARGIN - box.left;
    if (shift) panel.style.translate = Math.round(shift) + "px 0";
  }

  // "toggle" does not bubble: listen while it passes down (capture).
  document.addEventListener(
    "toggle",
    function (event) {
      var menu = event.target;
      if (!menu.matches || !menu.matches("details.menu") || !menu.open) return;
      var panel = menu.querySelector(":scope > .menu-panel");
      if (panel) keepInside(panel);
    },
    true
  );

  function keepOpenMenusInside() {
    document.querySelectorAll("details.menu[open] > .menu-panel").forEach(keepInside);
  }

  // "scroll" does not bubble either; one move per frame, whatever scrolled.
  var moving = false;
  document.addEventListener(
    "scroll",
    function () {
      if (moving) return;
      moving = true;
      window.requestAnimationFrame(function () {
        moving = false;
        keepOpenMenusInside();
      });
    },
    true
  );

  document.addEventListener("change", function (event) {
    var select = event.target;
    if (!select.matches || !select.matches("select[data-fills]")) return;
    var option = select.options[select.selectedIndex];
    var target = document.getElementById(select.getAttribute("data-fills"));
    if (option && target && option.hasAttribute("data-fill")) target.value = option.getAttribute("data-fill");
  });

  // A menu whose actions load once it is open (htmx) changes size after "toggle": a follow-up's
  // menu on a phone, in Dutch, then reached past the screen's edge.
  document.addEventListener("htmx:afterSettle", keepOpenMenusInside);

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
