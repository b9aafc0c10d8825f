/*
 * The upload page: files dropped or chosen are sent one at a time to POST /api/lake/upload with
 * upload progress; each row then shows the outcome, and a queued file's row follows the
 * bedrot:lake-file-updated events live.js dispatches (no polling).
 */
(function () {
  "use strict";

  var form = document.getElementById("upload-form");
  if (!form) {
    return;
  }
  var input = document.getElementById("upload-files");
  var dropzone = document.getElementById("upload-dropzone");
  var tbody = document.getElementById("upload-rows");
  var template = document.getElementById("upload-row-template");
  var maxBytes = parseInt(form.getAttribute("data-max-bytes"), 10) || 0;

  var queue = [];
  var busy = false;
  var rowsByFileId = {};
  // Events can arrive before the upload response that names the file: keep the latest of each.
  var latestById = {};

  function field(row, name) {
    return row.querySelector('[data-field="' + name + '"]');
  }

  function setText(row, name, value) {
    var cell = field(row, name);
    cell.textContent = value === null || value === undefined || value === "" ? "-" : String(value);
    cell.classList.remove("muted");
  }

  function setResult(row, text, kind) {
    var cell = field(row, "result");
    cell.textContent = text;
    cell.classList.remove("ok", "error", "muted");
    cell.classList.add(kind);
    row.setAttribute("data-result", text.split(":")[0]);
  }

  function addRow(file) {
    var empty = document.getElementById("upload-empty");
    if (empty) {
      empty.remove();
    }
    var row = template.content.firstElementChild.cloneNode(true);
    field(row, "name").textContent = file.name;
    tbody.appendChild(row);
    return row;
  }

  // A file's lineage status -> what the row says (a queued upload reaches one of these later).
  function resultFromStatus(file) {
    switch (file.status) {
      case "loaded":
        return ["accepted", "ok"];
      case "duplicate":
        return ["duplicate", "muted"];
      case "quarantined":
      case "failed":
        return ["rejected: " + (file.error || file.status), "error"];
      default:
        return null;
    }
  }

  function showLineage(row, file) {
    setText(row, "source", file.source);
    setText(row, "account", file.account);
    setText(row, "rows_out", file.rows_out);
    setText(row, "rows_rejected", file.rows_rejected);
  }

  function showOutcome(row, body) {
    showLineage(row, body);
    var fromStatus = resultFromStatus(body);
    if (body.result === "accepted") {
      setResult(row, "accepted", "ok");
    } else if (body.result === "duplicate") {
      setResult(row, "duplicate", "muted");
    } else if (body.result === "rejected") {
      setResult(row, "rejected: " + (body.reason || body.error || "no reason given"), "error");
    } else if (fromStatus) {
      setResult(row, fromStatus[0], fromStatus[1]); // queued, but already finished
    } else {
      setResult(row, "queued", "muted");
    }
    if (body.id !== null && body.id !== undefined) {
      rowsByFileId[body.id] = row;
      row.setAttribute("data-lake-file-id", String(body.id));
      if (latestById[body.id]) {
        followFile(latestById[body.id]);
      }
    }
  }

  function followFile(file) {
    var row = rowsByFileId[file.id];
    if (!row || row.getAttribute("data-result") !== "queued") {
      return;
    }
    showLineage(row, file);
    var fromStatus = resultFromStatus(file);
    if (fromStatus) {
      setResult(row, fromStatus[0], fromStatus[1]);
    }
  }

  function errorMessage(xhr) {
    var body = null;
    try {
      body = JSON.parse(xhr.responseText);
    } catch (error) {
      body = null;
    }
    if (body && body.detail) {
      return body.detail;
    }
    if (body && typeof body === "object") {
      var parts = [];
      Object.keys(body).forEach(function (key) {
        var value = body[key];
        parts.push(key + ": " + (Array.isArray(value) ? value.join(" ") : String(value)));
      });
      if (parts.length) {
        return parts.join("; ");
      }
    }
    return "HTTP " + xhr.status;
  }

  function csrfToken() {
    var token = form.querySelector('input[name="csrfmiddlewaretoken"]');
    return token ? token.value : "";
  }

  function send(item, done) {
    var row = item.row;
    var progress = field(row, "progress");
    var data = new FormData();
    data.append("file", item.file, item.file.name);
    if (item.source) {
      data.append("source", item.source);
    }
    if (item.account) {
      data.append("account", item.account);
    }
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.getAttribute("action"));
    xhr.setRequestHeader("X-CSRFToken", csrfToken());
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.addEventListener("progress", function (event) {
      if (event.lengthComputable && event.total > 0) {
        progress.value = event.loaded / event.total;
      }
    });
    setResult(row, "uploading", "muted");
    xhr.addEventListener("load", function () {
      progress.value = 1;
      if (xhr.status >= 200 && xhr.status < 300) {
        try {
          showOutcome(row, JSON.parse(xhr.responseText));
        } catch (error) {
          setResult(row, "failed: unreadable response", "error");
        }
      } else {
        setResult(row, "refused: " + errorMessage(xhr), "error");
      }
      done();
    });
    xhr.addEventListener("error", function () {
      setResult(row, "failed: network error", "error");
      done();
    });
    xhr.addEventListener("abort", function () {
      setResult(row, "failed: aborted", "error");
      done();
    });
    xhr.send(data);
  }

  function next() {
    if (busy || !queue.length) {
      return;
    }
    busy = true;
    send(queue.shift(), function () {
      busy = false;
      next();
    });
  }

  function enqueue(files) {
    var source = form.elements.source.value;
    var account = form.elements.account.value.trim();
    Array.prototype.forEach.call(files, function (file) {
      var row = addRow(file);
      if (maxBytes && file.size > maxBytes) {
        // The server refuses it too; this saves sending the bytes.
        setResult(row, "refused: larger than the upload limit", "error");
        return;
      }
      queue.push({ file: file, row: row, source: source, account: account });
    });
    next();
  }

  input.addEventListener("change", function () {
    var files = Array.prototype.slice.call(input.files);
    input.value = ""; // choosing the same file again uploads it again
    enqueue(files);
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
  });

  ["dragenter", "dragover"].forEach(function (name) {
    dropzone.addEventListener(name, function (event) {
      event.preventDefault();
      dropzone.classList.add("over");
    });
  });
  ["dragleave", "drop"].forEach(function (name) {
    dropzone.addEventListener(name, function (event) {
      event.preventDefault();
      dropzone.classList.remove("over");
    });
  });
  dropzone.addEventListener("drop", function (event) {
    if (event.dataTransfer && event.dataTransfer.files.length) {
      enqueue(event.dataTransfer.files);
    }
  });

  document.body.addEventListener("bedrot:lake-file-updated", function (event) {
    var file = event.detail;
    if (!file || file.id === undefined) {
      return;
    }
    latestById[file.id] = file;
    followFile(file);
  });
})();
