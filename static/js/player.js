/* The frame-accurate take player, and the frame maths the animatic shares (window.StudioTime).
 *
 * Frames are counted from 0. Frame n is shown from n/fps to (n+1)/fps, so a seek goes to the middle
 * of the frame, (n + 0.5)/fps: rounding in the browser or the decoder can never land on the frame
 * before. Where the browser has requestVideoFrameCallback, the number shown is read from the
 * presented frame's mediaTime, not from currentTime (which runs ahead of the picture).
 */
(function () {
  "use strict";

  // mediaTime is rounded to microseconds; a thousandth of a frame absorbs that at any frame rate.
  var EPSILON = 1e-3;

  function frameAt(seconds, fps) {
    return Math.max(0, Math.floor(seconds * fps + EPSILON));
  }

  function timeForFrame(frame, fps) {
    return (frame + 0.5) / fps;
  }

  function frameCount(duration, fps) {
    return Math.max(1, Math.round(duration * fps));
  }

  function clampFrame(frame, frames) {
    return Math.min(Math.max(frame, 0), Math.max(frames - 1, 0));
  }

  function pad(value) {
    return value < 10 ? "0" + value : String(value);
  }

  /* HH:MM:SS:FF, non-drop: 23.976 fps counts 24 frames to the timecode second. */
  function timecode(frame, fps) {
    var base = Math.max(1, Math.round(fps));
    var ff = frame % base;
    var totalSeconds = Math.floor(frame / base);
    var ss = totalSeconds % 60;
    var mm = Math.floor(totalSeconds / 60) % 60;
    var hh = Math.floor(totalSeconds / 3600);
    return pad(hh) + ":" + pad(mm) + ":" + pad(ss) + ":" + pad(ff);
  }

  window.StudioTime = {
    frameAt: frameAt,
    timeForFrame: timeForFrame,
    frameCount: frameCount,
    clampFrame: clampFrame,
    timecode: timecode,
  };

  var SPEEDS = [0.25, 0.5, 0.75, 1, 1.25, 1.5, 2];

  function isTyping(event) {
    var tag = event.target && event.target.tagName;
    return tag === "INPUT" && event.target.type !== "range" && event.target.type !== "checkbox"
      || tag === "TEXTAREA" || tag === "SELECT" || (event.target && event.target.isContentEditable);
  }

  function isControl(event) {
    var tag = event.target && event.target.tagName;
    return tag === "BUTTON" || tag === "A" || tag === "SUMMARY" || (tag === "INPUT" && event.target.type === "checkbox");
  }

  window.StudioKeys = { isTyping: isTyping, isControl: isControl };

  function setupPlayer(root) {
    var video = root.querySelector("video");
    var fps = parseFloat(root.dataset.fps) || 24;
    var frames = parseInt(root.dataset.frames, 10) || 1;
    var timecodeOut = root.querySelector("[data-timecode]");
    var frameOut = root.querySelector("[data-frame]");
    var scrubber = root.querySelector(".player-scrubber");
    var toggle = root.querySelector("[data-action=toggle]");
    var loop = root.querySelector("[data-loop]");
    var speed = root.querySelector("[data-speed]");
    var presented = 0; // the frame on screen, as far as we know

    function show(frame) {
      presented = clampFrame(frame, frames);
      timecodeOut.textContent = timecode(presented, fps);
      frameOut.textContent = String(presented);
      if (document.activeElement !== scrubber) scrubber.value = String(presented);
      root.dataset.frame = String(presented);
    }

    function fromCurrentTime() {
      show(frameAt(video.currentTime, fps));
    }

    function seekFrame(frame) {
      var target = clampFrame(frame, frames);
      video.currentTime = timeForFrame(target, fps);
      show(target);
    }

    function step(delta) {
      if (!video.paused) video.pause();
      seekFrame(presented + delta);
    }

    function setSpeed(rate) {
      video.playbackRate = rate;
      speed.value = String(rate);
    }

    function nextSpeed(direction) {
      var index = SPEEDS.indexOf(video.playbackRate);
      if (index < 0) index = SPEEDS.indexOf(1);
      return SPEEDS[Math.min(Math.max(index + direction, 0), SPEEDS.length - 1)];
    }

    function playPause() {
      if (video.paused || video.ended) video.play(); else video.pause();
    }

    if ("requestVideoFrameCallback" in HTMLVideoElement.prototype) {
      var onFrame = function (now, metadata) {
        // While playing, the presented frame is the truth. Paused, a step has already set the
        // frame it asked for, and a late callback from an earlier seek must not undo it.
        if (!video.paused && !video.seeking) show(frameAt(metadata.mediaTime, fps));
        video.requestVideoFrameCallback(onFrame);
      };
      video.requestVideoFrameCallback(onFrame);
    } else {
      video.addEventListener("timeupdate", fromCurrentTime);
    }
    // A pause or a seek settles on currentTime, which is exact when paused.
    video.addEventListener("seeked", function () { if (video.paused) fromCurrentTime(); });
    video.addEventListener("pause", fromCurrentTime);
    video.addEventListener("play", function () {
      root.classList.add("is-playing");
      toggle.setAttribute("aria-label", "Pause");
    });
    video.addEventListener("pause", function () {
      root.classList.remove("is-playing");
      toggle.setAttribute("aria-label", "Play");
    });
    video.addEventListener("loadedmetadata", function () {
      if (isFinite(video.duration) && video.duration > 0) {
        frames = frameCount(video.duration, fps);
        scrubber.max = String(frames - 1);
      }
    });

    root.addEventListener("click", function (event) {
      var button = event.target.closest("[data-action]");
      if (!button) return;
      var action = button.dataset.action;
      if (action === "toggle") playPause();
      else if (action === "step-back") step(-1);
      else if (action === "step-forward") step(1);
    });
    video.addEventListener("click", playPause);
    scrubber.addEventListener("input", function () {
      if (!video.paused) video.pause();
      seekFrame(parseInt(scrubber.value, 10));
    });
    loop.addEventListener("change", function () { video.loop = loop.checked; });
    speed.addEventListener("change", function () { setSpeed(parseFloat(speed.value)); });

    document.addEventListener("keydown", function (event) {
      if (event.ctrlKey || event.metaKey || event.altKey || isTyping(event)) return;
      var key = event.key;
      // Space and Enter on a focused button or box press that control; never toggle twice.
      if ((key === " " || key === "Enter") && isControl(event)) return;
      if (key === " " || key === "k" || key === "K") {
        if (key === " ") playPause(); else video.pause();
      } else if (key === "ArrowLeft") {
        step(event.shiftKey ? -Math.round(fps) : -1);
      } else if (key === "ArrowRight") {
        step(event.shiftKey ? Math.round(fps) : 1);
      } else if (key === "l" || key === "L") {
        // L plays; pressed again while playing, it plays faster (up to 2x).
        if (video.paused) { setSpeed(Math.max(video.playbackRate, 1)); video.play(); }
        else setSpeed(nextSpeed(1));
      } else if (key === "j" || key === "J") {
        // Browsers cannot play backwards: J slows down while playing, or steps back one second.
        if (!video.paused && video.playbackRate > 0.25) setSpeed(nextSpeed(-1));
        else step(-Math.round(fps));
      } else if (key === "Home") {
        step(-frames);
      } else if (key === "End") {
        step(frames);
      } else {
        return;
      }
      event.preventDefault();
    });

    show(0);
    root.studioPlayer = { video: video, seekFrame: seekFrame, step: step, frame: function () { return presented; } };
  }

  function setupAll() {
    document.querySelectorAll("[data-player]").forEach(function (root) {
      if (!root.studioPlayer) setupPlayer(root);
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setupAll);
  else setupAll();
})();
