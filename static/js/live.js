/*
 * Live updates for Bedrot pages: one WebSocket to /ws/dashboard/, turned into DOM events.
 *
 *   bedrot:load-finished      on document.body when a warehouse load finished (or one was missed
 *                             while the socket was away); detail {as_of, load_id, datasets}.
 *   bedrot:lake-file-updated  on document.body when a lake file changed; detail is the file.
 *   bedrot:alerts-changed     on document.body when an alert refresh created or escalated
 *                             alerts; detail {created, changed}. Alert lists listen for it.
 *   bedrot:health-changed     on document.body after a health check; detail
 *                             {overall_status, scores}. Health cards and status badges listen.
 *   bedrot:refresh            on each element with data-datasets="a b" whose datasets (names or
 *                             prefixes) were just loaded; htmx fragments use it as hx-trigger.
 *
 * While subscribed, <html data-live="connected">; "disconnected" while the socket is away.
 *
 * A page with an htmx ws element for the same path (ws-connect="/ws/dashboard/") shares that
 * socket; any other page gets its own, reconnecting with backoff. Nothing polls.
 */
(function () {
  "use strict";

  if (window.__bedrotLive) {
    return; // included twice: one socket per page is enough
  }
  window.__bedrotLive = true;

  var WS_PATH = "/ws/dashboard/";
  // A server that accepted and then refused us (4403): reconnecting cannot help. A refused
  // handshake reads as 1006 and is retried with backoff, like any other outage.
  var CLOSE_FORBIDDEN = 4403;
  var RECONNECT_BASE_MS = 1000;
  var RECONNECT_MAX_MS = 30000;
  // Loads often finish in bursts (one per dataset): refresh fragments once per burst.
  var COALESCE_MS = 150;

  // The as_of the page shows; undefined until the page or the server has told us one.
  var knownAsOf;
  var pending = null;
  var pendingTimer = null;

  function sameTime(a, b) {
    if (!a || !b) {
      return !a && !b;
    }
    return Date.parse(a) === Date.parse(b);
  }

  // The as_of footer: #as-of itself, or the <time datetime> inside it.
  function asOfElement() {
    var element = document.getElementById("as-of");
    if (element && element.tagName !== "TIME") {
      element = element.querySelector("time[datetime]") || element;
    }
    return element;
  }

  function pageAsOf() {
    var element = asOfElement();
    if (!element) {
      return undefined;
    }
    return element.getAttribute("datetime") || element.getAttribute("data-as-of") || null;
  }

  function formatAsOf(iso) {
    var date = new Date(iso);
    if (isNaN(date.getTime())) {
      return iso;
    }
    // Same shape the server renders: "2025-03-01 10:00 UTC".
    return date.toISOString().slice(0, 16).replace("T", " ") + " UTC";
  }

  function showAsOf(iso) {
    var element = asOfElement();
    if (!element || !iso) {
      return;
    }
    if (element.tagName === "TIME") {
      element.setAttribute("datetime", iso);
    } else {
      element.setAttribute("data-as-of", iso);
    }
    element.textContent = formatAsOf(iso);
  }

  // Status badges (data-overall-status) show the newest overall status at once, before any
  // fragment is re-fetched; the word is also the text, so colour is never the only signal.
  function showOverallStatus(status) {
    if (!status) {
      return;
    }
    document.querySelectorAll("[data-overall-status]").forEach(function (element) {
      element.setAttribute("data-overall-status", status);
      element.textContent = status;
    });
  }

  function markLive(state) {
    document.documentElement.setAttribute("data-live", state);
  }

  function dispatch(name, detail) {
    document.body.dispatchEvent(new CustomEvent(name, { detail: detail }));
  }

  // Does a fragment reading `wanted` (space-separated dataset names or prefixes, e.g.
  // "statement_lines meta_ads") depend on one of the loaded datasets? An empty list, or a load
  // whose datasets are unknown (a catch-up after a reconnect), refreshes everything.
  function dependsOn(wanted, loaded) {
    var names = (wanted || "").split(/\s+/).filter(Boolean);
    if (!names.length || !loaded || !loaded.length) {
      return true;
    }
    return names.some(function (name) {
      return loaded.some(function (dataset) {
        return dataset === name || dataset.indexOf(name + "_") === 0;
      });
    });
  }

  // Each fragment with data-datasets gets `bedrot:refresh` (its hx-trigger) when it is affected.
  function refreshFragments(datasets) {
    document.querySelectorAll("[data-datasets]").forEach(function (element) {
      if (dependsOn(element.getAttribute("data-datasets"), datasets)) {
        element.dispatchEvent(new CustomEvent("bedrot:refresh", { bubbles: false }));
      }
    });
  }

  function flushLoadFinished() {
    var detail = pending;
    pending = null;
    pendingTimer = null;
    showAsOf(detail.as_of);
    dispatch("bedrot:load-finished", detail);
    refreshFragments(detail.datasets);
  }

  function loadFinished(asOf, loadId, datasets) {
    knownAsOf = asOf;
    if (pending === null) {
      pending = { as_of: asOf, load_id: loadId, datasets: [] };
    }
    pending.as_of = asOf;
    pending.load_id = loadId;
    (datasets || []).forEach(function (name) {
      if (pending.datasets.indexOf(name) < 0) {
        pending.datasets.push(name);
      }
    });
    if (pendingTimer === null) {
      pendingTimer = window.setTimeout(flushLoadFinished, COALESCE_MS);
    }
  }

  function handle(raw) {
    var message;
    try {
      message = JSON.parse(raw);
    } catch (error) {
      return; // an htmx fragment, not one of our events
    }
    if (!message || typeof message !== "object") {
      return;
    }
    if (message.type === "as_of") {
      markLive("connected"); // the server joined our groups before saying hello
      // Sent on every (re)connect: a load finished while we were away means catching up.
      if (knownAsOf === undefined) {
        knownAsOf = message.as_of;
      } else if (!sameTime(knownAsOf, message.as_of)) {
        loadFinished(message.as_of, null, null);
      }
    } else if (message.type === "load_finished") {
      loadFinished(message.as_of, message.load_id, message.datasets);
    } else if (message.type === "lake_file_updated" && message.file) {
      dispatch("bedrot:lake-file-updated", message.file);
    } else if (message.type === "alerts_changed") {
      dispatch("bedrot:alerts-changed", { created: message.created, changed: message.changed });
    } else if (message.type === "health_changed") {
      dispatch("bedrot:health-changed", {
        overall_status: message.overall_status,
        scores: message.scores || {},
      });
      showOverallStatus(message.overall_status);
    }
  }

  function openOwnSocket() {
    var attempt = 0;
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    var url = scheme + window.location.host + WS_PATH;

    function connect() {
      var socket = new WebSocket(url);
      socket.addEventListener("open", function () {
        attempt = 0;
      });
      socket.addEventListener("message", function (event) {
        handle(event.data);
      });
      socket.addEventListener("close", function (event) {
        markLive("disconnected");
        if (event.code === CLOSE_FORBIDDEN) {
          return;
        }
        // Jittered, so a restarted server is not hit by every open page at the same instant.
        var ceiling = Math.min(RECONNECT_MAX_MS, RECONNECT_BASE_MS * Math.pow(2, attempt));
        attempt += 1;
        window.setTimeout(connect, Math.round(ceiling * (0.5 + Math.random() / 2)));
      });
    }

    connect();
  }

  function start() {
    knownAsOf = pageAsOf();
    var htmxSocket = document.querySelector('[ws-connect="' + WS_PATH + '"]');
    if (htmxSocket && window.htmx) {
      // The htmx ws extension owns the socket (and its reconnects); read what it receives.
      document.body.addEventListener("htmx:wsAfterMessage", function (event) {
        handle(event.detail.message);
      });
      document.body.addEventListener("htmx:wsClose", function () {
        markLive("disconnected");
      });
    } else {
      openOwnSocket();
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
