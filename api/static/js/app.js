/* A little help where it matters; every page works without this file.
   - Officer: "Use my location" and need buttons that ask for the location when none is given.
   - Case manager: print, choose which results go into the print and the text, copy the text.
   - Provider: the bed stepper, and saving through the JSON API with the session and the CSRF token
     (a conflict or any failure falls back to the plain form post, which explains it). */
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content;

  // ----- officer: location --------------------------------------------------------------------
  var form = document.getElementById("nearby");
  if (form) {
    var lat = document.getElementById("lat"), lon = document.getElementById("lon");
    var near = document.getElementById("near"), status = document.getElementById("where-status");
    var locate = document.getElementById("locate");
    var pending = null;
    var locateThen = function (done) {
      if (!navigator.geolocation) { status.textContent = locate.dataset.empty; near.focus(); return; }
      navigator.geolocation.getCurrentPosition(function (pos) {
        lat.value = pos.coords.latitude.toFixed(5); lon.value = pos.coords.longitude.toFixed(5);
        near.value = ""; status.textContent = locate.dataset.located;
        if (done) { done(); }
      }, function () { status.textContent = locate.dataset.failed; near.focus(); },
      { enableHighAccuracy: false, timeout: 8000, maximumAge: 120000 });
    };
    locate.addEventListener("click", function () { locateThen(null); });
    near.addEventListener("input", function () { lat.value = ""; lon.value = ""; status.textContent = ""; });
    form.addEventListener("submit", function (e) {
      if (lat.value || near.value.trim()) { return; }
      e.preventDefault();
      if (e.submitter && e.submitter.classList.contains("place-go")) { status.textContent = locate.dataset.empty; near.focus(); return; }
      pending = e.submitter;
      locateThen(function () {
        if (pending && pending.name) {
          var h = document.createElement("input");
          h.type = "hidden"; h.name = pending.name; h.value = pending.value; form.appendChild(h);
        }
        form.submit();
      });
    });
  }

  // ----- case manager: print, pick, copy --------------------------------------------------------
  var summary = document.getElementById("summary-text");
  var rebuild = function () {
    if (!summary) { return; }
    var parts = summary.dataset.head ? [summary.dataset.head] : [];
    document.querySelectorAll(".result-list > li").forEach(function (li) {
      var box = li.querySelector(".pick-box"), card = li.querySelector(".result");
      var picked = !box || box.checked;
      li.classList.toggle("unpicked", !picked);
      var copy = box && document.querySelector('.print-list li[data-n="' + box.value + '"]');
      if (copy) { copy.classList.toggle("unpicked", !picked); }
      if (picked && card && card.dataset.summary) { parts.push(card.dataset.summary); }
    });
    summary.value = parts.join("\n\n");
  };
  document.querySelectorAll('[data-action="open-map"]').forEach(function (a) {
    a.addEventListener("click", function () { var m = document.getElementById("map"); if (m) { m.open = true; } });
  });
  document.querySelectorAll(".pick-box").forEach(function (box) { box.addEventListener("change", rebuild); });
  document.querySelectorAll('[data-action="print"]').forEach(function (b) {
    b.addEventListener("click", function () { window.print(); });
  });
  document.querySelectorAll("[data-copy]").forEach(function (b) {
    b.addEventListener("click", function () {
      var field = document.getElementById(b.dataset.copy), said = b.parentNode.querySelector(".copied");
      var done = function () { if (said) { said.textContent = said.dataset.copiedText; } };
      field.select();
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(field.value).then(done, function () { document.execCommand("copy"); done(); });
      } else { document.execCommand("copy"); done(); }
    });
  });

  // ----- referral: what goes to whom, said as the boxes are ticked -----------------------------------
  document.querySelectorAll(".consent[data-org]").forEach(function (box) {
    var item = document.querySelector('#consent-summary li[data-org="' + box.dataset.org + '"]');
    if (!item) { return; }
    var none = document.getElementById("consent-summary").dataset.none;
    var say = function () {
      var given = box.querySelector(".consent-box").checked, sees = [], withheld = [];
      box.querySelectorAll(".share-box").forEach(function (b) { (b.checked ? sees : withheld).push(b.dataset.label); });
      item.querySelector(".if-given").hidden = !given;
      item.querySelector(".if-not-given").hidden = given;
      item.querySelector(".sees").textContent = sees.length ? sees.join(", ") : none;
      item.querySelector(".withheld").textContent = withheld.join(", ");
      item.querySelector(".withheld-line").hidden = !withheld.length;
    };
    box.addEventListener("change", say);
  });

  // ----- provider: stepper and save through the API ---------------------------------------------
  document.querySelectorAll("button.step").forEach(function (b) {
    b.addEventListener("click", function () {
      var input = document.getElementById(b.getAttribute("aria-controls"));
      var n = parseInt(input.value || "0", 10) + parseInt(b.dataset.step, 10);
      input.value = Math.max(0, isNaN(n) ? 0 : n);
      input.dispatchEvent(new Event("change"));
    });
  });
  document.querySelectorAll("form.capacity-form").forEach(function (f) {
    f.addEventListener("submit", function (e) {
      var action = e.submitter ? e.submitter.value : "save";
      var num = function (name) { var v = f.elements[name].value.trim(); return v === "" ? null : parseInt(v, 10); };
      var accepting = f.elements.accepting.value;
      var body = { available: num("available") };
      if (num("maximum") !== null) { body.maximum = num("maximum"); }
      if (num("waitlist") !== null) { body.waitlist = num("waitlist"); }
      if (accepting) { body.accepting_new_clients = accepting === "yes"; }
      if (body.available !== null && isNaN(body.available)) { return; }
      e.preventDefault();
      var etag = f.elements.etag.value;
      var url = action === "confirm" ? f.dataset.confirmApi : f.dataset.api;
      var fallback = function () {
        var h = document.createElement("input");
        h.type = "hidden"; h.name = "action"; h.value = action; f.appendChild(h);
        f.submit();
      };
      fetch(url, {
        method: action === "confirm" ? "POST" : "PUT", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "If-Match": '"' + etag + '"', "X-CSRF-Token": csrf,
                   "Accept-Language": document.documentElement.lang },
        body: action === "confirm" ? undefined : JSON.stringify(body)
      }).then(function (resp) {
        if (!resp.ok) { fallback(); return null; }
        var tag = (resp.headers.get("ETag") || "").replace(/^W\//, "").replace(/"/g, "").split(":")[0];
        return resp.json().then(function (listing) {
          if (tag) { f.elements.etag.value = tag; }
          var article = f.closest(".listing");
          var text = article.querySelector('[data-role="cap-text"]');
          if (text) { text.textContent = listing.capacity.text; }
          var badge = article.querySelector('[data-role="cap-badge"]'), labels = JSON.parse(f.dataset.labels || "{}");
          if (badge && labels[listing.capacity.status]) {
            badge.textContent = labels[listing.capacity.status];
            badge.className = "badge cap-" + listing.capacity.status;
          }
          var msg = article.querySelector('[data-role="message"]');
          msg.hidden = false; msg.className = "ok"; msg.setAttribute("role", "status");
          msg.textContent = f.dataset[action === "confirm" ? "confirmedText" : "savedText"] || listing.capacity.text;
        });
      }).catch(fallback);
    });
  });
}());
