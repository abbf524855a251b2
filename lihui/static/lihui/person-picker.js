// The person picker (lihui/people/templates/people/_person_picker.html): as one types a name or
// its pinyin, suggestions come from the lookup URL (debounced); choosing one writes the person's
// id into the hidden input. Without this script the typed name is submitted and the server
// resolves it. Delegated listeners, so pickers swapped in by htmx work too. No inline code (CSP).
(function () {
  "use strict";
  var DELAY = 200;
  var CJK = /[\u3400-\u9fff\uf900-\ufaff]/;
  var states = new WeakMap();

  function parts(box) {
    return {
      text: box.querySelector("[data-person-text]"),
      id: box.querySelector("[data-person-id]"),
      list: box.querySelector("[role=listbox]")
    };
  }
  function state(box) {
    var s = states.get(box);
    if (!s) {
      var p = parts(box);
      s = { timer: 0, seq: 0, active: -1, chosen: p.text.defaultValue, chosenId: p.id.value };
      states.set(box, s);
    }
    return s;
  }
  function worthAsking(q) {
    return q.length >= 2 || CJK.test(q); // one Latin letter matches too many people
  }
  function close(box) {
    var p = parts(box), s = state(box);
    s.seq++; // an answer still on its way is no longer wanted
    p.list.hidden = true;
    p.list.textContent = "";
    p.text.setAttribute("aria-expanded", "false");
    p.text.removeAttribute("aria-activedescendant");
    s.active = -1;
  }
  function render(box, results) {
    var p = parts(box), s = state(box);
    p.list.textContent = "";
    s.active = -1;
    p.text.removeAttribute("aria-activedescendant");
    if (!results.length) {
      var none = document.createElement("li");
      none.className = "empty";
      none.setAttribute("aria-disabled", "true");
      none.textContent = box.getAttribute("data-empty") || "";
      p.list.appendChild(none);
    }
    results.forEach(function (r, i) {
      var li = document.createElement("li");
      li.id = p.list.id + "-" + i;
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", "false");
      li.setAttribute("data-id", String(r.id));
      li.setAttribute("data-name", r.name);
      li.appendChild(document.createTextNode(r.name));
      if (r.department) {
        var small = document.createElement("small");
        small.textContent = r.department;
        li.appendChild(document.createTextNode(" "));
        li.appendChild(small);
      }
      p.list.appendChild(li);
    });
    p.list.hidden = false;
    p.text.setAttribute("aria-expanded", "true");
  }
  function search(box) {
    var p = parts(box), s = state(box), q = p.text.value.trim();
    if (!worthAsking(q)) {
      close(box);
      return;
    }
    var seq = ++s.seq;
    var url = box.getAttribute("data-lookup") + "?q=" + encodeURIComponent(q);
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) {
        if (!r.ok) throw new Error("lookup failed: " + r.status);
        return r.json();
      })
      .then(function (data) {
        if (seq === s.seq && document.activeElement === p.text) render(box, data.results || []);
      })
      .catch(function () {
        if (seq === s.seq) close(box);
      });
  }
  function choose(box, li) {
    var p = parts(box);
    p.text.value = li.getAttribute("data-name");
    p.id.value = li.getAttribute("data-id");
    state(box).chosen = p.text.value;
    state(box).chosenId = p.id.value;
    close(box);
    p.id.dispatchEvent(new Event("change", { bubbles: true }));
  }
  function move(box, step) {
    var p = parts(box), s = state(box);
    var options = p.list.querySelectorAll("[role=option]");
    if (!options.length) return;
    var n = options.length;
    s.active = s.active < 0 ? (step > 0 ? 0 : n - 1) : (s.active + step + n) % n;
    options.forEach(function (li, i) {
      li.setAttribute("aria-selected", i === s.active ? "true" : "false");
    });
    var current = options[s.active];
    p.text.setAttribute("aria-activedescendant", current.id);
    current.scrollIntoView({ block: "nearest" });
  }
  function boxOf(el) {
    return el && el.closest ? el.closest("[data-person-picker]") : null;
  }

  document.addEventListener("input", function (e) {
    if (!e.target.matches("[data-person-text]")) return;
    var box = boxOf(e.target), p = parts(box), s = state(box);
    // The id stands only while the text still names the person chosen.
    p.id.value = p.text.value === s.chosen ? s.chosenId : "";
    clearTimeout(s.timer);
    s.timer = setTimeout(function () { search(box); }, DELAY);
  });
  document.addEventListener("keydown", function (e) {
    if (!e.target.matches("[data-person-text]")) return;
    var box = boxOf(e.target), p = parts(box), s = state(box);
    var open = !p.list.hidden;
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      if (open) move(box, e.key === "ArrowDown" ? 1 : -1);
      else search(box);
    } else if (e.key === "Enter" && open && s.active >= 0) {
      e.preventDefault(); // choose, do not submit yet
      choose(box, p.list.querySelectorAll("[role=option]")[s.active]);
    } else if (e.key === "Escape" && open) {
      e.preventDefault();
      close(box);
    }
  });
  document.addEventListener("mousedown", function (e) {
    var list = e.target.closest && e.target.closest(".person-picker-list");
    if (!list) return;
    e.preventDefault(); // keep the focus in the text input
    var li = e.target.closest("[role=option]");
    if (li) choose(boxOf(list), li);
  });
  document.addEventListener("focusout", function (e) {
    if (e.target.matches && e.target.matches("[data-person-text]")) close(boxOf(e.target));
  });
})();
