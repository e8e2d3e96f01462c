/* Board cards play their circled take while the pointer is over them (or the card has focus).
 * The card shows the take's poster as <img data-take-video="…mp4">; a muted looping <video> is laid
 * over it on hover and removed afterwards, so a board of hundreds of cards loads no video at all.
 */
(function () {
  "use strict";

  function frameOf(target) {
    var frame = target && target.closest && target.closest(".card-frame");
    if (!frame) return null;
    var poster = frame.querySelector("img[data-take-video]");
    return poster && poster.dataset.takeVideo ? frame : null;
  }

  function start(frame) {
    if (frame.querySelector("video.card-hover-video")) return;
    var poster = frame.querySelector("img[data-take-video]");
    var video = document.createElement("video");
    video.className = "card-hover-video";
    video.muted = true;
    video.loop = true;
    video.playsInline = true;
    video.preload = "auto";
    video.poster = poster.src;
    video.src = poster.dataset.takeVideo;
    video.setAttribute("aria-hidden", "true");
    poster.insertAdjacentElement("afterend", video);
    video.play().catch(function () {});
  }

  function stop(frame) {
    var video = frame.querySelector("video.card-hover-video");
    if (!video) return;
    video.pause();
    video.removeAttribute("src");
    video.load();
    video.remove();
  }

  document.addEventListener("pointerover", function (event) {
    var frame = frameOf(event.target);
    if (frame) start(frame);
  });
  document.addEventListener("pointerout", function (event) {
    var frame = frameOf(event.target);
    if (frame && !frame.contains(event.relatedTarget)) stop(frame);
  });
  document.addEventListener("focusin", function (event) {
    var link = event.target.closest && event.target.closest(".card-link");
    var frame = link && frameOf(link.querySelector(".card-frame"));
    if (frame) start(frame);
  });
  document.addEventListener("focusout", function (event) {
    var link = event.target.closest && event.target.closest(".card-link");
    var frame = link && frameOf(link.querySelector(".card-frame"));
    if (frame) stop(frame);
  });
})();
