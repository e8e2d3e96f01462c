/* The board's drag and drop: shots within and across scenes, and scenes, saved at once.
 *
 * After a drop the whole order (every scene, and the shots standing in each) is posted to the
 * reorder view, which answers with the new board body; htmx swaps it in and we set up Sortable
 * again on the new elements. Moving with the keyboard uses the buttons on each card instead.
 */
(function () {
  "use strict";

  function boardOrder(body) {
    var values = { scene: [] };
    body.querySelectorAll("#scenes > .scene").forEach(function (scene) {
      var id = scene.dataset.sceneId;
      values.scene.push(id);
      values["shots-" + id] = Array.prototype.map.call(
        scene.querySelectorAll(".shot-grid > .card[data-shot-id]"),
        function (card) { return card.dataset.shotId; }
      );
    });
    return values;
  }

  function save(body) {
    body.classList.add("is-saving");
    htmx.ajax("POST", body.dataset.reorderUrl, {
      source: body,
      target: "#board-body",
      swap: "outerHTML",
      values: boardOrder(body),
    }).catch(function () { window.location.reload(); });
  }

  function setUp(root) {
    var body = root.id === "board-body" ? root : root.querySelector && root.querySelector("#board-body");
    if (!body || !body.dataset.reorderUrl || typeof Sortable === "undefined") return;
    var common = {
      animation: 150,
      ghostClass: "is-ghost",
      chosenClass: "is-chosen",
      dragClass: "is-dragging",
      filter: "input, textarea, select, button, .card-actions, .shot-form",
      preventOnFilter: false,
      onEnd: function (event) {
        if (event.from === event.to && event.oldIndex === event.newIndex) return;
        save(body);
      },
    };
    body.querySelectorAll(".shot-grid").forEach(function (grid) {
      Sortable.create(grid, Object.assign({}, common, {
        group: "shots",
        draggable: ".card",
      }));
    });
    var scenes = body.querySelector("#scenes");
    if (scenes) {
      Sortable.create(scenes, Object.assign({}, common, {
        handle: ".scene-handle",
        draggable: ".scene",
      }));
    }
  }

  // A failed save (someone else changed the board meanwhile) reloads what is really saved.
  document.addEventListener("htmx:responseError", function (event) {
    if (event.detail.elt && event.detail.elt.id === "board-body") window.location.reload();
  });

  // The move buttons re-render the board: give the focus back to the same button on the new one,
  // so a keyboard user can press it again to keep moving the shot or scene.
  var refocus = null;
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button[name=direction]");
    if (!button || !button.form) return;
    refocus = 'form[action="' + button.form.getAttribute("action") + '"] button[value="' + button.value + '"]';
  });
  document.addEventListener("htmx:afterSettle", function () {
    if (!refocus) return;
    var button = document.querySelector(refocus);
    refocus = null;
    if (button) {
      if (button.disabled) button = button.form.querySelector("button:not([disabled])") || button;
      button.focus();
    }
  });

  function start() { htmx.onLoad(setUp); }
  if (window.htmx) start(); else document.addEventListener("DOMContentLoaded", start);
})();
