// Progressive enhancement for job pages (exports, verification): with scripts on, the
// progress bar follows the job's JSON status instead of the page reloading itself
// (the <noscript> meta refresh does that without scripts). When the job ends, the
// page is loaded once more to show the result.
(function () {
  "use strict";
  var box = document.querySelector("[data-job-status]");
  if (!box) {
    return;
  }
  var url = box.getAttribute("data-job-status");
  var bar = box.querySelector("progress");
  var figures = box.querySelector("[data-job-figures]");
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        return response.json();
      })
      .then(function (job) {
        if (!job.running) {
          window.location.reload();
          return;
        }
        if (bar) {
          bar.max = job.total || 1;
          bar.value = job.done;
          bar.textContent = job.done + " of " + job.total;
        }
        if (figures) {
          figures.textContent = job.done + " of " + (job.total || "(counting)");
        }
        window.setTimeout(poll, 1000);
      })
      .catch(function () {
        window.setTimeout(poll, 5000);
      });
  }
  window.setTimeout(poll, 1000);
})();
