// Keeps the open page current without reloading it: every few seconds (main's data-refresh)
// the same address is fetched and the new <main> replaces the old, unless the person is typing
// in a form of it or the tab is hidden. No library, nothing sent but the GET the page made.
(function () {
  "use strict";
  const main = document.querySelector("main[data-refresh]");
  if (!main) return;
  const seconds = Number(main.dataset.refresh) || 5;
  let busy = false;
  async function refresh() {
    if (busy || document.hidden) return;
    const active = document.activeElement;
    if (active && main.contains(active) && active.closest("form")) return;
    busy = true;
    try {
      const answer = await fetch(location.href, { headers: { "Accept": "text/html" }, credentials: "same-origin" });
      if (!answer.ok) return;
      const page = new DOMParser().parseFromString(await answer.text(), "text/html");
      const fresh = page.querySelector("main");
      if (fresh) {
        main.innerHTML = fresh.innerHTML;
        main.dataset.refreshed = new Date().toISOString();
      }
    } catch (_) {
      // The console stopped or the network blinked: try again at the next tick.
    } finally {
      busy = false;
    }
  }
  setInterval(refresh, seconds * 1000);
})();
