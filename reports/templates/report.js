/* Inlined verbatim into report.html; the CSP allows it by its SHA-256 hash.
   Renders the findings list from the JSON in #data. Every value is inserted with textContent (or as an
   attribute value through the DOM); nothing from the data ever becomes markup. Only a window of matching
   rows is in the DOM at a time ("show more"), so 50,000 findings stay usable. */
(function () {
  "use strict";

  var PAGE = 200;
  var BASELINE = ["", "new", "unchanged", "not_reverified"];
  var section = document.getElementById("findings");
  var statusLine = document.getElementById("status");
  var tbody = document.getElementById("rows");
  var moreButton = document.getElementById("more");

  var data;
  try {
    data = JSON.parse(document.getElementById("data").textContent);
  } catch (err) {
    statusLine.textContent = "Could not read the embedded findings: " + String(err && err.message);
    section.setAttribute("data-state", "error");
    return;
  }
  var SEVERITIES = data.severities;
  var RULES = data.rules;
  var ACCOUNTS = data.accounts;
  var FINDINGS = data.findings;
  var SIMULATED = data.simulated; /* notes of simulated facts; a finding's "v" lists the ones it rests on */

  var controls = {
    search: document.getElementById("f-search"),
    severity: document.getElementById("f-severity"),
    account: document.getElementById("f-account"),
    rule: document.getElementById("f-rule"),
    area: document.getElementById("f-area"),
    baseline: document.getElementById("f-baseline"), /* only when a baseline was given */
    suppressed: document.getElementById("f-suppressed")
  };

  var ruleIndex = indexBy(RULES, "id");
  var accountIndex = indexBy(ACCOUNTS, "id");
  var haystacks = null; /* lower-case search text per finding, built on the first search */
  var matches = [];
  var shown = 0;

  function indexBy(list, key) {
    var map = Object.create(null);
    for (var i = 0; i < list.length; i++) map[list[i][key]] = i;
    return map;
  }

  function fmt(n) {
    return n.toLocaleString("en-US");
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  /* A name or an id, with a <wbr> after each separator so it wraps there and never inside a word (html.py
     breakable, the same separators). Text nodes only: nothing from the data becomes markup. */
  var SEPARATOR = "-_./:@,=+|";

  function breakable(node, text) {
    var value = String(text), start = 0;
    for (var i = 0; i < value.length - 1; i++) {
      if (SEPARATOR.indexOf(value[i]) !== -1 && !/\s/.test(value[i + 1])) {
        node.appendChild(document.createTextNode(value.slice(start, i + 1)));
        node.appendChild(document.createElement("wbr"));
        start = i + 1;
      }
    }
    node.appendChild(document.createTextNode(value.slice(start)));
    return node;
  }

  function accountLabel(index) {
    var a = ACCOUNTS[index];
    if (!a || a.id === "-") return "(no account)";
    return a.name ? a.name + " (" + a.id + ")" : a.id;
  }

  function title(f) {
    return f.x !== undefined ? f.x : RULES[f.r].title;
  }

  function haystack(i) {
    if (haystacks === null) haystacks = new Array(FINDINGS.length);
    var h = haystacks[i];
    if (h === undefined) {
      var f = FINDINGS[i];
      var rule = RULES[f.r];
      var account = ACCOUNTS[f.a] || {};
      h = [
        rule.id, title(f), SEVERITIES[f.s], rule.area, account.id, account.name, f.t, f.i, f.n, f.m, f.g, f.l, f.p,
        f.e ? JSON.stringify(f.e) : "", f.u ? f.u.reason : "", f.b ? BASELINE[f.b] : "", f.v ? "simulated" : ""
      ].join("\n").toLowerCase();
      haystacks[i] = h;
    }
    return h;
  }

  function query() {
    var sev = controls.severity.value;
    var terms = controls.search.value.toLowerCase().split(/\s+/).filter(Boolean);
    return {
      severity: sev ? SEVERITIES.indexOf(sev) : -1,
      account: controls.account.value ? lookup(accountIndex, controls.account.value) : -1,
      rule: controls.rule.value ? lookup(ruleIndex, controls.rule.value) : -1,
      area: controls.area.value,
      baseline: controls.baseline && controls.baseline.value ? BASELINE.indexOf(controls.baseline.value) : 0,
      suppressed: controls.suppressed.checked,
      terms: terms
    };
  }

  function lookup(map, key) {
    var i = map[key];
    return i === undefined ? -2 : i; /* -2 matches nothing */
  }

  function apply() {
    var q = query();
    var hiddenSuppressed = 0;
    matches = [];
    for (var i = 0; i < FINDINGS.length; i++) {
      var f = FINDINGS[i];
      if (q.severity >= 0 && f.s !== q.severity) continue;
      if (q.account !== -1 && f.a !== q.account) continue;
      if (q.rule !== -1 && f.r !== q.rule) continue;
      if (q.area && RULES[f.r].area !== q.area) continue;
      if (q.baseline && f.b !== q.baseline) continue;
      if (q.terms.length) {
        var h = haystack(i);
        var ok = true;
        for (var t = 0; t < q.terms.length; t++) {
          if (h.indexOf(q.terms[t]) === -1) { ok = false; break; }
        }
        if (!ok) continue;
      }
      if (f.u && !q.suppressed) { hiddenSuppressed++; continue; }
      matches.push(i);
    }
    tbody.textContent = "";
    shown = 0;
    renderMore();
    var text = "Showing " + fmt(shown) + " of " + fmt(matches.length) + " matching finding" +
      (matches.length === 1 ? "" : "s") + " (" + fmt(FINDINGS.length) + " in total";
    if (hiddenSuppressed) text += "; " + fmt(hiddenSuppressed) + " suppressed hidden";
    statusLine.textContent = text + ").";
    statusLine.setAttribute("data-matching", String(matches.length));
  }

  function renderMore() {
    var end = Math.min(shown + PAGE, matches.length);
    var fragment = document.createDocumentFragment();
    for (var k = shown; k < end; k++) fragment.appendChild(row(matches[k]));
    tbody.appendChild(fragment);
    shown = end;
    var remaining = matches.length - shown;
    moreButton.hidden = remaining <= 0;
    moreButton.textContent = "Show " + fmt(Math.min(PAGE, remaining)) + " more (" + fmt(remaining) + " not shown)";
    statusLine.textContent = statusLine.textContent.replace(/^Showing [\d,]+ /, "Showing " + fmt(shown) + " ");
    tbody.setAttribute("data-rows", String(shown));
  }

  function row(i) {
    var f = FINDINGS[i];
    var sev = SEVERITIES[f.s];
    var tr = el("tr", "row" + (f.u ? " suppressed" : ""));
    tr.setAttribute("data-index", String(i));

    var tdSev = el("td", "sev");
    var expand = el("button", "expand", "\u25B8");
    expand.type = "button";
    expand.setAttribute("aria-expanded", "false");
    expand.setAttribute("aria-label", "Show details");
    tdSev.appendChild(expand);
    tdSev.appendChild(el("span", "badge sev-" + sev, sev));
    tr.appendChild(tdSev);

    tr.appendChild(el("td", "mono", RULES[f.r].id));
    tr.appendChild(breakable(el("td", "name"), accountLabel(f.a)));

    var tdRes = el("td", "res name");
    tdRes.appendChild(el("div", "rtype", f.t));
    tdRes.appendChild(breakable(el("div", "rname"), f.n));
    if (f.i !== f.n) tdRes.appendChild(breakable(el("div", "mono rid"), f.i));
    tr.appendChild(tdRes);

    var tdMsg = el("td", "wrap msg");
    tdMsg.appendChild(el("span", "", f.m));
    if (f.v) {
      var mark = el("span", "simulated-mark", "simulated");
      mark.title = "rests on simulated data: " + f.v.map(function (k) { return SIMULATED[k]; }).join("; ");
      tdMsg.appendChild(mark);
    }
    if (f.u) tdMsg.appendChild(el("span", "badge state", f.u.expired ? "suppression expired" : "suppressed"));
    if (f.b) tdMsg.appendChild(el("span", "badge state state-" + BASELINE[f.b], BASELINE[f.b]));
    tr.appendChild(tdMsg);
    return tr;
  }

  function toggle(tr) {
    var button = tr.querySelector(".expand");
    var next = tr.nextElementSibling;
    if (next && next.classList.contains("detail")) {
      next.remove();
      button.setAttribute("aria-expanded", "false");
      button.textContent = "\u25B8";
      return;
    }
    var detail = el("tr", "detail");
    var td = el("td");
    td.colSpan = 5;
    fillDetail(td, FINDINGS[Number(tr.getAttribute("data-index"))]);
    detail.appendChild(td);
    tr.after(detail);
    button.setAttribute("aria-expanded", "true");
    button.textContent = "\u25BE";
  }

  function fact(dl, label, value) {
    if (value === undefined || value === null || value === "") return;
    dl.appendChild(el("dt", "", label));
    dl.appendChild(el("dd", "", value));
  }

  function heading(td, text) {
    td.appendChild(el("h4", "", text));
  }

  /* A finding's fix lines: each is its text, or [i, values...] = line i of the rule's template (rule.fx) with
     its <fields> replaced, in order, by the values (html.py compact_fix). Plain text only, via textContent. */
  var FIELD = /<[a-z][a-z0-9_]*>/;

  function fixLines(rule, fx, section) {
    var templates = rule.fx ? (section === 2 ? (rule.fx[2] ? [rule.fx[2]] : []) : rule.fx[section]) : [];
    return (fx[section] || []).map(function (item) {
      if (typeof item === "string") return item;
      var parts = String(templates[item[0]] || "").split(FIELD);
      var text = parts[0];
      for (var k = 1; k < parts.length; k++) text += String(item[k]) + parts[k];
      return text;
    });
  }

  function fillDetail(td, f) {
    var rule = RULES[f.r];
    var dl = el("dl");
    fact(dl, "Rule", rule.id + " \u2014 " + title(f));
    fact(dl, "Severity", SEVERITIES[f.s] + (SEVERITIES[f.s] !== rule.severity ? " (rule default: " + rule.severity + ")" : ""));
    fact(dl, "Area", rule.area);
    fact(dl, "Account", accountLabel(f.a));
    fact(dl, "Region", f.g);
    fact(dl, "Resource type", f.t);
    fact(dl, "Name", f.n);
    fact(dl, "Resource", f.i);
    fact(dl, "Location", f.l);
    fact(dl, "Fingerprint", f.p);
    fact(dl, "First seen", f.fs);
    if (f.b) fact(dl, "Baseline", BASELINE[f.b]);
    if (f.u) {
      fact(dl, "Suppressed", f.u.reason || "(no reason given)");
      fact(dl, "Suppression owner", f.u.owner);
      fact(dl, "Suppression expires", f.u.expires ? f.u.expires + (f.u.expired ? " (expired)" : "") : "never");
    }
    td.appendChild(dl);

    if (f.v) {
      heading(td, "Simulated data this finding rests on");
      var notes = el("ul", "simulated-notes");
      for (var v = 0; v < f.v.length; v++) notes.appendChild(el("li", "", SIMULATED[f.v[v]]));
      td.appendChild(notes);
    }
    heading(td, "Finding");
    td.appendChild(el("p", "msg", f.m));
    heading(td, "Evidence");
    td.appendChild(el("pre", "evidence", f.e ? JSON.stringify(f.e, null, 2) : "(none)"));
    heading(td, "Remediation");
    if (f.fx) {
      var console_ = fixLines(rule, f.fx, 0), cli = fixLines(rule, f.fx, 1), terraform = fixLines(rule, f.fx, 2);
      if (console_.length) {
        var ol = el("ol", "fix-console");
        for (var c = 0; c < console_.length; c++) ol.appendChild(el("li", "", console_[c]));
        td.appendChild(ol);
      }
      if (cli.length) td.appendChild(el("pre", "fix-cli", cli.join("\n")));
      if (terraform.length) {
        heading(td, "Terraform");
        td.appendChild(el("pre", "fix-terraform", terraform.join("\n")));
      }
    } else {
      td.appendChild(el("p", "remediation", f.d !== undefined ? f.d : rule.remediation));
    }
    if (rule.rationale) {
      heading(td, "Why it matters");
      td.appendChild(el("p", "rationale", rule.rationale));
    }
    var refs = f.f !== undefined ? f.f : rule.references;
    if (refs && refs.length) {
      heading(td, "References");
      var ul = el("ul", "refs");
      for (var k = 0; k < refs.length; k++) {
        var li = el("li");
        var ref = String(refs[k]);
        if (/^https:\/\/[^\s]+$/.test(ref)) {
          var a = el("a", "", ref);
          a.href = ref;
          a.rel = "noopener noreferrer";
          li.appendChild(a);
        } else {
          li.textContent = ref;
        }
        ul.appendChild(li);
      }
      td.appendChild(ul);
    }
  }

  function clearControls() {
    controls.search.value = "";
    controls.severity.value = "";
    controls.account.value = "";
    controls.rule.value = "";
    controls.area.value = "";
    if (controls.baseline) controls.baseline.value = "";
    controls.suppressed.checked = false;
  }

  /* The filters live in the URL fragment ("#findings?severity=high&rule=KEY-001"), so a filtered view can be
     shared as a link and survives a reload. Written with replaceState: filtering adds no history entries. */
  var HASH_PREFIX = "#findings?";
  var HASH_FIELDS = ["search", "severity", "account", "rule", "area", "baseline"];

  function hashOfControls() {
    var params = new URLSearchParams();
    HASH_FIELDS.forEach(function (name) {
      var control = controls[name];
      if (control && control.value) params.set(name, control.value);
    });
    if (controls.suppressed.checked) params.set("suppressed", "1");
    var text = params.toString();
    return text ? HASH_PREFIX + text : "";
  }

  function writeHash() {
    var hash = hashOfControls();
    if (hash === location.hash || (!hash && !location.hash.startsWith(HASH_PREFIX))) return;
    var url = location.href.split("#")[0] + (hash || "#findings");
    try {
      history.replaceState(null, "", url);
    } catch (err) {
      location.replace(url);
    }
  }

  function readHash() {
    if (!location.hash.startsWith(HASH_PREFIX)) return false;
    var params = new URLSearchParams(location.hash.slice(HASH_PREFIX.length));
    clearControls();
    HASH_FIELDS.forEach(function (name) {
      var control = controls[name];
      var value = params.get(name);
      if (!control || value === null) return;
      if (control.tagName === "SELECT" && !Array.prototype.some.call(control.options, function (o) {
        return o.value === value;
      })) return; /* a stale link naming an account or rule this report does not have */
      control.value = value;
    });
    controls.suppressed.checked = params.get("suppressed") === "1";
    return true;
  }

  function applyAndRemember() {
    apply();
    writeHash();
  }

  /* wiring */
  document.getElementById("filters").addEventListener("submit", function (event) {
    event.preventDefault();
  });
  controls.search.addEventListener("input", applyAndRemember);
  [controls.severity, controls.account, controls.rule, controls.area, controls.baseline, controls.suppressed]
    .forEach(function (control) {
      if (control) control.addEventListener("change", applyAndRemember);
    });
  document.getElementById("f-reset").addEventListener("click", function () {
    clearControls();
    applyAndRemember();
  });
  window.addEventListener("hashchange", function () {
    if (readHash()) apply();
  });
  moreButton.addEventListener("click", renderMore);
  tbody.addEventListener("click", function (event) {
    var tr = event.target.closest("tr");
    if (!tr || !tr.classList.contains("row")) return;
    if (event.target.closest("a")) return;
    toggle(tr);
  });
  /* summary and overview cells: a click filters the list */
  var shortcuts = document.querySelectorAll(
    "[data-filter-account], [data-filter-rule], [data-filter-area], [data-filter-severity]");
  Array.prototype.forEach.call(shortcuts, function (node) {
    node.addEventListener("click", function () {
      clearControls();
      if (node.hasAttribute("data-filter-account")) controls.account.value = node.getAttribute("data-filter-account");
      if (node.hasAttribute("data-filter-rule")) controls.rule.value = node.getAttribute("data-filter-rule");
      if (node.hasAttribute("data-filter-area")) controls.area.value = node.getAttribute("data-filter-area");
      if (node.hasAttribute("data-filter-severity")) controls.severity.value = node.getAttribute("data-filter-severity");
      applyAndRemember();
      section.scrollIntoView();
    });
  });

  /* Build the search text of every finding in idle time after the first paint, a slice at a time, so the
     first search in a large report does not pay for it. haystack() builds any entry still missing. */
  function buildSearchIndex() {
    var next = 0;
    var later = window.requestIdleCallback
      ? function (fn) { window.requestIdleCallback(fn, { timeout: 200 }); }
      : function (fn) { window.setTimeout(fn, 0); };
    function slice() {
      var until = performance.now() + 10;
      while (next < FINDINGS.length && performance.now() < until) haystack(next++);
      if (next < FINDINGS.length) {
        later(slice);
      } else {
        section.setAttribute("data-search", "ready");
        performance.mark("search-index-built");
      }
    }
    later(slice);
  }

  var fromLink = readHash();
  apply();
  if (fromLink) section.scrollIntoView();
  section.setAttribute("data-state", "ready");
  performance.mark("findings-rendered");
  buildSearchIndex();
})();
