/* vocabserver: progressive enhancement of server-rendered pages (everything works without it).
   - live autocompletion: the ARIA 1.2 combobox pattern over /api/v1/autocomplete;
   - hierarchy trees expanding lazily (/api/v1/children), keyboard as in the WAI tree view pattern;
   - copying a URI. No framework, nothing fetched from another site. */
(function () {
  "use strict";
  var body = document.body;
  var base = body.getAttribute("data-base") || "/";
  var lang = document.documentElement.getAttribute("lang") || "fr";  // the interface's language
  var clang = body.getAttribute("data-clang") || "";  // a data language chosen with ?clang=, else labels follow lang
  var labelLang = clang || lang;
  var rtl = ["ar", "arc", "ckb", "dv", "fa", "he", "iw", "ku", "ps", "sd", "syr", "ug", "ur", "yi"];
  var text = JSON.parse(body.getAttribute("data-messages") || "{}");

  function pagePath(uri) {
    // Where this server shows a concept: its own URI path, the ARK path, or /resource?uri=.
    if (uri.indexOf(base) === 0) return "/" + uri.slice(base.length);
    var ark = "http://data.culture.fr/thesaurus/resource/";
    if (uri.indexOf(ark) === 0) return "/resource/" + uri.slice(ark.length);
    return "/resource?uri=" + encodeURIComponent(uri);
  }

  function withLang(path) {
    var extra = (lang !== "fr" ? ["lang=" + lang] : []).concat(clang ? ["clang=" + clang] : []);
    return extra.length ? path + (path.indexOf("?") < 0 ? "?" : "&") + extra.join("&") : path;
  }

  function labelled(node, tag) {
    // A label's language, and its direction when its script is written right to left.
    if (tag) {
      node.setAttribute("lang", tag);
      if (rtl.indexOf(tag.split("-")[0].toLowerCase()) >= 0) node.setAttribute("dir", "rtl");
    }
    return node;
  }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    (children || []).forEach(function (c) { node.appendChild(typeof c === "string" ? document.createTextNode(c) : c); });
    return node;
  }

  /* ---- autocompletion ------------------------------------------------------------------------ */
  function Combobox(input) {
    var list = document.getElementById(input.getAttribute("aria-controls"));
    var status = document.getElementById(input.id + "-status");
    var vocab = input.getAttribute("data-vocab") || "";
    // In an editing form: the chosen concept is written into a field ("label <URI>", one a line), not opened.
    var pickInto = input.getAttribute("data-pick-into");
    var active = -1, hits = [], timer = null, sequence = 0;

    function close() {
      list.hidden = true; list.innerHTML = ""; hits = []; active = -1;
      input.setAttribute("aria-expanded", "false"); input.removeAttribute("aria-activedescendant");
    }
    function highlight(index) {
      var options = list.querySelectorAll('[role="option"]');
      if (!options.length) return;
      active = (index + options.length) % options.length;
      options.forEach(function (o, i) { o.setAttribute("aria-selected", i === active ? "true" : "false"); });
      input.setAttribute("aria-activedescendant", options[active].id);
      options[active].scrollIntoView({ block: "nearest" });
    }
    function choose(index) {
      if (index < 0 || !hits[index]) return;
      if (pickInto) {
        var field = document.getElementById(pickInto);
        var line = hits[index].prefLabel + " <" + hits[index].uri + ">";
        field.value = field.value.replace(/\s+$/, "") + (field.value.trim() ? "\n" : "") + line;
        input.value = ""; close();
        return;
      }
      window.location.href = withLang(pagePath(hits[index].uri));
    }
    function render(results) {
      hits = results; list.innerHTML = ""; active = -1;
      if (!results.length) { close(); if (status) status.textContent = text.none || ""; return; }
      results.forEach(function (hit, i) {
        var parts = [labelled(el("span", { "class": "hit-label" }, [hit.prefLabel]), hit.lang),
                     el("span", { "class": "badge" }, [hit.vocab])];
        if (hit.matchedKind === "altLabel" || hit.matchedKind === "hiddenLabel") {
          parts.push(el("span", { "class": "hit-alt" }, [(text.usedFor || "employé pour") + (text.colon || " :") + " ",
                                                         labelled(el("span", {}, [hit.matchedLabel]), hit.matchedLang)]));
        }
        if (hit.path && hit.path.length) {
          parts.push(labelled(el("span", { "class": "hit-path" }, [hit.path.map(function (p) { return p.prefLabel; }).join(" › ")]),
                              hit.path[0].lang));
        }
        var option = el("li", { role: "option", id: input.id + "-option-" + i, "aria-selected": "false",
                                "data-uri": hit.uri }, parts);
        option.addEventListener("mousedown", function (event) { event.preventDefault(); choose(i); });
        list.appendChild(option);
      });
      list.hidden = false; input.setAttribute("aria-expanded", "true");
      if (status) status.textContent = (text.count || "{n}").replace("{n}", results.length);
    }
    function fetchHits() {
      var q = input.value.trim();
      if (!q) { close(); return; }
      var mine = ++sequence;
      // lang filters the labels matched (only when a data language is chosen); labellang is how hits are shown.
      var url = "/api/v1/autocomplete?limit=10&q=" + encodeURIComponent(q) + (vocab ? "&vocab=" + vocab : "") +
                (clang ? "&lang=" + clang : "") + (labelLang !== "fr" ? "&labellang=" + labelLang : "");
      fetch(url, { headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : { results: [] }; })
        .then(function (data) { if (mine === sequence) render(data.results || []); })
        .catch(function () { close(); });
    }
    input.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(fetchHits, 80); });
    input.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown") {
        event.preventDefault();
        if (list.hidden) { fetchHits(); } else { highlight(active + 1); }
      } else if (event.key === "ArrowUp") {
        event.preventDefault(); if (!list.hidden) highlight(active - 1);
      } else if (event.key === "Enter") {
        if (!list.hidden && active >= 0) { event.preventDefault(); choose(active); }
        else if (pickInto) { event.preventDefault(); }  // never submits the editing form
      } else if (event.key === "Escape") {
        if (!list.hidden) { event.preventDefault(); close(); } else { input.value = ""; }
      }
    });
    input.addEventListener("blur", function () { setTimeout(close, 150); });
  }
  document.querySelectorAll('input[role="combobox"]').forEach(function (input) { new Combobox(input); });

  /* ---- hierarchy trees ------------------------------------------------------------------------- */
  function visibleItems(tree) {
    return Array.prototype.filter.call(tree.querySelectorAll('[role="treeitem"]'), function (item) {
      for (var group = item.closest('[role="group"]'); group; group = group.parentElement.closest('[role="group"]')) {
        if (group.hidden) return false;
      }
      return true;
    });
  }
  function focusItem(tree, item) {
    tree.querySelectorAll('[role="treeitem"]').forEach(function (i) { i.setAttribute("tabindex", "-1"); });
    item.setAttribute("tabindex", "0"); item.focus();
  }
  function groupOf(item) {
    var next = item.parentElement.querySelector(':scope > [role="group"]');
    return next;
  }
  function childNode(hit, level) {
    var li = el("li", { role: "none" });
    var toggle = el("span", { "class": hit.hasChildren ? "toggle" : "leaf", "aria-hidden": "true" },
                    [hit.hasChildren ? "▸" : "•"]);
    var link = el("a", { role: "treeitem", href: withLang(pagePath(hit.uri)), tabindex: "-1",
                         "aria-level": String(level), "data-uri": hit.uri }, [hit.prefLabel]);
    labelled(link, hit.lang);
    if (hit.hasChildren) link.setAttribute("aria-expanded", "false");
    li.appendChild(toggle); li.appendChild(link);
    return li;
  }
  function expand(item) {
    if (item.getAttribute("aria-expanded") !== "false") return Promise.resolve();
    var group = groupOf(item);
    var toggle = item.parentElement.querySelector(":scope > .toggle");
    item.setAttribute("aria-expanded", "true");
    if (toggle) toggle.textContent = "▾";
    if (group) { group.hidden = false; return Promise.resolve(); }
    var level = parseInt(item.getAttribute("aria-level") || "1", 10) + 1;
    group = el("ul", { role: "group" });
    item.parentElement.appendChild(group);
    var url = "/api/v1/children?limit=500&uri=" + encodeURIComponent(item.getAttribute("data-uri")) +
              (labelLang !== "fr" ? "&lang=" + labelLang : "");
    return fetch(url).then(function (r) { return r.json(); }).then(function (data) {
      (data.results || []).forEach(function (hit) { group.appendChild(childNode(hit, level)); });
      if (data.total > (data.results || []).length) {
        var more = el("li", { role: "none" }, [el("a", { href: item.getAttribute("href"), role: "treeitem",
                                                          tabindex: "-1", "aria-level": String(level) },
                                                    [text.more || "…"])]);
        group.appendChild(more);
      }
    });
  }
  function collapse(item) {
    if (item.getAttribute("aria-expanded") !== "true") return;
    var group = groupOf(item);
    var toggle = item.parentElement.querySelector(":scope > .toggle");
    item.setAttribute("aria-expanded", "false");
    if (toggle) toggle.textContent = "▸";
    if (group) group.hidden = true;
  }
  document.querySelectorAll('[role="tree"]').forEach(function (tree) {
    // Roving focus: one stop for Tab, arrows inside (without this script every link is a Tab stop).
    tree.querySelectorAll('[role="treeitem"]').forEach(function (i) { i.setAttribute("tabindex", "-1"); });
    var first = tree.querySelector('[role="treeitem"][aria-current="page"]') || tree.querySelector('[role="treeitem"]');
    if (first) first.setAttribute("tabindex", "0");
    tree.addEventListener("click", function (event) {
      var toggle = event.target.closest(".toggle");
      if (!toggle) return;
      var item = toggle.parentElement.querySelector(':scope > [role="treeitem"]');
      if (item.getAttribute("aria-expanded") === "true") collapse(item); else expand(item);
    });
    tree.addEventListener("keydown", function (event) {
      var item = event.target.closest('[role="treeitem"]');
      if (!item) return;
      var items = visibleItems(tree), index = items.indexOf(item);
      if (event.key === "ArrowDown" && index < items.length - 1) { focusItem(tree, items[index + 1]); }
      else if (event.key === "ArrowUp" && index > 0) { focusItem(tree, items[index - 1]); }
      else if (event.key === "Home") { focusItem(tree, items[0]); }
      else if (event.key === "End") { focusItem(tree, items[items.length - 1]); }
      else if (event.key === "ArrowRight") {
        if (item.getAttribute("aria-expanded") === "false") { expand(item); }
        else if (item.getAttribute("aria-expanded") === "true") {
          var child = groupOf(item) && groupOf(item).querySelector('[role="treeitem"]');
          if (child) focusItem(tree, child);
        }
      } else if (event.key === "ArrowLeft") {
        if (item.getAttribute("aria-expanded") === "true") { collapse(item); }
        else {
          var parentGroup = item.closest('[role="group"]');
          var parent = parentGroup && parentGroup.parentElement.querySelector(':scope > [role="treeitem"]');
          if (parent) focusItem(tree, parent);
        }
      } else { return; }
      event.preventDefault();
    });
  });

  /* ---- copy a URI ------------------------------------------------------------------------------ */
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var status = document.getElementById(button.getAttribute("aria-describedby"));
      var done = function () { if (status) status.textContent = text.copied || "OK"; };
      if (navigator.clipboard) { navigator.clipboard.writeText(button.getAttribute("data-copy")).then(done, done); }
      else { done(); }
    });
  });
})();
