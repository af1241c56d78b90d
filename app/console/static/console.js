/* BacaQuest staff console: small progressive enhancements; every page works without it.
   - forms with data-check: ask the server (the API's own rules) while staff type
   - forms with data-preview: refresh the share-card image and texts while staff type
   - checkboxes with data-select-all: select every row of their form */
(function () {
  "use strict";
  var meta = document.querySelector('meta[name="csrf-token"]');
  var csrf = meta ? meta.getAttribute("content") : "";

  function debounce(fn, ms) {
    var timer = null;
    return function () {
      clearTimeout(timer);
      timer = setTimeout(fn, ms);
    };
  }

  function fields(form, names) {
    var data = new FormData(form);
    var params = new URLSearchParams();
    data.forEach(function (value, key) {
      if (key === "csrf_token") return;
      if (names && names.indexOf(key) < 0) return;
      if (typeof value === "string") params.append(key, value);
    });
    return params;
  }

  function setupCheck(form) {
    var out = document.querySelector(form.getAttribute("data-check-output"));
    if (!out) return;
    var run = debounce(function () {
      var body = fields(form);
      fetch(form.getAttribute("data-check"), {
        method: "POST",
        headers: { "X-CSRF-Token": csrf, "Content-Type": "application/x-www-form-urlencoded" },
        body: body.toString(),
        credentials: "same-origin"
      })
        .then(function (r) { return r.text(); })
        .then(function (html) { out.innerHTML = html; })
        .catch(function () { /* the server checks again on submit */ });
    }, 450);
    form.addEventListener("input", run);
    form.addEventListener("change", run);
  }

  function setupPreview(form) {
    var img = document.querySelector(form.getAttribute("data-preview-img"));
    var texts = document.querySelector(form.getAttribute("data-preview-texts"));
    var names = (form.getAttribute("data-preview-fields") || "").split(" ").filter(Boolean);
    var run = debounce(function () {
      var query = fields(form, names.length ? names : null).toString();
      if (img) img.src = form.getAttribute("data-preview") + "?" + query;
      if (texts) {
        fetch(form.getAttribute("data-preview-texts-url") + "?" + query, { credentials: "same-origin" })
          .then(function (r) { return r.ok ? r.text() : null; })
          .then(function (html) { if (html !== null) texts.innerHTML = html; })
          .catch(function () {});
      }
    }, 500);
    form.addEventListener("input", run);
    form.addEventListener("change", run);
  }

  function setupSelectAll(box) {
    var form = box.form;
    box.addEventListener("change", function () {
      var items = form.querySelectorAll('input[type="checkbox"][name="' + box.getAttribute("data-select-all") + '"]');
      for (var i = 0; i < items.length; i++) items[i].checked = box.checked;
    });
  }

  document.querySelectorAll("form[data-check]").forEach(setupCheck);
  document.querySelectorAll("form[data-preview]").forEach(setupPreview);
  document.querySelectorAll("input[data-select-all]").forEach(setupSelectAll);
})();
