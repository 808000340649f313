/*
 * Veilig Thuis chat widget: a chat panel that talks to Rasa's socket.io channel, the
 * "Snel weg" (quick exit) button and the chat status in the help bar.
 *
 * Privacy rules this file keeps:
 * - Nothing goes into cookies or localStorage. The session id (and the messages, so a reload
 *   shows them again) live in sessionStorage: they survive a reload in this tab only, and are
 *   gone when the tab closes, on quick exit and when the person closes the chat.
 * - Message text is never put into the page as HTML: only text nodes, <br> and links built
 *   with createElement.
 */
(function () {
  "use strict";

  var KEY_SESSION = "vt-chat-session";   // the Rasa conversation id (made by the website)
  var KEY_TOKEN = "vt-chat-token";       // the website's proof that this tab owns it
  var KEY_LOG = "vt-chat-log";           // the rendered messages (for a reload)
  var KEY_HANDOFF = "vt-chat-handoff";   // {state, position, counsellor}
  var KEY_OPEN = "vt-chat-open";         // "1" while the panel is open
  var MAX_LOG = 200;                     // messages kept for a reload
  var TYPING_TIMEOUT_MS = 15000;         // hide the typing dots if no answer came
  var FALLBACK_EXIT_URL = "https://www.google.nl/";
  var URL_PATTERN = /https?:\/\/[^\s<>"']+/g;

  var status = null;           // the answer of /api/chat-status
  var statusLoaded = null;     // a promise of it
  var socket = null;
  var confirmed = false;       // session_confirm received on the current connection
  var outbox = [];             // messages typed before the connection was ready
  var typingTimer = null;
  var ui = {};                 // the widget's elements

  // --- storage (sessionStorage only) --------------------------------------------------------
  function load(key, fallback) {
    try {
      var raw = window.sessionStorage.getItem(key);
      return raw === null ? fallback : JSON.parse(raw);
    } catch (e) {
      return fallback;
    }
  }

  function save(key, value) {
    try {
      window.sessionStorage.setItem(key, JSON.stringify(value));
    } catch (e) { /* storage full or blocked: the chat still works, a reload forgets it */ }
  }

  function forget() {
    try {
      [KEY_SESSION, KEY_TOKEN, KEY_LOG, KEY_HANDOFF, KEY_OPEN].forEach(function (key) {
        window.sessionStorage.removeItem(key);
      });
    } catch (e) { /* nothing stored */ }
  }

  function sessionId() {
    return load(KEY_SESSION, null);
  }

  // The website makes the conversation id and a token for it; Rasa lets this tab in with the
  // token only, so knowing the id alone never opens someone's chat.
  var sessionLoading = null;
  function ensureSession() {
    if (sessionId() && load(KEY_TOKEN, null)) { return Promise.resolve(true); }
    if (!sessionLoading) {
      sessionLoading = window.fetch("/api/session", { method: "POST", credentials: "omit",
                                                      cache: "no-store" })
        .then(function (response) {
          if (!response.ok) { throw new Error("status " + response.status); }
          return response.json();
        })
        .then(function (data) {
          save(KEY_SESSION, data.session_id);
          save(KEY_TOKEN, data.token);
          return true;
        })
        .catch(function () { return false; })
        .then(function (ok) { sessionLoading = null; return ok; });
    }
    return sessionLoading;
  }

  function leftBeacon() {
    var token = load(KEY_TOKEN, null);
    if (token && navigator.sendBeacon) {
      navigator.sendBeacon("/api/left", JSON.stringify({ token: token }));
    }
  }

  // --- small DOM helpers --------------------------------------------------------------------
  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text) { node.textContent = text; }
    return node;
  }

  // Text as text nodes, with <br> for line breaks and <a> for http(s) links.
  function formatText(text) {
    var fragment = document.createDocumentFragment();
    String(text).split("\n").forEach(function (line, index) {
      if (index > 0) { fragment.appendChild(document.createElement("br")); }
      var last = 0;
      line.replace(URL_PATTERN, function (match, offset) {
        var url = match.replace(/[.,;:!?)\]]+$/, "");  // "zie https://x.nl." ends the link before "."
        if (offset > last) { fragment.appendChild(document.createTextNode(line.slice(last, offset))); }
        var link = el("a", null, url);
        link.href = url;
        link.target = "_blank";
        link.rel = "noopener noreferrer";
        fragment.appendChild(link);
        last = offset + url.length;
        return match;
      });
      if (last < line.length) { fragment.appendChild(document.createTextNode(line.slice(last))); }
    });
    return fragment;
  }

  // --- the help bar: chat status ------------------------------------------------------------
  function loadStatus() {
    statusLoaded = window.fetch("/api/chat-status", { credentials: "omit", cache: "no-store" })
      .then(function (response) {
        if (!response.ok) { throw new Error("status " + response.status); }
        return response.json();
      })
      .then(function (data) {
        status = data;
        showStatus();
        return data;
      })
      .catch(function () {
        var line = document.getElementById("vt-chat-status");
        if (line) {
          line.dataset.state = "unknown";
          line.textContent = "Chat met een medewerker: kon niet laden. Bellen kan altijd.";
        }
        return null;
      });
    return statusLoaded;
  }

  function statusText() {
    if (status.open && status.accepts_handoff) {
      return "Chat met een medewerker: nu open";
    }
    if (status.open) {
      return "Chat met een medewerker: sluit bijna. Bel gerust " + status.phone + ".";
    }
    return "Chat met een medewerker: nu gesloten" +
      (status.next_opening ? ". Weer open " + status.next_opening + "." : ".");
  }

  function showStatus() {
    var line = document.getElementById("vt-chat-status");
    if (line) {
      line.dataset.state = status.open ? "open" : "closed";
      line.textContent = statusText();
    }
    if (ui.intro) { renderIntro(); }
  }

  // --- quick exit ---------------------------------------------------------------------------
  function quickExit(event) {
    if (event) { event.preventDefault(); }
    document.documentElement.classList.add("vt-leaving");  // hide the page at once
    leftBeacon();
    try { window.sessionStorage.clear(); } catch (e) { /* nothing to clear */ }
    if (socket) {
      socket.disconnect();
      socket = null;
    }
    // replace(), not assign(): the Back button must not lead back to this page.
    window.location.replace((status && status.quick_exit_url) || FALLBACK_EXIT_URL);
  }

  // --- the widget's elements ----------------------------------------------------------------
  function build() {
    ui.launcher = el("button", "vt-launcher");
    ui.launcher.type = "button";
    ui.launcher.id = "vt-launcher";
    ui.launcher.setAttribute("aria-expanded", "false");
    ui.launcher.setAttribute("aria-controls", "vt-panel");
    ui.launcher.appendChild(el("span", "vt-launcher-icon")).setAttribute("aria-hidden", "true");
    ui.launcher.appendChild(el("span", null, "Chat met ons"));
    ui.unread = el("span", "vt-unread", " (nieuw bericht)");
    ui.unread.hidden = true;
    ui.launcher.appendChild(ui.unread);

    ui.panel = el("section", "vt-panel");
    ui.panel.id = "vt-panel";
    ui.panel.hidden = true;
    ui.panel.setAttribute("aria-labelledby", "vt-panel-title");

    var header = el("div", "vt-header");
    var titleRow = el("div", "vt-title-row");
    var title = el("h2", "vt-title", "Chat met Veilig Thuis");
    title.id = "vt-panel-title";
    titleRow.appendChild(title);
    var tools = el("div", "vt-tools");
    ui.exit = el("button", "vt-tool vt-exit", "Snel weg");
    ui.exit.type = "button";
    ui.exit.setAttribute("data-vt-quick-exit", "");
    ui.minimize = el("button", "vt-tool", "Verberg");
    ui.minimize.type = "button";
    ui.minimize.title = "Verberg de chat. Het gesprek blijft bewaard in dit tabblad.";
    ui.close = el("button", "vt-tool", "Chat sluiten");
    ui.close.type = "button";
    ui.close.title = "Stop het gesprek en wis het uit dit tabblad.";
    tools.appendChild(ui.exit);
    tools.appendChild(ui.minimize);
    tools.appendChild(ui.close);
    titleRow.appendChild(tools);
    header.appendChild(titleRow);
    ui.state = el("p", "vt-state");
    ui.state.id = "vt-state";
    ui.state.setAttribute("role", "status");
    header.appendChild(ui.state);
    ui.panel.appendChild(header);

    ui.log = el("div", "vt-log");
    ui.log.id = "vt-log";
    ui.log.setAttribute("role", "log");
    ui.log.setAttribute("aria-live", "polite");
    ui.log.setAttribute("aria-label", "Berichten");
    ui.log.tabIndex = 0;  // scrollable with the keyboard
    ui.intro = el("div", "vt-intro");
    ui.log.appendChild(ui.intro);
    ui.panel.appendChild(ui.log);

    ui.typing = el("p", "vt-typing");
    ui.typing.id = "vt-typing";
    ui.typing.hidden = true;
    ui.typing.appendChild(el("span", "vt-dots")).setAttribute("aria-hidden", "true");
    ui.typing.appendChild(el("span", null, "De chatbot typt…"));
    ui.panel.appendChild(ui.typing);

    ui.form = el("form", "vt-form");
    ui.form.setAttribute("autocomplete", "off");
    var label = el("label", "vt-visually-hidden", "Jouw bericht");
    label.htmlFor = "vt-input";
    ui.input = el("input", "vt-input");
    ui.input.id = "vt-input";
    ui.input.type = "text";
    ui.input.maxLength = 1000;
    ui.input.placeholder = "Typ je bericht…";
    ui.input.setAttribute("autocomplete", "off");
    ui.send = el("button", "vt-send", "Verstuur");
    ui.send.type = "submit";
    ui.form.appendChild(label);
    ui.form.appendChild(ui.input);
    ui.form.appendChild(ui.send);
    ui.panel.appendChild(ui.form);

    document.body.appendChild(ui.launcher);
    document.body.appendChild(ui.panel);

    ui.launcher.addEventListener("click", function () { openPanel(true); });
    ui.minimize.addEventListener("click", hidePanel);
    ui.close.addEventListener("click", closeChat);
    ui.exit.addEventListener("click", quickExit);
    ui.form.addEventListener("submit", function (event) {
      event.preventDefault();
      var text = ui.input.value.trim();
      if (!text) { return; }
      ui.input.value = "";
      say(text, text);
    });
    renderIntro();
  }

  function renderIntro() {
    ui.intro.textContent = "";
    ui.intro.appendChild(el("p", null, "Hoi! Ik ben de chatbot van Veilig Thuis. Vertel in " +
      "je eigen woorden wat je zorgen maakt. Je hoeft je naam niet te zeggen."));
    ui.intro.appendChild(el("p", null, "Is er nu iemand in gevaar? Bel dan meteen 112."));
    if (status && !status.open) {
      ui.intro.appendChild(el("p", null, "Er is nu geen medewerker in de chat" +
        (status.next_opening ? " (weer open " + status.next_opening + ")" : "") +
        ". Ik kan je wel tips geven. Bellen kan altijd: " + status.phone + ", gratis."));
    }
  }

  // --- panel open / hidden / closed ---------------------------------------------------------
  function openPanel(focusInput) {
    ui.panel.hidden = false;
    ui.launcher.hidden = true;
    ui.launcher.setAttribute("aria-expanded", "true");
    ui.unread.hidden = true;
    document.documentElement.classList.add("vt-chat-open");
    save(KEY_OPEN, "1");
    connect();
    scrollDown();
    if (focusInput) { ui.input.focus(); }
  }

  function hidePanel() {
    ui.panel.hidden = true;
    ui.launcher.hidden = false;
    ui.launcher.setAttribute("aria-expanded", "false");
    document.documentElement.classList.remove("vt-chat-open");
    save(KEY_OPEN, "0");
    ui.launcher.focus();
  }

  // "Chat sluiten": stop the conversation, tell the server, forget everything.
  function closeChat() {
    leftBeacon();
    if (socket) {
      socket.disconnect();
      socket = null;
    }
    confirmed = false;
    outbox = [];
    forget();
    setTyping(false);
    Array.prototype.slice.call(ui.log.querySelectorAll(".vt-msg")).forEach(function (node) {
      node.remove();
    });
    showHandoff(null);
    hidePanel();
    forget();  // hidePanel saved KEY_OPEN
  }

  // --- the connection -----------------------------------------------------------------------
  function connect() {
    if (socket) { return; }
    if (typeof window.io !== "function") {
      showConnection("De chat kan nu niet laden. Bel gerust 0800-2000, gratis en dag en nacht.");
      return;
    }
    statusLoaded.then(function (data) {
      if (!data) {
        showConnection("De chat kan nu niet laden. Bel gerust 0800-2000, gratis en dag en nacht.");
        return null;
      }
      return ensureSession().then(function (ok) {
        if (socket) { return; }
        if (!ok) {
          showConnection("De chat kan nu niet laden. Bel gerust 0800-2000, gratis en dag en nacht.");
          return;
        }
        open(data.socket_url);
      });
    });
  }

  function open(socketUrl) {
    // websocket only: Rasa's socket.io server answers no cross-origin long-polling.
    socket = window.io(socketUrl, { transports: ["websocket"], withCredentials: false,
                                    auth: { token: load(KEY_TOKEN, "") } });
    socket.on("connect", function () {
      confirmed = false;
      socket.emit("session_request", { session_id: sessionId() });
    });
    socket.on("session_confirm", function () {
      confirmed = true;
      showConnection("");
      var waiting = outbox;
      outbox = [];
      waiting.forEach(emit);
    });
    socket.on("disconnect", function () {
      confirmed = false;
    });
    socket.on("connect_error", function (error) {
      if (socket && socket.active === false) {
        // Refused by the server: the token ran out. A new message starts a new conversation.
        socket = null;
        try { window.sessionStorage.removeItem(KEY_SESSION); } catch (e) { /* gone already */ }
        try { window.sessionStorage.removeItem(KEY_TOKEN); } catch (e) { /* gone already */ }
        showConnection("Dit gesprek is verlopen. Stuur een bericht om opnieuw te beginnen. " +
          "Bellen kan altijd: 0800-2000.");
        return;
      }
      showConnection("Geen verbinding met de chat. We proberen het opnieuw… " +
        "Bellen kan altijd: 0800-2000.");
    });
    socket.on("bot_uttered", receive);
  }

  function emit(message) {
    socket.emit("user_uttered", { message: message, session_id: sessionId() });
  }

  function showConnection(text) {
    var line = ui.panel.querySelector(".vt-connection");
    if (!text) {
      if (line) { line.remove(); }
      return;
    }
    if (!line) {
      line = el("p", "vt-connection");
      line.setAttribute("role", "alert");
      ui.panel.insertBefore(line, ui.form);
    }
    line.textContent = text;
  }

  // The person sends `message` (typed text or a button's payload), shown as `shown`.
  function say(message, shown) {
    removeChoices();
    addMessage({ who: "person", text: shown });
    var handoff = load(KEY_HANDOFF, null);
    // A counsellor types themselves, and while waiting nobody answers at once.
    if (!handoff || (handoff.state !== "waiting" && handoff.state !== "claimed")) {
      setTyping(true);
    }
    if (socket && confirmed) {
      emit(message);
    } else {
      outbox.push(message);
      connect();
    }
  }

  function receive(data) {
    if (!data || typeof data !== "object") { return; }
    if (typeof data.handoff === "string") {
      handleHandoff(data);
      return;
    }
    var choices = data.quick_replies || data.buttons || [];
    if (!data.text && !choices.length) { return; }
    setTyping(false);
    var handoff = load(KEY_HANDOFF, null);
    var who = handoff && handoff.state === "claimed" ? "counsellor" : "bot";
    addMessage({
      who: who,
      name: who === "counsellor" ? handoff.counsellor : null,
      text: data.text || "",
      choices: choices.filter(function (c) { return c && c.title && c.payload; })
        .map(function (c) { return { title: String(c.title), payload: String(c.payload) }; })
    });
  }

  // --- handoff states -----------------------------------------------------------------------
  function handleHandoff(data) {
    var state = {
      state: data.handoff,
      position: typeof data.position === "number" ? data.position : null,
      counsellor: typeof data.counsellor === "string" && data.counsellor ? data.counsellor
        : "een medewerker"
    };
    var before = load(KEY_HANDOFF, null);
    if (state.state === "ended" && before && before.counsellor) {
      state.counsellor = before.counsellor;  // "Het gesprek met Anna is afgesloten"
      relabelLastAsBot();
    }
    setTyping(false);
    save(KEY_HANDOFF, state);
    showHandoff(state);
  }

  function handoffText(h) {
    switch (h.state) {
      case "waiting":
        return "Je wacht op een medewerker" +
          (h.position ? ". Je bent nummer " + h.position + " in de wachtrij." : ".");
      case "claimed":
        return "Je praat nu met " + h.counsellor + ", een medewerker van Veilig Thuis.";
      case "ended":
        return "Het gesprek met " + h.counsellor + " is afgesloten. Je praat weer met de chatbot.";
      case "not_picked_up":
        return "Er was geen medewerker vrij. Je praat weer met de chatbot.";
      case "withdrawn":
        return "Je wacht niet meer. Je praat weer met de chatbot.";
      default:
        return "";
    }
  }

  function showHandoff(h) {
    var text = h ? handoffText(h) : "";
    ui.panel.dataset.handoff = h ? h.state : "bot";
    ui.state.textContent = text || "Je chat met de chatbot van Veilig Thuis.";
  }

  // The server sends the closing message just before the "ended" signal, so it arrived while
  // the counsellor was still in the chat; it is the service's message, not the counsellor's.
  function relabelLastAsBot() {
    var log = load(KEY_LOG, []);
    var last = log[log.length - 1];
    var node = ui.log.lastElementChild;
    if (!last || last.who !== "counsellor" || !node) { return; }
    last.who = "bot";
    delete last.name;
    save(KEY_LOG, log);
    ui.log.replaceChild(renderMessage(last), node);
  }

  // --- messages -----------------------------------------------------------------------------
  function addMessage(message) {
    var log = load(KEY_LOG, []);
    log.push(message);
    if (log.length > MAX_LOG) { log = log.slice(log.length - MAX_LOG); }
    save(KEY_LOG, log);
    ui.log.appendChild(renderMessage(message));
    scrollDown();
    if (ui.panel.hidden && message.who !== "person") { ui.unread.hidden = false; }
  }

  function renderMessage(message) {
    var item = el("div", "vt-msg vt-msg-" + message.who);
    var sender = message.who === "person" ? "Jij" : message.who === "counsellor"
      ? (message.name || "Medewerker") : "Chatbot";
    var name = el("span", message.who === "counsellor" ? "vt-sender" : "vt-visually-hidden",
      sender + ": ");
    item.appendChild(name);
    var bubble = el("p", "vt-bubble");
    bubble.appendChild(formatText(message.text));
    item.appendChild(bubble);
    if (message.choices && message.choices.length) {
      var group = el("div", "vt-choices");
      group.setAttribute("role", "group");
      group.setAttribute("aria-label", "Kies een antwoord, of typ zelf iets");
      message.choices.forEach(function (choice) {
        var button = el("button", "vt-choice", choice.title);
        button.type = "button";
        button.addEventListener("click", function () {
          say(choice.payload, choice.title);
          ui.input.focus();
        });
        group.appendChild(button);
      });
      item.appendChild(group);
    }
    return item;
  }

  // Buttons answer the latest question only: once the person answered, they go.
  function removeChoices() {
    Array.prototype.slice.call(ui.log.querySelectorAll(".vt-choices")).forEach(function (node) {
      node.remove();
    });
    var log = load(KEY_LOG, []);
    log.forEach(function (message) { delete message.choices; });
    save(KEY_LOG, log);
  }

  function scrollDown() {
    ui.log.scrollTop = ui.log.scrollHeight;
  }

  function setTyping(on) {
    window.clearTimeout(typingTimer);
    ui.typing.hidden = !on;
    if (on) {
      typingTimer = window.setTimeout(function () { ui.typing.hidden = true; }, TYPING_TIMEOUT_MS);
      scrollDown();
    }
  }

  // --- start --------------------------------------------------------------------------------
  function start() {
    loadStatus();
    Array.prototype.slice.call(document.querySelectorAll("[data-vt-quick-exit]"))
      .forEach(function (button) { button.addEventListener("click", quickExit); });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" || event.key === "Esc") { quickExit(event); }
    }, true);

    build();
    // A reload in the same tab: show the conversation again and reconnect.
    load(KEY_LOG, []).forEach(function (message) { ui.log.appendChild(renderMessage(message)); });
    showHandoff(load(KEY_HANDOFF, null));
    if (sessionId()) {
      connect();  // also while the panel is hidden: a counsellor may write
      if (load(KEY_OPEN, "0") === "1") { openPanel(false); }
    }
  }

  // For tests and for pages that want to render a message the same way.
  window.vtChatWidget = { formatText: formatText, quickExit: quickExit };

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
