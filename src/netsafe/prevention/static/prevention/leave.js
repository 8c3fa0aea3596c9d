// "Leave this site quickly": go to the exit page *replacing* this one in the browser's
// history, so that Back does not bring the help page up again. Without JavaScript the
// control is an ordinary link, and still leaves.
document.addEventListener("click", (event) => {
  const link = event.target.closest("a[data-leave]");
  if (!link || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey) return;
  event.preventDefault();
  // Hide the page at once: the next one may take a moment to load.
  document.body.style.visibility = "hidden";
  document.title = "";
  window.location.replace(link.href);
});
