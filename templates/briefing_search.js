// Search the briefing's own text, offline (file://): no request, no library. The index is the
// page: its rows, list items, paragraphs and headings, read once at the first search. Inlined
// by render.py, which puts this script's SHA-256 in the page's Content-Security-Policy.
(function () {
  "use strict";
  var box = document.getElementById("search");
  if (!box) return;
  var input = document.getElementById("search-input");
  var status = document.getElementById("search-status");
  var list = document.getElementById("search-results");
  var BLOCKS = "main tr, main li, main p, main dt, main dd, main caption, main figcaption, main h2, main h3, main h4, main summary";
  var SEPARATE = /^(BR|TD|TH|LI|P|DT|DD|DIV|CAPTION)$/;
  var SHOWN = 50;
  var index = null;
  var assigned = 0;

  function fold(text) {
    // Case and accents do not matter: "gutierrez" finds "Gutiérrez".
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  function squeeze(text) {
    return text.replace(/\s+/g, " ").trim();
  }

  function words(el) {
    // An element's text as read, with a space where a cell, line or paragraph ends
    // (textContent runs "myelitis<br>Critical" together).
    var parts = [];
    var walker = document.createTreeWalker(el, NodeFilter.SHOW_ELEMENT | NodeFilter.SHOW_TEXT);
    for (var node = walker.nextNode(); node; node = walker.nextNode()) {
      if (node.nodeType === Node.TEXT_NODE) parts.push(node.data);
      else if (SEPARATE.test(node.tagName)) parts.push(" ");
    }
    return squeeze(parts.join(""));
  }

  function where(el) {
    // What the reader is told a hit belongs to: its table's caption, else its section's heading.
    var table = el.closest("table");
    var caption = table && table.querySelector("caption");
    if (caption) return words(caption);
    var section = el.closest("section, figure");
    var heading = section && section.querySelector("h2, h3, h4, figcaption");
    return heading ? words(heading) : "";
  }

  function build() {
    // The smallest blocks only: a list item holding paragraphs is found through them.
    var found = [];
    document.querySelectorAll(BLOCKS).forEach(function (el) {
      if (box.contains(el) || el.querySelector(BLOCKS)) return;
      var text = words(el);
      if (text) found.push({ el: el, text: text, folded: fold(text) });
    });
    return found;
  }

  function snippet(text, at) {
    // About 160 characters around the first word found, cut at spaces.
    var start = at > 60 ? text.indexOf(" ", at - 60) + 1 : 0;
    var end = text.length > at + 100 ? text.lastIndexOf(" ", at + 100) : text.length;
    if (end <= at) end = text.length;
    return (start > 0 ? "… " : "") + text.slice(start, end) + (end < text.length ? " …" : "");
  }

  function target(el) {
    // A hit without an id of its own gets one, so that its link is an ordinary fragment link.
    if (!el.id) el.id = "search-hit-" + (assigned += 1);
    return el.id;
  }

  function show(hits, query) {
    list.textContent = "";
    hits.slice(0, SHOWN).forEach(function (hit) {
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = "#" + target(hit.el);
      var context = where(hit.el);
      if (context) {
        var strong = document.createElement("strong");
        strong.textContent = context + ": ";
        a.appendChild(strong);
      }
      var at = hit.folded.indexOf(query.join(" ")); // the words as typed, else the first of them
      a.appendChild(document.createTextNode(snippet(hit.text, at >= 0 ? at : hit.folded.indexOf(query[0]))));
      li.appendChild(a);
      list.appendChild(li);
    });
    var more = hits.length > SHOWN ? " (the first " + SHOWN + " shown)" : "";
    status.textContent = query.length
      ? hits.length === 0 ? "No match." : hits.length + (hits.length === 1 ? " match" : " matches") + more + "."
      : "";
  }

  function search() {
    var query = fold(input.value).split(/\s+/).filter(Boolean);
    if (!query.length || query.join(" ").length < 2) {
      show([], []);
      return;
    }
    index = index || build();
    show(index.filter(function (e) {
      return query.every(function (word) { return e.folded.indexOf(word) >= 0; });
    }), query);
  }

  function go(a) {
    // Open the <details> a hit is folded in, then let the link scroll to it, and move the focus there.
    var el = document.getElementById(a.getAttribute("href").slice(1));
    for (var d = el.closest("details"); d; d = d.parentElement.closest("details")) d.open = true;
    document.querySelectorAll(".search-hit").forEach(function (h) { h.classList.remove("search-hit"); });
    el.classList.add("search-hit");
    if (!el.hasAttribute("tabindex")) el.setAttribute("tabindex", "-1");
    setTimeout(function () { el.focus(); }, 0);
  }

  function links() {
    return Array.prototype.slice.call(list.querySelectorAll("a"));
  }

  input.addEventListener("input", search);
  input.addEventListener("keydown", function (event) {
    var first = links()[0];
    if (event.key === "ArrowDown" && first) {
      event.preventDefault();
      first.focus();
    } else if (event.key === "Enter" && first) {
      event.preventDefault();
      first.click();
    } else if (event.key === "Escape") {
      input.value = "";
      search();
    }
  });
  list.addEventListener("keydown", function (event) {
    var all = links();
    var at = all.indexOf(document.activeElement);
    if (event.key === "ArrowDown" && at < all.length - 1) {
      event.preventDefault();
      all[at + 1].focus();
    } else if (event.key === "ArrowUp") {
      event.preventDefault();
      (at > 0 ? all[at - 1] : input).focus();
    } else if (event.key === "Escape") {
      input.focus();
    }
  });
  list.addEventListener("click", function (event) {
    var a = event.target.closest("a");
    if (a) go(a);
  });
  box.hidden = false; // shown only where this script runs
})();
