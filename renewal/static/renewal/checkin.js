/* 受付 (check-in desk, renewal/views/checkin.py): reads a ticket's or member card's QR code with
   the device camera (the browser's BarcodeDetector where it reads QR codes, else the vendored
   jsQR), or takes a typed code, and posts one code per request to the scan endpoint (JSON).
   Offline (no network, or a request that fails), a scan is kept in localStorage and sent when
   the network is back; the endpoint is idempotent by the code, so a scan sent twice counts once. */
(function () {
    "use strict";

    var SCAN_EVERY_MS = 200;
    var SAME_CODE_PAUSE_MS = 10000;
    var RETRY_MS = 5000;
    var ACTION_IDS = ["action-attend", "action-collect", "action-register"];

    function start() {
        var root = document.getElementById("checkin");
        if (!root) {
            return;
        }
        var scanUrl = root.getAttribute("data-scan-url");
        var csrfToken = root.getAttribute("data-csrf-token");
        var attendOnScan = root.getAttribute("data-attend-on-scan") === "1";
        var queueKey = "checkin-queue:" + root.getAttribute("data-session");
        var byId = function (id) { return document.getElementById(id); };
        var lastCode = null;
        var lastCodeAt = 0;
        var currentCode = null;
        var flushing = false;

        /* --- the queue of scans made offline --- */
        function readQueue() {
            try {
                return JSON.parse(window.localStorage.getItem(queueKey) || "[]");
            } catch (error) {
                return [];
            }
        }

        function writeQueue(queue) {
            window.localStorage.setItem(queueKey, JSON.stringify(queue));
            showNetworkState();
        }

        function enqueue(code) {
            var queue = readQueue();
            if (!queue.some(function (item) { return item.code === code; })) {
                queue.push({code: code, at: new Date().toISOString()});
                writeQueue(queue);
            }
            showResult({status: "queued", message: "オフラインのため、この読み取りを保存しました。接続が戻ると送信します。", person: {}});
        }

        function showNetworkState() {
            var count = readQueue().length;
            var offline = !navigator.onLine;
            byId("checkin-offline").hidden = !offline;
            byId("queue-count").textContent = String(count);
            byId("checkin-queue").hidden = offline || count === 0;
            byId("queue-count-online").textContent = String(count);
        }

        /* --- the endpoint --- */
        function post(code, action) {
            var body = new FormData();
            body.append("code", code);
            body.append("action", action);
            return fetch(scanUrl, {
                method: "POST",
                body: body,
                credentials: "same-origin",
                headers: {"X-CSRFToken": csrfToken, "Accept": "application/json"}
            }).then(function (response) {
                var type = response.headers.get("Content-Type") || "";
                if (type.indexOf("application/json") === -1) {
                    /* the login page (the session ended), a proxy's error page: kept, tried again later */
                    var error = new Error("not json");
                    error.loggedOut = response.redirected;
                    throw error;
                }
                return response.json();
            });
        }

        function showCounts(counts) {
            if (!counts) {
                return;
            }
            byId("count-registered").textContent = String(counts.registered);
            byId("count-checked-in").textContent = String(counts.checked_in);
            byId("count-not-arrived").textContent = String(counts.not_arrived);
        }

        function removeFromNotArrived(data) {
            if ((data.status === "attended" || data.status === "already") && data.registration_id) {
                var row = document.querySelector('#not-arrived tr[data-registration="' + data.registration_id + '"]');
                if (row) {
                    row.remove();
                }
            }
        }

        /* An action button sends its request once: a double tap would otherwise send it twice
           and show the second answer, 「重複の読み取り」, for a person just checked in. */
        function setActionsBusy(busy) {
            ACTION_IDS.forEach(function (id) { byId(id).disabled = busy; });
        }

        function showResult(data) {
            setActionsBusy(false);
            var box = byId("checkin-result");
            var person = data.person || {};
            box.hidden = false;
            box.setAttribute("data-status", data.status);
            byId("result-message").textContent = data.message;
            byId("result-person").hidden = !person.name;
            byId("result-name").textContent = person.name ? person.name + "(" + person.kana + ")" : "";
            byId("result-number-label").textContent = person.number_label || "会員番号";
            byId("result-number").textContent = person.member_number || "";
            byId("result-session").textContent = person.session || "";
            byId("result-fee").textContent = person.fee || "";
            byId("action-attend").hidden = data.status !== "found";
            byId("action-collect").hidden = data.status !== "fee_due" && !(data.status === "found" && person.fee && person.fee.indexOf("未納") === 0);
            if (!byId("action-collect").hidden) {
                byId("action-attend").hidden = true;
            }
            byId("action-register").hidden = data.status !== "walk_in";
            if (box.scrollIntoView) {
                box.scrollIntoView({block: "nearest"});  /* below the camera on a phone */
            }
        }

        function handle(code, action) {
            currentCode = code;
            if (!navigator.onLine) {
                enqueue(code);
                return;
            }
            post(code, action).then(function (data) {
                showResult(data);
                showCounts(data.counts);
                removeFromNotArrived(data);
            }).catch(function (error) {
                enqueue(code);
                if (error && error.loggedOut) {
                    byId("result-message").textContent = "ログインの有効期限が切れたようです。読み取りは保存しました。ページを開き直してログインしてください。";
                }
            });
        }

        function flush() {
            var queue = readQueue();
            if (flushing || !navigator.onLine || queue.length === 0) {
                return;
            }
            flushing = true;
            var item = queue[0];
            post(item.code, "attend").then(function (data) {
                writeQueue(readQueue().filter(function (other) { return other.code !== item.code; }));
                showCounts(data.counts);
                removeFromNotArrived(data);
                var line = document.createElement("li");
                var who = data.person && data.person.name ? data.person.name + ": " : item.code + ": ";
                line.textContent = who + data.message;
                line.setAttribute("data-status", data.status);
                byId("sent-list").appendChild(line);
                byId("checkin-sent").hidden = false;
                flushing = false;
                flush();
            }).catch(function () {
                flushing = false;  /* still no network: the next try or the online event sends it */
            });
        }

        /* --- typed code and buttons --- */
        byId("code-form").addEventListener("submit", function (event) {
            event.preventDefault();
            var input = byId("code");
            var code = input.value.trim();
            if (code) {
                handle(code, attendOnScan ? "attend" : "look");
                input.value = "";
            }
        });
        ACTION_IDS.forEach(function (id) {
            byId(id).addEventListener("click", function () {
                if (currentCode && !byId(id).disabled) {
                    setActionsBusy(true);
                    handle(currentCode, byId(id).getAttribute("data-action"));
                }
            });
        });

        /* --- the camera --- */
        var video = byId("camera");
        var canvas = document.createElement("canvas");
        var stream = null;
        var detector = null;

        function found(text) {
            var now = Date.now();
            if (text === lastCode && now - lastCodeAt < SAME_CODE_PAUSE_MS) {
                lastCodeAt = now;  /* the same ticket still in front of the camera: read once */
                return;
            }
            lastCode = text;
            lastCodeAt = now;
            handle(text, attendOnScan ? "attend" : "look");
        }

        function readFrame() {
            if (!stream) {
                return;
            }
            if (video.readyState >= 2 && video.videoWidth > 0) {
                if (detector) {
                    detector.detect(video).then(function (codes) {
                        if (codes.length) {
                            found(codes[0].rawValue);
                        }
                    }).catch(function () {});
                } else if (window.jsQR) {
                    canvas.width = video.videoWidth;
                    canvas.height = video.videoHeight;
                    var context = canvas.getContext("2d", {willReadFrequently: true});
                    context.drawImage(video, 0, 0, canvas.width, canvas.height);
                    var image = context.getImageData(0, 0, canvas.width, canvas.height);
                    var code = window.jsQR(image.data, image.width, image.height, {inversionAttempts: "dontInvert"});
                    if (code && code.data) {
                        found(code.data);
                    }
                }
            }
            window.setTimeout(readFrame, SCAN_EVERY_MS);
        }

        function useDetector() {
            if (!("BarcodeDetector" in window)) {
                return Promise.resolve(null);
            }
            return window.BarcodeDetector.getSupportedFormats().then(function (formats) {
                return formats.indexOf("qr_code") === -1 ? null : new window.BarcodeDetector({formats: ["qr_code"]});
            }).catch(function () { return null; });
        }

        byId("camera-start").addEventListener("click", function () {
            var message = byId("camera-message");
            if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
                message.textContent = "この端末・ブラウザではカメラを使えません(https で開いているかご確認ください)。受付コードを入力してください。";
                return;
            }
            message.textContent = "カメラを起動しています…";
            Promise.all([
                navigator.mediaDevices.getUserMedia({video: {facingMode: "environment"}, audio: false}),
                useDetector()
            ]).then(function (results) {
                stream = results[0];
                detector = results[1];
                video.srcObject = stream;
                video.hidden = false;
                byId("camera-start").hidden = true;
                byId("camera-stop").hidden = false;
                message.textContent = "QRコードをカメラに向けてください。";
                return video.play();
            }).then(readFrame).catch(function () {
                message.textContent = "カメラを起動できませんでした。カメラの使用を許可するか、受付コードを入力してください。";
            });
        });
        byId("camera-stop").addEventListener("click", function () {
            if (stream) {
                stream.getTracks().forEach(function (track) { track.stop(); });
            }
            stream = null;
            video.hidden = true;
            byId("camera-start").hidden = false;
            byId("camera-stop").hidden = true;
            byId("camera-message").textContent = "";
        });

        /* --- network --- */
        window.addEventListener("online", function () { showNetworkState(); flush(); });
        window.addEventListener("offline", showNetworkState);
        window.setInterval(flush, RETRY_MS);
        showNetworkState();
        flush();
    }

    if (document.readyState === "loading") {
        document.addEventListener("DOMContentLoaded", start);
    } else {
        start();
    }
}());
