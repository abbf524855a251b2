// Show only the cadence fields that matter for the chosen frequency and monthly mode.
(function () {
  "use strict";
  function update(form) {
    var freq = form.querySelector("[name=frequency]");
    var mode = form.querySelector("[name=monthly_mode]");
    if (!freq) return;
    var f = freq.value;
    var monthly = f === "monthly" || f === "quarterly";
    var byWeekday = mode && mode.value === "weekday";
    var show = {
      weekdays: f === "weekly",
      monthly_mode: monthly,
      month_day: monthly && !byWeekday,
      week_of_month: monthly && byWeekday,
      month_weekday: monthly && byWeekday
    };
    Object.keys(show).forEach(function (name) {
      var box = form.querySelector("#field-" + name);
      // A field with an error stays visible so the message can be read.
      if (box) box.classList.toggle("hidden-by-cadence", !show[name] && !box.classList.contains("has-error"));
    });
  }
  // "Add a person": clone the formset's empty row and count it in TOTAL_FORMS.
  function addRow(prefix) {
    var template = document.getElementById(prefix + "-empty");
    var total = document.querySelector("[name=" + prefix + "-TOTAL_FORMS]");
    var body = document.querySelector("table." + prefix + " tbody");
    if (!template || !total || !body) return;
    var html = template.innerHTML.replace(/__prefix__/g, total.value);
    body.insertAdjacentHTML("beforeend", html);
    total.value = String(Number(total.value) + 1);
  }
  document.addEventListener("click", function (e) {
    var button = e.target.closest("[data-add-row]");
    if (button) addRow(button.getAttribute("data-add-row"));
  });
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form.series-form").forEach(function (form) {
      update(form);
      form.addEventListener("change", function (e) {
        if (e.target.name === "frequency" || e.target.name === "monthly_mode") update(form);
      });
    });
  });
})();
