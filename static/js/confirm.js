/* Forms with data-confirm ask before they submit (deleting a shot from its page). */
document.addEventListener("submit", function (event) {
  var message = event.target.dataset && event.target.dataset.confirm;
  if (message && !window.confirm(message)) event.preventDefault();
});
