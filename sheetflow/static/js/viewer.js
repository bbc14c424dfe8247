// The sheet viewer: draws the revision's PDF with pdf.js at the zoom shown, so lines and
// 8-pt notes stay sharp (vector), with wheel/pinch zoom, drag to pan, fit to width or page,
// keyboard shortcuts and full screen. Everything it needs comes from data-* attributes on
// #viewer; without JavaScript, or when pdf.js fails, the PNG rendering stays in place.
//
// Memory: the whole-page canvas is capped at MAX_CANVAS_PIXELS. Past that zoom a second
// canvas the size of the visible area is drawn at the full zoom over it, so the sheet is
// sharp at any zoom while no canvas grows beyond the cap.

const MAX_CANVAS_PIXELS = 16777216; // 4096 × 4096, 64 MB of RGBA
const MIN_ZOOM = 0.05; // CSS pixels per PDF point
const MAX_ZOOM = 16;
const STEP = 1.25;
const RENDER_DELAY = 120; // ms after the last zoom or scroll before drawing again
const PAD = 12; // CSS pixels around the sheet when fitted

const root = document.getElementById("viewer");
if (root) {
  start(root).catch((error) => failed(root, error));
}

function failed(root, error) {
  console.error("Viewer:", error);
  root.classList.remove("vw-ready");
  root.classList.add("vw-failed");
  const status = root.querySelector(".vw-status");
  if (status) status.textContent = "The sheet could not be drawn here; showing its image instead.";
}

async function start(root) {
  const stage = root.querySelector(".vw-stage");
  const sheet = root.querySelector(".vw-sheet");
  const fallback = root.querySelector(".vw-fallback");
  const zoomLabel = root.querySelector("[data-zoom-label]");
  root.classList.add("vw-js");

  const pdfjs = await import(root.dataset.pdfjs);
  pdfjs.GlobalWorkerOptions.workerSrc = root.dataset.worker;
  const assets = new URL(root.dataset.assets, document.baseURI).href;
  const doc = await pdfjs.getDocument({
    url: root.dataset.pdf,
    cMapUrl: assets + "cmaps/",
    cMapPacked: true,
    standardFontDataUrl: assets + "standard_fonts/",
    wasmUrl: assets + "wasm/",
    iccUrl: assets + "iccs/",
    isEvalSupported: false, // a strict Content-Security-Policy forbids eval
    enableXfa: false,
  }).promise;
  root.dataset.loaded = String(Math.round(performance.now()));
  const page = await doc.getPage(1);
  const base = page.getViewport({ scale: 1 }); // size in points, page rotation applied
  // From here the controls work: until the first drawing is done they zoom the PNG.
  root.classList.add("vw-loaded");

  let zoom = 1;
  let fit = "page"; // "page" | "width" | null (a zoom the user chose)
  let canvas = null; // the whole page, at min(zoom, cap)
  let detail = null; // the visible area at full zoom, when the whole page is capped
  let baseTask = null;
  let detailTask = null;
  let timer = 0;
  let pending = 0; // the scale the whole page is being drawn at, if any
  let generation = 0; // of detail drawings: only the latest is shown

  const dpr = () => window.devicePixelRatio || 1;
  const clamp = (z) => Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, z));

  function fitZoom(mode) {
    const width = (stage.clientWidth - 2 * PAD) / base.width;
    const height = (stage.clientHeight - 2 * PAD) / base.height;
    return clamp(mode === "width" ? width : Math.min(width, height));
  }

  // Change the zoom keeping the sheet point under (x, y) (stage coordinates) in place.
  function setZoom(next, x, y) {
    next = clamp(next);
    const ax = x ?? stage.clientWidth / 2;
    const ay = y ?? stage.clientHeight / 2;
    const px = (stage.scrollLeft + ax - sheet.offsetLeft) / zoom;
    const py = (stage.scrollTop + ay - sheet.offsetTop) / zoom;
    zoom = next;
    sheet.style.width = `${Math.round(base.width * zoom)}px`;
    sheet.style.height = `${Math.round(base.height * zoom)}px`;
    stage.scrollLeft = px * zoom + sheet.offsetLeft - ax;
    stage.scrollTop = py * zoom + sheet.offsetTop - ay;
    if (zoomLabel) zoomLabel.textContent = `${Math.round(zoom * 100)}%`;
    root.dataset.zoom = zoom.toFixed(4);
    if (detail) detail.hidden = true; // until redrawn for the new zoom
    schedule();
  }

  function setFit(mode) {
    fit = mode;
    setZoom(fitZoom(mode));
    stage.scrollLeft = 0;
    stage.scrollTop = 0;
  }

  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(() => draw().catch((error) => failed(root, error)), RENDER_DELAY);
  }

  function paint(target, viewport, transform, previous) {
    previous?.cancel();
    return page.render({
      canvas: target,
      canvasContext: target.getContext("2d"),
      viewport,
      transform,
    });
  }

  // The whole page's scale for the current zoom: the zoom itself, up to the canvas cap.
  function wholeScale() {
    const cap = Math.sqrt(MAX_CANVAS_PIXELS / (base.width * base.height));
    return Math.min(zoom * dpr(), cap);
  }

  async function draw() {
    const scale = wholeScale();
    if (!canvas || Number(canvas.dataset.scale) !== scale) {
      if (pending === scale) return; // already being drawn at this scale
      pending = scale;
      const fresh = document.createElement("canvas");
      const viewport = page.getViewport({ scale });
      fresh.width = Math.floor(viewport.width);
      fresh.height = Math.floor(viewport.height);
      fresh.className = "vw-canvas";
      fresh.setAttribute("aria-hidden", "true");
      baseTask = paint(fresh, viewport, null, baseTask);
      try {
        await baseTask.promise;
      } catch (error) {
        if (error?.name === "RenderingCancelledException") return;
        throw error;
      } finally {
        if (pending === scale) pending = 0;
      }
      if (wholeScale() !== scale) return; // zoomed meanwhile: that drawing follows
      fresh.dataset.scale = String(scale);
      if (canvas) canvas.replaceWith(fresh);
      else sheet.prepend(fresh);
      canvas = fresh;
      root.dataset.renderScale = scale.toFixed(4);
      if (!root.classList.contains("vw-ready")) firstPaint();
    }
    const wanted = zoom * dpr();
    if (scale < wanted) await drawDetail(wanted);
    else if (detail) detail.hidden = true;
  }

  // The visible part of the sheet at the full zoom (only past the whole-page cap).
  async function drawDetail(scale) {
    const mine = ++generation;
    const ratio = dpr();
    const left = Math.max(0, stage.scrollLeft - sheet.offsetLeft);
    const top = Math.max(0, stage.scrollTop - sheet.offsetTop);
    const width = Math.min(stage.clientWidth, sheet.offsetWidth - left);
    const height = Math.min(stage.clientHeight, sheet.offsetHeight - top);
    if (width <= 0 || height <= 0) return;
    const fresh = document.createElement("canvas");
    fresh.width = Math.floor(width * ratio);
    fresh.height = Math.floor(height * ratio);
    fresh.className = "vw-detail";
    fresh.setAttribute("aria-hidden", "true");
    fresh.style.left = `${left}px`;
    fresh.style.top = `${top}px`;
    fresh.style.width = `${width}px`;
    fresh.style.height = `${height}px`;
    const viewport = page.getViewport({ scale });
    const shift = [1, 0, 0, 1, -left * ratio, -top * ratio];
    detailTask = paint(fresh, viewport, shift, detailTask);
    try {
      await detailTask.promise;
    } catch (error) {
      if (error?.name === "RenderingCancelledException") return;
      throw error;
    }
    if (mine !== generation) return;
    fresh.dataset.scale = String(scale);
    if (detail) detail.replaceWith(fresh);
    else sheet.append(fresh);
    detail = fresh;
    root.dataset.detailScale = scale.toFixed(4);
  }

  function firstPaint() {
    root.classList.add("vw-ready");
    if (fallback) fallback.hidden = true;
    const status = root.querySelector(".vw-status");
    if (status) status.textContent = "";
    root.dataset.firstPaint = String(Math.round(performance.now()));
    performance.mark("viewer-first-paint");
  }

  // --- input -------------------------------------------------------------------------------

  function stagePoint(event) {
    const rect = stage.getBoundingClientRect();
    return [event.clientX - rect.left, event.clientY - rect.top];
  }

  stage.addEventListener(
    "wheel",
    (event) => {
      event.preventDefault();
      const lines = event.deltaMode === 1 ? 16 : event.deltaMode === 2 ? 400 : 1;
      // A trackpad pinch arrives as a wheel with ctrlKey and small deltas: zoom faster.
      const speed = event.ctrlKey ? 0.01 : 0.0015;
      fit = null;
      setZoom(zoom * Math.exp(-event.deltaY * lines * speed), ...stagePoint(event));
    },
    { passive: false },
  );

  // One pointer drags the sheet; two pinch-zoom around their midpoint.
  const pointers = new Map();
  let pinch = null;
  stage.addEventListener("pointerdown", (event) => {
    if (event.button !== 0) return;
    stage.setPointerCapture(event.pointerId);
    pointers.set(event.pointerId, [event.clientX, event.clientY]);
    root.classList.add("vw-dragging");
    if (pointers.size === 2) {
      const [a, b] = [...pointers.values()];
      pinch = { distance: Math.hypot(a[0] - b[0], a[1] - b[1]), zoom };
    }
  });
  stage.addEventListener("pointermove", (event) => {
    const last = pointers.get(event.pointerId);
    if (!last) return;
    const now = [event.clientX, event.clientY];
    pointers.set(event.pointerId, now);
    if (pointers.size === 1) {
      stage.scrollLeft -= now[0] - last[0];
      stage.scrollTop -= now[1] - last[1];
    } else if (pinch && pointers.size === 2) {
      const [a, b] = [...pointers.values()];
      const distance = Math.hypot(a[0] - b[0], a[1] - b[1]);
      const rect = stage.getBoundingClientRect();
      fit = null;
      setZoom(
        (pinch.zoom * distance) / pinch.distance,
        (a[0] + b[0]) / 2 - rect.left,
        (a[1] + b[1]) / 2 - rect.top,
      );
    }
  });
  const release = (event) => {
    pointers.delete(event.pointerId);
    if (pointers.size < 2) pinch = null;
    if (!pointers.size) root.classList.remove("vw-dragging");
  };
  stage.addEventListener("pointerup", release);
  stage.addEventListener("pointercancel", release);
  stage.addEventListener("scroll", () => {
    if (detail) schedule();
  });

  const actions = {
    "zoom-in": () => {
      fit = null;
      setZoom(zoom * STEP);
    },
    "zoom-out": () => {
      fit = null;
      setZoom(zoom / STEP);
    },
    "fit-width": () => setFit("width"),
    "fit-page": () => setFit("page"),
    fullscreen: () => toggleFullscreen(),
  };
  root.addEventListener("click", (event) => {
    const button = event.target.closest("[data-action]");
    if (button && actions[button.dataset.action]) actions[button.dataset.action]();
  });

  function go(rel) {
    const link = root.querySelector(`a[data-rel="${rel}"]`);
    if (link) window.location.assign(link.href);
  }

  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.target.closest("input, select, textarea, summary, details[open]")) return;
    const pan = stage.clientHeight * 0.2;
    const keys = {
      "+": actions["zoom-in"],
      "=": actions["zoom-in"],
      "-": actions["zoom-out"],
      0: actions["fit-page"],
      w: actions["fit-width"],
      f: actions.fullscreen,
      ArrowLeft: () => go("prev"),
      ArrowRight: () => go("next"),
      ArrowUp: () => stage.scrollBy(0, -pan),
      ArrowDown: () => stage.scrollBy(0, pan),
    };
    const action = keys[event.key];
    if (action) {
      event.preventDefault();
      action();
    }
  });

  function showFull(on) {
    root.classList.toggle("vw-full", on);
    const button = root.querySelector('[data-action="fullscreen"]');
    button.textContent = on ? "Exit full screen" : "Full screen";
    button.setAttribute("aria-pressed", String(on));
  }

  function toggleFullscreen() {
    const on = !root.classList.contains("vw-full");
    showFull(on);
    if (on && root.requestFullscreen) root.requestFullscreen().catch(() => {});
    if (!on && document.fullscreenElement) document.exitFullscreen().catch(() => {});
  }
  document.addEventListener("fullscreenchange", () => {
    if (!document.fullscreenElement) showFull(false);
  });

  // Keep a fitted sheet fitted when the window or the full-screen state changes its size.
  new ResizeObserver(() => {
    if (fit) setZoom(fitZoom(fit));
    else schedule();
  }).observe(stage);

  setFit(root.dataset.fit === "width" ? "width" : "page");
  await draw();
}
