// Examination pages: follow a triage's progress, and grade images with the keyboard.
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

function csrfToken(form) {
  return form.querySelector("input[name=csrfmiddlewaretoken]").value;
}

function reviewGrid(grid) {
  const items = Array.from(grid.querySelectorAll("[data-image]"));
  const keys = {};
  grid.querySelectorAll("button[name=grade]").forEach((b) => {
    keys[b.textContent.trim().charAt(0).toLowerCase()] = b.value;
  });

  function focusItem(index) {
    if (index < 0 || index >= items.length) return;
    items.forEach((item, i) => item.setAttribute("tabindex", i === index ? "0" : "-1"));
    items[index].focus();
  }

  async function grade(item, value) {
    const form = item.querySelector("form");
    const body = new FormData();
    body.append("grade", value);
    const response = await fetch(item.dataset.gradeUrl, {
      method: "POST",
      body,
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": csrfToken(form) },
    });
    const result = await response.json();
    if (!response.ok) {
      item.querySelector("[data-current]").textContent = result.error || "not saved";
      return false;
    }
    item.querySelector("[data-current]").textContent = result.label;
    item.classList.add("netsafe-review__item--graded");
    item.querySelectorAll("button[name=grade]").forEach((b) => {
      b.classList.toggle("netsafe-review__button--chosen", b.value === result.grade);
    });
    document.querySelector("[data-graded]").textContent = result.graded;
    for (const [g, n] of Object.entries(result.confirmed)) {
      const cell = document.querySelector(`[data-confirmed="${g}"]`);
      if (cell) cell.textContent = n;
    }
    return true;
  }

  grid.addEventListener("keydown", async (event) => {
    const item = event.target.closest("[data-image]");
    if (!item || event.altKey || event.ctrlKey || event.metaKey) return;
    const index = items.indexOf(item);
    const key = event.key.toLowerCase();
    if (key === "arrowright" || key === "arrowdown") {
      event.preventDefault();
      focusItem(index + 1);
    } else if (key === "arrowleft" || key === "arrowup") {
      event.preventDefault();
      focusItem(index - 1);
    } else if (keys[key]) {
      event.preventDefault();
      if (await grade(item, keys[key])) focusItem(Math.min(index + 1, items.length - 1));
    }
  });
  // Buttons work without the keyboard too; with the script they grade in place.
  grid.addEventListener("click", async (event) => {
    const button = event.target.closest("button[name=grade]");
    if (!button) return;
    event.preventDefault();
    const item = button.closest("[data-image]");
    if (await grade(item, button.value)) focusItem(items.indexOf(item));
  });
  if (items.length) {
    const target = window.location.hash && document.querySelector(window.location.hash);
    focusItem(target ? Math.max(0, items.indexOf(target)) : 0);
  }
}

document.querySelectorAll("[data-triage-status]").forEach(followProgress);
document.querySelectorAll("[data-review]").forEach(reviewGrid);
