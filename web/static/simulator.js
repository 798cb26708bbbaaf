// The simulator page: send through /simulator/send, poll /simulator/messages every second.
// Every visible text comes from data-text-* attributes in templates/pages/simulator.html.
(function () {
  "use strict";
  var root = document.getElementById("sim");
  if (!root) { return; }
  var $ = function (id) { return document.getElementById(id); };
  var text = function (key) { return root.getAttribute("data-text-" + key); };
  var csrf = document.querySelector('meta[name="csrf-token"]').getAttribute("content");
  var log = $("log"), phone = $("phone"), person = $("person"), body = $("body");
  var replyTo = null, shown = "", timer = null;

  function currentPhone() { return phone.value.trim(); }

  function showError(key) {
    var box = $("error");
    if (!key) { box.hidden = true; box.textContent = ""; return; }
    box.textContent = text("error-" + key) || text("error-other");
    box.hidden = false;
  }

  function linkify(node, value) {
    var parts = value.split(/(https?:\/\/[^\s]+)/g);
    parts.forEach(function (part, i) {
      if (i % 2 === 1) {
        var a = document.createElement("a");
        a.href = part; a.textContent = part; a.target = "_blank"; a.rel = "noopener";
        node.appendChild(a);
      } else if (part) {
        node.appendChild(document.createTextNode(part));
      }
    });
  }

  function statusText(m) {
    if (m.direction === "in") { return ""; }
    if (m.status === "held") { return " · " + text("held"); }
    if (m.status === "dropped") { return " · " + text("dropped"); }
    if (m.status === "pending" || m.status === "sending") { return " · " + text("pending"); }
    if (m.status === "failed" || m.status === "undelivered") { return " · " + text("failed"); }
    return " · " + text("sent");
  }

  function bubble(m) {
    var div = document.createElement("div");
    div.className = "bubble " + (m.direction === "in" ? "in" : "out");
    div.setAttribute("data-id", m.id);
    if (m.quoted) {
      var q = document.createElement("span");
      q.className = "quote"; q.textContent = m.quoted; div.appendChild(q);
    }
    linkify(div, m.body);
    m.media.forEach(function (item) { div.appendChild(attachment(item)); });
    if (m.location) {
      div.appendChild(document.createTextNode("\n[" + text("location") + ": " +
        m.location[0] + ", " + m.location[1] + "]"));
    }
    var meta = document.createElement("span");
    meta.className = "meta"; meta.textContent = m.at + statusText(m);
    div.appendChild(meta);
    if (m.direction === "out" && m.sid) {
      div.title = text("replying");
      div.addEventListener("click", function (event) {
        if (event.target.closest("a")) { return; }
        setReply(m.sid, m.body);
      });
    }
    return div;
  }

  // A stored photo shows itself (opening the full file); a PDF is a link; else its state.
  function attachment(item) {
    var box = document.createElement("span");
    box.className = "attachment";
    if (!item.url) {
      box.textContent = "[" + (text("media-" + (item.reason === "size" ? "size" : item.status))
        || text("media-refused")) + "]";
      return box;
    }
    var a = document.createElement("a");
    a.href = item.url; a.target = "_blank"; a.rel = "noopener";
    if (item.content_type.indexOf("image/") === 0) {
      var img = document.createElement("img");
      img.src = item.url; img.alt = text("photo");
      a.appendChild(img);
    } else {
      a.textContent = "[" + text("document") + "]";
    }
    box.appendChild(a);
    return box;
  }

  function setReply(sid, snippet) {
    replyTo = sid;
    var box = $("replying");
    if (!sid) { box.hidden = true; box.textContent = ""; return; }
    box.textContent = text("replying") + " " + snippet.slice(0, 80) + "  ✕";
    box.hidden = false;
  }
  $("replying").addEventListener("click", function () { setReply(null); });

  function render(messages) {
    var key = JSON.stringify(messages.map(function (m) {
      return [m.id, m.status, m.media.map(function (item) { return item.status; })];
    }));
    if (key === shown) { return; }
    var atBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 40;
    shown = key;
    log.textContent = "";
    if (!messages.length) {
      var empty = document.createElement("p");
      empty.className = "empty"; empty.textContent = text("empty"); log.appendChild(empty);
    }
    messages.forEach(function (m) { log.appendChild(bubble(m)); });
    if (atBottom || messages.length) { log.scrollTop = log.scrollHeight; }
  }

  function poll() {
    var number = currentPhone();
    if (!number) { return; }
    fetch("/simulator/messages?phone=" + encodeURIComponent(number), {credentials: "same-origin"})
      .then(function (r) { return r.json(); })
      .then(function (data) {
        if (!data.messages || number !== currentPhone()) { return; }  // a stale answer
        render(data.messages);
        log.setAttribute("data-phone", number);   // loaded: tests and screen readers wait on it
      })
      .catch(function () { /* the next poll tries again */ });
  }

  function restart() {
    shown = ""; setReply(null); showError(null); log.removeAttribute("data-phone");
    $("chat-title").textContent = person.selectedOptions[0] && person.value
      ? person.selectedOptions[0].getAttribute("data-name") + " (" + currentPhone() + ")"
      : currentPhone();
    if (timer) { clearInterval(timer); }
    poll();
    timer = setInterval(poll, 1000);
  }

  function location() {
    var raw = ($("place").value === "custom" || !$("place").value) ? $("lat").value : $("place").value;
    var parts = raw.split(",").map(function (p) { return p.trim(); });
    return parts.length === 2 && parts[0] && parts[1] ? parts : [null, null];
  }

  $("compose").addEventListener("submit", function (event) {
    event.preventDefault();
    var where = location();
    var form = new FormData();
    form.append("phone", currentPhone());
    form.append("body", body.value);
    if (where[0] !== null) { form.append("latitude", where[0]); form.append("longitude", where[1]); }
    if (replyTo) { form.append("replied_sid", replyTo); }
    form.append("name", person.value ? "" : root.getAttribute("data-profile-name"));
    if ($("media").files.length) { form.append("photo", $("media").files[0]); }
    $("send").disabled = true;
    fetch("/simulator/send", {method: "POST", credentials: "same-origin",
      headers: {"X-CSRF-Token": csrf}, body: form})
      .then(function (r) {
        if (r.status === 413) { return [false, {error: "too-large"}]; }
        return r.json().then(function (d) { return [r.ok, d]; });
      })
      .then(function (result) {
        if (!result[0]) { showError(result[1].error || "other"); return; }
        showError(result[1].rate_limited ? "rate-limited" : null);
        body.value = ""; $("media").value = ""; $("place").value = ""; $("lat").value = "";
        setReply(null);
        poll();
      })
      .catch(function () { showError("other"); })
      .finally(function () { $("send").disabled = false; body.focus(); });
  });

  person.addEventListener("change", function () {
    if (person.value) { phone.value = person.value; }
    restart();
  });
  phone.addEventListener("change", function () { person.value = ""; restart(); });
  $("new-citizen").addEventListener("click", function () {
    var digits = String(Math.floor(Math.random() * 1e8)).padStart(8, "0");
    person.value = ""; phone.value = "+62857" + digits; restart();
  });
  restart();
}());
