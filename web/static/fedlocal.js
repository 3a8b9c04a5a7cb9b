// Progressive enhancement only: every page works without this file.
"use strict";

document.addEventListener("DOMContentLoaded", function () {
  // A create form's one-use key (web/once.py): set here, after loading, so that the
  // browser restores it when Back shows the form again and a second "Publish" is
  // recognised. A restored key is kept.
  document.querySelectorAll("input[name='once']").forEach(function (input) {
    if (!input.value) {
      input.value = input.dataset.key;
    }
  });

  // A form sent once should not be sent twice by a double tap: its token is single-use,
  // and the second copy would only show an error.
  document.querySelectorAll("form[method='post']").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (form.dataset.sent === "yes") {
        event.preventDefault();
        return;
      }
      form.dataset.sent = "yes";
      var submitter = event.submitter;
      if (submitter && submitter.name) {
        // A disabled button is not submitted: carry its value in a hidden field.
        var carried = document.createElement("input");
        carried.type = "hidden";
        carried.name = submitter.name;
        carried.value = submitter.value;
        form.appendChild(carried);
      }
      form.querySelectorAll("button").forEach(function (button) {
        button.disabled = true;
      });
    });
  });

  // The price goes with a sale only: show its field when "for sale" is chosen.
  var price = document.querySelector("[data-show-for-intent]");
  if (price) {
    var update = function () {
      var chosen = document.querySelector("input[name='intent']:checked");
      price.hidden = !(chosen && chosen.value === price.dataset.showForIntent);
    };
    document.querySelectorAll("input[name='intent']").forEach(function (radio) {
      radio.addEventListener("change", update);
    });
    update();
  }
});
