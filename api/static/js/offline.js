/* Without signal on the officer's pages (with the service worker, /sw.js):
   - a saved copy of the page says how old it is ("saved 40 minutes ago, beds may have changed");
   - a diversion written without signal is kept on this phone and sent when the signal is back, with its
     client key, so sending it twice (two tabs, a retry) still records it once. It is deleted from the phone
     as soon as the service has it. */
(function () {
  "use strict";
  var QUEUE = "lead-diversions-waiting";
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/sw.js").catch(function () { /* the page works without it */ });
  }

  // ----- how old a saved page is ------------------------------------------------------------------
  var savedAt = document.documentElement.getAttribute("data-saved-at");
  var banner = document.getElementById("saved-banner");
  if (savedAt && banner) {
    var minutes = Math.max(0, Math.round((Date.now() - Date.parse(savedAt)) / 60000));
    banner.textContent = (minutes === 1 ? banner.dataset.one : banner.dataset.many).replace("{n}", String(minutes));
    banner.hidden = false;
  }

  // ----- diversions written without signal ----------------------------------------------------------
  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content;
  var waiting = function () {
    try { return JSON.parse(localStorage.getItem(QUEUE) || "[]"); } catch (e) { return []; }
  };
  var keep = function (items) {
    if (items.length) { localStorage.setItem(QUEUE, JSON.stringify(items)); } else { localStorage.removeItem(QUEUE); }
    var status = document.getElementById("queue-status");
    if (status) {
      status.textContent = items.length ? status.dataset.waiting.replace("{n}", String(items.length)) : "";
      status.hidden = !items.length;
    }
  };
  var newKey = function () {
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  };
  var sending = false;
  var send = function () {
    var items = waiting();
    if (!items.length || sending || !navigator.onLine) { keep(items); return; }
    sending = true;
    var next = function (left) {
      if (!left.length) { sending = false; keep(waiting()); return; }
      var body = left[0];
      fetch("/api/v1/diversions", {method: "POST", credentials: "same-origin", body: JSON.stringify(body),
                                   headers: {"Content-Type": "application/json", "X-CSRF-Token": csrf}})
        .then(function (response) {
          if (response.ok || (response.status >= 400 && response.status < 500 && [401, 403, 408, 429].indexOf(response.status) < 0)) {
            keep(waiting().filter(function (b) { return b.client_key !== body.client_key; }));
            var sent = document.getElementById("queue-sent");
            if (sent && response.ok) { sent.hidden = false; }
          }
          next(left.slice(1));
        })
        .catch(function () { sending = false; keep(waiting()); });
    };
    next(items);
  };

  var form = document.getElementById("diversion");
  if (form) {
    var keyField = form.querySelector("input[name=client_key]");
    keyField.value = newKey();  // one key per form opened, also when the form is a saved copy
    form.addEventListener("submit", function (event) {
      if (navigator.onLine) { return; }
      event.preventDefault();
      var data = new FormData(form);
      var body = {client_key: keyField.value, type: data.get("type") || "", participant_ref: (data.get("participant_ref") || "").trim(),
                  needs: data.getAll("needs"), consent_to_contact: data.get("consent_to_contact") === "yes",
                  occurred_at: new Date().toISOString()};
      ["program", "town", "place", "note", "name", "dob"].forEach(function (name) {
        var value = (data.get(name) || "").trim();
        if (value) { body[name] = value; }
      });
      var invalid = document.getElementById("queue-invalid");
      if (!body.type || !body.participant_ref) {
        if (invalid) { invalid.hidden = false; invalid.focus(); }
        return;
      }
      if (invalid) { invalid.hidden = true; }
      var items = waiting();
      items.push(body);
      keep(items);
      form.reset();
      keyField.value = newKey();
      var queued = document.getElementById("queue-note");
      if (queued) { queued.hidden = false; queued.focus(); }
    });
  }
  window.addEventListener("online", send);
  keep(waiting());
  send();
})();
