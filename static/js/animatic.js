/* The animatic: the circled takes of a scene or of the film in order, panels (or a card) held for
 * the shot's duration where there is no take, one playhead and one timecode over the whole thing.
 *
 * The server sends the sequence (json_script): fps, frames, and per segment its start frame, length
 * in frames and a video, panel or card. One clock: inside a video segment the clock is the
 * video's own time; inside a hold it advances with requestAnimationFrame.
 * Needs window.StudioTime from player.js.
 */
(function () {
  "use strict";

  /* Which segment holds the given frame of the sequence (pure; segments are sorted). */
  function segmentAt(segments, frame) {
    for (var i = segments.length - 1; i >= 0; i--) {
      if (frame >= segments[i].start_frame) return i;
    }
    return 0;
  }

  function setupAnimatic(root) {
    var T = window.StudioTime;
    var sequence = JSON.parse(document.getElementById(root.dataset.animatic).textContent);
    var segments = sequence.segments;
    var fps = sequence.fps;
    var total = sequence.frames;
    // Two video decks: the one on stage, and the next circled take loading behind it, so a cut
    // from one take to the next does not wait for the network.
    var decks = Array.prototype.slice.call(root.querySelectorAll(".animatic-video"));
    var video = decks[0];
    var panel = root.querySelector(".animatic-panel");
    var card = root.querySelector(".animatic-card");
    var playhead = root.querySelector("[data-playhead]");
    var timeline = root.querySelector("[data-timeline]");
    var toggle = root.querySelector("[data-action=toggle]");
    var jump = root.querySelector("[data-jump]");
    var timecodeOut = root.querySelector("[data-timecode]");
    var frameOut = root.querySelector("[data-frame]");
    var caption = {
      code: root.querySelector("[data-caption-code]"),
      kind: root.querySelector("[data-caption-kind]"),
      action: root.querySelector("[data-caption-action]"),
      dialogue: root.querySelector("[data-caption-dialogue]"),
      scene: root.querySelector("[data-caption-scene]"), // only on the whole film's animatic
    };

    var index = -1;
    var offset = 0; // seconds into the current segment
    var playing = false;
    var lastTick = null;

    function current() { return segments[index]; }

    function globalFrame() {
      var segment = current();
      var inside = Math.min(T.frameAt(offset, fps), segment.frames - 1);
      return segment.start_frame + inside;
    }

    function render() {
      var frame = Math.min(globalFrame(), total - 1);
      timecodeOut.textContent = T.timecode(frame, fps);
      frameOut.textContent = String(frame);
      playhead.style.left = (100 * (frame + 0.5) / total) + "%";
      root.dataset.frame = String(frame);
      root.dataset.index = String(index);
    }

    function showCaption(segment) {
      caption.code.textContent = segment.code + (segment.take ? " · take " + segment.take : "");
      caption.code.href = segment.url;
      caption.kind.textContent = segment.kind === "video" ? "circled take" : (segment.kind === "panel" ? "panel" : "no take");
      caption.action.textContent = segment.action || segment.subject || "";
      caption.dialogue.textContent = segment.dialogue || "";
      caption.dialogue.hidden = !segment.dialogue;
      if (caption.scene) caption.scene.textContent = segment.scene;
    }

    function deckWith(url) {
      return decks.filter(function (deck) { return deck.getAttribute("src") === url; })[0] || null;
    }

    /* Load the next circled take after segment i into the deck that is not on stage. */
    function preloadAfter(i) {
      for (var j = i + 1; j < segments.length; j++) {
        if (segments[j].kind !== "video") continue;
        if (deckWith(segments[j].video)) return;
        var spare = decks.filter(function (deck) { return deck !== video; })[0];
        if (spare) {
          spare.preload = "auto";
          spare.src = segments[j].video;
        }
        return;
      }
    }

    /* Put segment i on the stage, `seconds` into it. */
    function enter(i, seconds) {
      var segment = segments[i];
      var changed = i !== index;
      index = i;
      offset = seconds;
      if (changed) {
        panel.hidden = segment.kind !== "panel";
        card.hidden = segment.kind !== "card";
        timeline.querySelectorAll(".animatic-segment").forEach(function (el, n) {
          el.classList.toggle("is-current", n === i);
        });
        jump.value = String(i);
        showCaption(segment);
        if (segment.kind === "panel") panel.src = segment.panel;
        if (segment.kind === "card") {
          card.querySelector(".animatic-card-code").textContent = segment.code;
          card.querySelector(".animatic-card-text").textContent = [segment.subject, segment.action].filter(Boolean).join(" — ");
        }
      }
      if (segment.kind === "video") {
        var loaded = deckWith(segment.video);
        if (loaded && loaded !== video) {
          video.pause();
          video = loaded;
        }
        if (video.getAttribute("src") !== segment.video) {
          video.src = segment.video;
        }
        if (segment.poster) video.poster = segment.poster;
        video.currentTime = seconds;
        if (playing) video.play().catch(function () {});
      } else {
        video.pause();
      }
      decks.forEach(function (deck) { deck.hidden = segment.kind !== "video" || deck !== video; });
      preloadAfter(i);
      render();
    }

    function seekFrame(frame) {
      frame = T.clampFrame(frame, total);
      var i = segmentAt(segments, frame);
      enter(i, T.timeForFrame(frame - segments[i].start_frame, fps));
    }

    function setPlaying(value) {
      playing = value;
      toggle.setAttribute("aria-label", playing ? "Pause" : "Play");
      root.classList.toggle("is-playing", playing);
      lastTick = null;
      if (current().kind === "video") {
        if (playing) video.play().catch(function () {}); else video.pause();
      }
    }

    function advance() {
      if (index + 1 < segments.length) {
        enter(index + 1, 0);
      } else {
        setPlaying(false);
        offset = current().frames / fps - 0.5 / fps;
        render();
      }
    }

    function tick(now) {
      if (playing) {
        var segment = current();
        var length = segment.frames / fps;
        if (segment.kind === "video") {
          offset = video.currentTime;
          if (video.ended || offset >= length - 0.5 / fps) advance();
        } else {
          if (lastTick !== null) offset += (now - lastTick) / 1000;
          if (offset >= length) advance();
        }
        lastTick = now;
        render();
      }
      window.requestAnimationFrame(tick);
    }

    toggle.addEventListener("click", function () {
      if (!playing && index === segments.length - 1 && globalFrame() >= total - 1) seekFrame(0);
      setPlaying(!playing);
    });
    root.querySelector("[data-action=prev]").addEventListener("click", function () {
      enter(Math.max(index - 1, 0), 0);
    });
    root.querySelector("[data-action=next]").addEventListener("click", function () {
      enter(Math.min(index + 1, segments.length - 1), 0);
    });
    jump.addEventListener("change", function () { enter(parseInt(jump.value, 10), 0); });
    timeline.addEventListener("click", function (event) {
      // A click anywhere on the bar moves the playhead there; segments are buttons for the keyboard.
      var box = timeline.getBoundingClientRect();
      if (event.detail === 0) {
        var button = event.target.closest(".animatic-segment");
        if (button) enter(parseInt(button.dataset.index, 10), 0);
        return;
      }
      var fraction = (event.clientX - box.left) / box.width;
      seekFrame(Math.floor(fraction * total));
    });
    decks.forEach(function (deck) {
      deck.addEventListener("ended", function () {
        if (deck === video && playing && current().kind === "video") advance();
      });
    });

    document.addEventListener("keydown", function (event) {
      var keys = window.StudioKeys;
      if (event.ctrlKey || event.metaKey || event.altKey || keys.isTyping(event)) return;
      // Space and Enter on a focused button (a timeline segment, Play) press that button.
      if ((event.key === " " || event.key === "Enter") && keys.isControl(event)) return;
      if (event.key === " " || event.key === "k" || event.key === "K") {
        setPlaying(event.key === " " ? !playing : false);
      } else if (event.key === "ArrowRight") {
        setPlaying(false); seekFrame(globalFrame() + (event.shiftKey ? Math.round(fps) : 1));
      } else if (event.key === "ArrowLeft") {
        setPlaying(false); seekFrame(globalFrame() - (event.shiftKey ? Math.round(fps) : 1));
      } else if (event.key === "ArrowDown" || event.key === ".") {
        enter(Math.min(index + 1, segments.length - 1), 0);
      } else if (event.key === "ArrowUp" || event.key === ",") {
        enter(Math.max(index - 1, 0), 0);
      } else if (event.key === "l" || event.key === "L") {
        setPlaying(true);
      } else if (event.key === "Home") {
        seekFrame(0);
      } else {
        return;
      }
      event.preventDefault();
    });

    enter(0, 0);
    window.requestAnimationFrame(tick);
    root.studioAnimatic = {
      seekFrame: seekFrame,
      frame: globalFrame,
      index: function () { return index; },
      play: function () { setPlaying(true); },
      pause: function () { setPlaying(false); },
      segmentAt: segmentAt,
    };
  }

  function setup() {
    document.querySelectorAll("[data-navigate]").forEach(function (select) {
      select.addEventListener("change", function () { if (select.value) window.location = select.value; });
    });
    document.querySelectorAll("[data-animatic]").forEach(setupAnimatic);
  }

  window.StudioAnimatic = { segmentAt: segmentAt };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setup);
  else setup();
})();
