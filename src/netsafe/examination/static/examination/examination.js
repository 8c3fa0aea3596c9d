// Examination pages: follow a triage's progress, and grade pictures with the keyboard.
// A module file, not inline script: the Content Security Policy allows no inline code.

const POLL_MS = 1000;

function followProgress(box) {
  const bar = box.querySelector("[data-triage-bar]");
  const text = box.querySelector("[data-triage-text]");
  const label = box.querySelector("[data-triage-label]");
  async function poll() {
    let state;
    try {
      const response = await fetch(box.dataset.triageStatus, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      });
      if (!response.ok) throw new Error(response.statusText);
      state = await response.json();
    } catch {
      setTimeout(poll, 5 * POLL_MS); // the server is busy or gone: try again later
      return;
    }
    bar.value = state.percent;
    bar.textContent = `${state.percent}%`;
    label.textContent = state.label;
    const total = state.files_total === null ? "" : ` of ${state.files_total.toLocaleString()}`;
    text.textContent = `${state.percent}% – ${state.files_done.toLocaleString()}${total} files`;
    if (state.finished) {
      // The report is drawn by the server: show it.
      window.location.reload();
    } else {
      setTimeout(poll, POLL_MS);
    }
  }
  setTimeout(poll, POLL_MS);
}

// The gallery: keys follow the grid (arrows by row and column), A/B/C/N grade the focused
// tile, S splits a near-identical stack, U undoes, Enter opens the larger view (the tile is
// a link). Steps are sent one after the other, and the tally shows what the server says
// it stored after each, so fast keying cannot make it drift.
function gallery(grid) {
  const tiles = Array.from(grid.querySelectorAll("[data-tile]"));
  const token = document.querySelector("input[name=csrfmiddlewaretoken]").value;
  const error = document.querySelector("[data-gallery-error]");
  const keys = { a: "A", b: "B", c: "C", n: "non-pertinent" };
  let queue = Promise.resolve();

  const link = (tile) => tile.querySelector("[data-tile-link]");
  const isDone = (tile) => tile.dataset.grade !== "" || tile.dataset.pending === "1";

  function focusTile(tile) {
    if (!tile) return;
    tiles.forEach((t) => link(t).setAttribute("tabindex", t === tile ? "0" : "-1"));
    link(tile).focus();
  }

  function columns() {
    if (!tiles.length) return 1;
    const top = tiles[0].offsetTop;
    const n = tiles.findIndex((t) => t.offsetTop !== top);
    return n === -1 ? tiles.length : n;
  }

  function nextUngraded(from) {
    const start = tiles.indexOf(from);
    const order = tiles.slice(start + 1).concat(tiles.slice(0, start));
    return order.find((t) => !isDone(t));
  }

  function showTally(tally) {
    document.querySelector("[data-graded]").textContent = tally.graded.toLocaleString();
    document.querySelector("[data-total]").textContent = tally.total.toLocaleString();
    for (const [g, n] of Object.entries(tally.confirmed)) {
      const cell = document.querySelector(`[data-confirmed="${g}"]`);
      if (cell) cell.textContent = n.toLocaleString();
    }
    const review = document.querySelector("[data-to-review]");
    if (review && tally.to_review !== undefined) {
      review.textContent = tally.to_review.toLocaleString();
      review.closest("[data-to-review-line]").hidden = tally.to_review === 0;
    }
  }

  function showTile(id, state) {
    const tile = document.getElementById(`tile-${id}`);
    if (!tile) return null;
    tile.dataset.grade = state.grade;
    delete tile.dataset.pending;
    tile.classList.remove("netsafe-tile--pending");
    tile.classList.toggle("netsafe-tile--graded", state.grade !== "");
    const current = tile.querySelector("[data-current]");
    current.textContent = state.label || grid.dataset.notYet;
    const opinion = tile.querySelector("[data-second-opinion]");
    if (opinion && state.second_opinion !== undefined) {
      // The words come from the page (translated); only the category is filled in.
      opinion.hidden = state.second_opinion === "";
      if (state.second_opinion) {
        opinion.textContent = opinion.dataset.label.replace("%s", state.second_opinion);
      }
    }
    return tile;
  }

  async function post(url, body) {
    const response = await fetch(url, {
      method: "POST",
      body,
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": token },
    });
    const result = await response.json();
    if (result.tally) showTally(result.tally);
    if (!response.ok) throw new Error(result.error || response.statusText);
    error.textContent = "";
    return result;
  }

  let inFlight = 0;
  function step(work) {
    // One step after the other: each sees the state the previous one stored.
    inFlight += 1;
    grid.dataset.busy = "1";
    queue = queue
      .then(work)
      .catch((e) => {
        error.textContent = e.message;
        tiles.forEach((t) => {
          if (t.dataset.pending === "1") {
            delete t.dataset.pending;
            t.classList.remove("netsafe-tile--pending");
          }
        });
      })
      .finally(() => {
        inFlight -= 1;
        if (!inFlight) delete grid.dataset.busy;
      });
  }

  function grade(tile, value) {
    tile.dataset.pending = "1";
    tile.classList.add("netsafe-tile--pending");
    const body = new FormData();
    body.append("grade", value);
    step(async () => {
      const result = await post(tile.dataset.gradeUrl, body);
      for (const [id, state] of Object.entries(result.tiles)) showTile(id, state);
    });
    const next = nextUngraded(tile);
    if (next) focusTile(next);
    else {
      const more = document.querySelector(".govuk-pagination__next a");
      if (more) more.focus();
    }
  }

  function reloadAt(id) {
    const url = new URL(window.location.href);
    url.hash = `tile-${id}`;
    window.location.assign(url.toString());
    window.location.reload();
  }

  function split(tile) {
    if (!tile.dataset.splitUrl) return;
    step(async () => {
      const result = await post(tile.dataset.splitUrl, new FormData());
      reloadAt(result.tile);
    });
  }

  function undo() {
    step(async () => {
      const result = await post(grid.dataset.undoUrl, new FormData());
      if (result.action === "split") {
        reloadAt(result.tile);
        return;
      }
      let changed = null;
      for (const [id, state] of Object.entries(result.tiles)) changed = showTile(id, state);
      if (changed) focusTile(changed);
    });
  }

  grid.addEventListener("keydown", (event) => {
    const tile = event.target.closest("[data-tile]");
    if (!tile || event.altKey || event.ctrlKey || event.metaKey) return;
    const index = tiles.indexOf(tile);
    const key = event.key.length === 1 ? event.key.toLowerCase() : event.key;
    const moves = { ArrowRight: 1, ArrowLeft: -1, ArrowDown: columns(), ArrowUp: -columns() };
    if (key in moves) {
      event.preventDefault();
      const target = tiles[index + moves[key]];
      if (target) focusTile(target);
    } else if (key in keys) {
      event.preventDefault();
      grade(tile, keys[key]);
    } else if (key === "s") {
      event.preventDefault();
      split(tile);
    } else if (key === "u") {
      event.preventDefault();
      undo();
    }
  });
  grid.addEventListener("focusin", (event) => {
    const tile = event.target.closest("[data-tile]");
    if (tile) tiles.forEach((t) => link(t).setAttribute("tabindex", t === tile ? "0" : "-1"));
  });

  // Blur until focused: the setting applies at once and is kept for the examiner.
  const blurForm = document.querySelector("[data-blur-form]");
  if (blurForm) {
    const box = blurForm.querySelector("#setting-blur");
    box.addEventListener("change", () => {
      grid.classList.toggle("netsafe-gallery--blur", box.checked);
      const body = new FormData();
      body.append("blur", box.checked ? "1" : "0");
      fetch(blurForm.action, {
        method: "POST",
        body,
        credentials: "same-origin",
        headers: { Accept: "application/json", "X-CSRFToken": token },
      });
    });
  }

  // Open where the examiner left off: the tile named in the address, else the first
  // not graded yet, with as many pictures on the screen as it holds.
  if (tiles.length) {
    const named = window.location.hash && document.getElementById(window.location.hash.slice(1));
    const start =
      (named && tiles.includes(named) && named) ||
      grid.querySelector("[data-first-ungraded]") ||
      tiles.find((t) => !isDone(t)) ||
      tiles[0];
    const bar = document.querySelector(".netsafe-gallery__bar");
    (bar || grid).scrollIntoView({ block: "start" });
    link(start).focus({ preventScroll: true });
    tiles.forEach((t) => link(t).setAttribute("tabindex", t === start ? "0" : "-1"));
    const box = start.getBoundingClientRect();
    if (box.bottom > window.innerHeight) start.scrollIntoView({ block: "center" });
  }
}

document.querySelectorAll("[data-triage-status]").forEach(followProgress);
document.querySelectorAll("[data-gallery]").forEach(gallery);
