/* The import job page while a step runs: polls the job's status (imports:status) and shows
   the phase and the rows read, checked and written; reloads the page once the step has ended.
   The texts come from the server (views.progress_status), so page and script say the same. */
(function () {
    "use strict";

    var POLL_MS = 1000;

    function setText(id, text) {
        var element = document.getElementById(id);
        if (element && element.textContent !== text) {
            element.textContent = text;
        }
    }

    function start() {
        var box = document.getElementById("job-progress");
        if (!box) {
            return;
        }
        var url = box.getAttribute("data-status-url");
        var bar = box.querySelector("progress");

        function show(data) {
            setText("job-phase", data.phase_text);
            data.steps.forEach(function (step) {
                setText("job-step-" + step.key, step.text);
            });
            bar.max = data.total_rows || 1;
            if (data.phase === "writing") {
                bar.removeAttribute("value"); // one transaction: no count until it commits
            } else {
                bar.value = data.processed_rows;
            }
        }

        function poll() {
            fetch(url, {credentials: "same-origin", cache: "no-store", headers: {Accept: "application/json"}})
                .then(function (response) {
                    if (!response.ok) {
                        throw new Error("status " + response.status);
                    }
                    return response.json();
                })
                .then(function (data) {
                    if (!data.running) {
                        window.location.reload();
                        return;
                    }
                    show(data);
                    window.setTimeout(poll, POLL_MS);
                })
                .catch(function () {
                    window.setTimeout(poll, POLL_MS * 5);
                });
        }

        window.setTimeout(poll, POLL_MS);
    }

    if (document.readyState === "loading") {
        document.addEventListener("DOMContentLoaded", start);
    } else {
        start();
    }
})();
