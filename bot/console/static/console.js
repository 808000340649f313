// Live parts of the console: the queue and the chat refresh themselves, replies are sent
// without reloading. Text from people is only ever put in the page with textContent.
(function () {
  "use strict";
  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) {
        if (r.status === 401) { window.location.href = "/login"; throw new Error("logged out"); }
        return r.json();
      });
  }

  // --- queue --------------------------------------------------------------------------------
  var queueBody = document.getElementById("queue-body");
  function claimForm(id) {
    var form = el("form");
    form.method = "post";
    form.action = "/tickets/" + encodeURIComponent(id) + "/claim";
    var token = el("input"); token.type = "hidden"; token.name = "csrf_token"; token.value = csrf;
    var button = el("button", null, "Oppakken"); button.type = "submit";
    form.appendChild(token); form.appendChild(button);
    return form;
  }
  function summaryList(pairs) {
    var dl = el("dl", "summary compact");
    pairs.forEach(function (pair) { dl.appendChild(el("dt", null, pair[0])); dl.appendChild(el("dd", null, pair[1])); });
    return dl;
  }
  function renderQueue(state) {
    var rows = document.createDocumentFragment();
    state.waiting.forEach(function (row) {
      var tr = el("tr", "p" + row.priority_level);
      tr.dataset.id = row.id;
      tr.appendChild(el("td", null, row.position));
      tr.appendChild(el("td", null, row.priority));
      tr.appendChild(el("td", null, row.waiting_minutes + " min"));
      var summary = el("td"); summary.appendChild(summaryList(row.summary)); tr.appendChild(summary);
      var action = el("td"); action.appendChild(claimForm(row.id)); tr.appendChild(action);
      rows.appendChild(tr);
    });
    if (!state.waiting.length) {
      var empty = el("tr", "empty"); var td = el("td", null, "Niemand wacht."); td.colSpan = 5;
      empty.appendChild(td); rows.appendChild(empty);
    }
    queueBody.replaceChildren(rows);
    var mine = document.getElementById("mine");
    var items = document.createDocumentFragment();
    state.mine.forEach(function (row) {
      var li = el("li"); var a = el("a", null, "Gesprek " + row.id); a.href = "/chat/" + row.id;
      li.appendChild(a); li.appendChild(document.createTextNode(" · " + row.summary[1][1] + " · " + row.channel_label + " · " + row.person)); items.appendChild(li);
    });
    if (!state.mine.length) items.appendChild(el("li", "empty", "Geen open gesprekken."));
    mine.replaceChildren(items);
    document.getElementById("updated").textContent = state.now;
    document.getElementById("chat-state").textContent = state.chat_open ? "chat open" : "chat gesloten";
  }
  if (queueBody) {
    setInterval(function () { getJSON("/api/queue").then(renderQueue).catch(function () {}); }, 3000);
  }

  // --- live chat ----------------------------------------------------------------------------
  var chat = document.getElementById("chat");
  var AUTHORS = { person: "Persoon", bot: "Bot", counsellor: "Medewerker", system: "Systeem" };
  function renderEntry(entry) {
    var li = el("li", "entry " + entry.author); li.dataset.id = entry.id;
    var meta = el("div", "meta");
    meta.appendChild(el("span", "author", AUTHORS[entry.author] + (entry.author_name ? " (" + entry.author_name + ")" : "")));
    meta.appendChild(el("time", null, entry.time));
    li.appendChild(meta);
    li.appendChild(el("div", "text", entry.text));
    if (entry.buttons && entry.buttons.length) li.appendChild(el("div", "buttons", "Knoppen: " + entry.buttons.join(" · ")));
    var u = entry.understood;
    if (u) {
      var parts = ["Bot begreep: " + (u.intent || "?") + (u.confidence !== null ? " (" + u.confidence.toFixed(2) + ")" : "")];
      if (u.concern_type) parts.push("zorg: " + u.concern_type);
      if (u.reporter_role) parts.push("rol: " + u.reporter_role);
      if (u.acute) parts.push("ACUUT");
      li.appendChild(el("div", "understood", parts.join(" · ")));
    }
    return li;
  }
  if (chat) {
    var ticket = chat.dataset.ticket, last = Number(chat.dataset.last) || 0;
    var list = document.getElementById("transcript"), errorBox = document.getElementById("chat-error");
    var polling = false;
    var poll = function () {
      if (polling) return;  // a slow answer must not be asked for (and shown) twice
      polling = true;
      getJSON("/api/tickets/" + ticket + "/transcript?after=" + last).then(function (data) {
        data.entries.forEach(function (entry) {
          if (entry.id <= last) return;
          list.appendChild(renderEntry(entry)); last = entry.id;
        });
        if (data.entries.length) list.scrollTop = list.scrollHeight;
        var windowNote = document.getElementById("reply-window");
        if (windowNote && data.window) {
          windowNote.textContent = data.window.text;
          windowNote.classList.toggle("alert", !data.window.open);
        }
        if (data.status !== "claimed") {
          document.getElementById("chat-ended").hidden = false;
          var form = document.getElementById("reply-form"); if (form) form.hidden = true;
        }
      }).catch(function () {}).then(function () { polling = false; });
    };
    setInterval(poll, 2000);
    list.scrollTop = list.scrollHeight;
    var form = document.getElementById("reply-form");
    // One id per message, kept while it is retried: the server sends a message only once.
    var pending = null;
    function newReplyId() {
      var bytes = new Uint8Array(16);
      window.crypto.getRandomValues(bytes);
      return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
    }
    if (form) {
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        var box = document.getElementById("reply-text");
        if (!pending || pending.text !== box.value) { pending = { text: box.value, id: newReplyId() }; }
        var body = new URLSearchParams({ text: box.value, reply_id: pending.id, csrf_token: csrf });
        fetch(form.action, { method: "POST", credentials: "same-origin", body: body,
                             headers: { Accept: "application/json", "X-CSRF-Token": csrf } })
          .then(function (r) { return r.json().then(function (d) { return { ok: r.ok, data: d }; }); })
          .then(function (result) {
            if (result.ok) { box.value = ""; pending = null; errorBox.hidden = true; poll(); }
            else { errorBox.textContent = result.data.error || "Versturen lukte niet."; errorBox.hidden = false; }
          })
          .catch(function () { errorBox.textContent = "Versturen lukte niet. Je tekst staat er nog."; errorBox.hidden = false; });
      });
      document.getElementById("reply-text").addEventListener("keydown", function (event) {
        if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); form.requestSubmit(); }
      });
    }
  }
})();
