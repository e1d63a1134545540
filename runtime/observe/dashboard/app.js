// The dashboard's page: reads the samples of /events (Server-Sent Events) and draws the processes,
// the calls between them and each process's callbacks. Every name comes from the wire: it is only
// ever set as text (textContent), never as markup.
"use strict";
(function () {
  const SVG = "http://www.w3.org/2000/svg";
  const W = 640;
  const H = 480;
  const graph = document.getElementById("graph");
  const list = document.getElementById("processes");
  const status = document.getElementById("status");
  const summary = document.getElementById("summary");
  const errorsBar = document.getElementById("errors");
  const login = document.getElementById("login");
  let source;

  function tokenFromPage() {
    const fromHash = new URLSearchParams(location.hash.slice(1)).get("token");
    if (fromHash) {
      sessionStorage.setItem("daffi-token", fromHash);
      history.replaceState(null, "", location.pathname); // not left in the address bar
    }
    return sessionStorage.getItem("daffi-token") || "";
  }

  function el(name, attributes, text) {
    const node = name.startsWith("svg:") ? document.createElementNS(SVG, name.slice(4)) : document.createElement(name);
    for (const [key, value] of Object.entries(attributes || {})) node.setAttribute(key, String(value));
    if (text !== undefined) node.textContent = String(text);
    return node;
  }

  function rate(value) {
    return value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2);
  }

  function errorText(errors) {
    return Object.entries(errors).map(([code, count]) => `${code}×${count}`).join(" ");
  }

  /** Where each process is drawn: the controller in the middle, the others on a circle, by name. */
  function layout(processes) {
    const places = new Map();
    const hub = processes.find((p) => p.controller);
    const ring = processes.filter((p) => p !== hub);
    if (hub) places.set(hub.name, { x: W / 2, y: H / 2 });
    const radius = ring.length === 1 && !hub ? 0 : Math.min(W, H) / 2 - 70;
    ring.forEach((p, i) => {
      const angle = (2 * Math.PI * i) / ring.length - Math.PI / 2;
      places.set(p.name, { x: W / 2 + radius * Math.cos(angle), y: H / 2 + radius * Math.sin(angle) });
    });
    return places;
  }

  function drawGraph(topology) {
    graph.replaceChildren();
    const defs = el("svg:defs");
    const marker = el("svg:marker", { id: "arrow", viewBox: "0 0 10 10", refX: 10, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse" });
    marker.append(el("svg:path", { d: "M 0 0 L 10 5 L 0 10 z" }));
    defs.append(marker);
    graph.append(defs);
    const places = layout(topology.processes);
    const hubName = topology.processes.find((p) => p.controller)?.name;
    const hasHub = hubName !== undefined;
    const R = 30;
    for (const edge of topology.edges) {
      const from = places.get(edge.from);
      const to = places.get(edge.to);
      if (!from || !to) continue;
      const group = el("svg:g", { class: edge.rate > 0 ? "edge busy" : "edge", "data-edge": `${edge.from}→${edge.to}` });
      let d;
      let label;
      if (edge.from === edge.to) {
        d = `M ${from.x - 12} ${from.y - R + 2} C ${from.x - 50} ${from.y - R - 60}, ${from.x + 50} ${from.y - R - 60}, ${from.x + 12} ${from.y - R + 2}`;
        label = { x: from.x, y: from.y - R - 50 };
      } else {
        const dx = to.x - from.x;
        const dy = to.y - from.y;
        const length = Math.hypot(dx, dy) || 1;
        // Both ways between two processes: each bends to its own side.
        const bend = topology.edges.some((other) => other.from === edge.to && other.to === edge.from) ? 24 : 0;
        const nx = -dy / length;
        const ny = dx / length;
        const start = { x: from.x + (dx / length) * R, y: from.y + (dy / length) * R };
        const end = { x: to.x - (dx / length) * (R + 2), y: to.y - (dy / length) * (R + 2) };
        // The curve clears the controller drawn in the centre: bent sideways, away from it, when the straight line passes near it.
        const mid = { x: (start.x + end.x) / 2, y: (start.y + end.y) / 2 };
        const across = (W / 2 - start.x) * (end.x - start.x) + (H / 2 - start.y) * (end.y - start.y);
        const along = across / ((end.x - start.x) ** 2 + (end.y - start.y) ** 2 || 1);
        const side = (mid.x - W / 2) * nx + (mid.y - H / 2) * ny; // signed distance of the centre from the line
        const crossesHub = hasHub && edge.from !== hubName && edge.to !== hubName && along > 0 && along < 1;
        const away = side >= 0 ? 1 : -1;
        const push = crossesHub ? away * Math.max(0, 2 * R + 20 - Math.abs(side)) : 0;
        const ox = nx;
        const oy = ny;
        const off = 1;
        const curveMid = { x: mid.x + (ox / off) * push + nx * bend, y: mid.y + (oy / off) * push + ny * bend };
        const control = { x: 2 * curveMid.x - mid.x, y: 2 * curveMid.y - mid.y };
        d = `M ${start.x} ${start.y} Q ${control.x} ${control.y} ${end.x} ${end.y}`;
        label = { x: curveMid.x + nx * 12, y: curveMid.y + ny * 12 };
      }
      group.append(el("svg:path", { d, "marker-end": "url(#arrow)" }));
      group.append(el("svg:text", { x: label.x, y: label.y, class: "rate" }, `${rate(edge.rate)}/s`));
      const title = el("svg:title", {}, `${edge.from} → ${edge.to}: ${edge.calls} calls, ${rate(edge.rate)}/s`);
      group.append(title);
      graph.append(group);
    }
    for (const process of topology.processes) {
      const place = places.get(process.name);
      const classes = ["node", process.controller ? "controller" : "", process.answered ? "" : "silent"].filter(Boolean).join(" ");
      const group = el("svg:g", { class: classes, "data-process": process.name, transform: `translate(${place.x} ${place.y})` });
      group.append(el("svg:circle", { r: R }));
      const shown = process.name.length > 14 ? `${process.name.slice(0, 13)}…` : process.name;
      group.append(el("svg:text", { y: R + 16 }, shown));
      group.append(el("svg:title", {}, process.controller ? `${process.name} (controller)` : process.name));
      graph.append(group);
    }
  }

  function drawList(topology) {
    list.replaceChildren();
    for (const process of topology.processes) {
      const card = el("div", { class: "process", "data-process": process.name });
      const title = el("h2", {}, process.name);
      if (process.controller) title.append(el("span", { class: "note" }, "controller"));
      card.append(title);
      if (!process.answered) card.append(el("div", { class: "problem" }, `no figures: ${process.error || "it did not answer"}`));
      if (process.callbacks.length === 0) card.append(el("div", { class: "note" }, "no callbacks"));
      else {
        const table = el("table");
        const head = el("tr");
        for (const column of ["callback", "signature", "in flight", "queued", "calls", "/s", "mean ms", "errors"]) head.append(el("th", {}, column));
        table.append(head);
        for (const cb of process.callbacks) {
          const row = el("tr", { "data-callback": cb.name });
          row.append(el("td", {}, cb.name));
          const signature = el("td");
          signature.append(el("code", {}, cb.signature || "–"));
          row.append(signature);
          row.append(el("td", { class: "num" }, cb.inFlight));
          row.append(el("td", { class: "num" }, cb.queued));
          row.append(el("td", { class: "num" }, cb.calls));
          row.append(el("td", { class: "num" }, rate(cb.rate)));
          row.append(el("td", { class: "num" }, cb.meanMs === undefined ? "–" : cb.meanMs.toFixed(2)));
          row.append(el("td", { class: "bad" }, errorText(cb.errors)));
          table.append(row);
        }
        card.append(table);
      }
      list.append(card);
    }
  }

  function render(topology) {
    drawGraph(topology);
    drawList(topology);
    const calls = topology.edges.reduce((sum, edge) => sum + edge.rate, 0);
    summary.textContent = `${topology.processes.length} processes · ${rate(calls)} calls/s · ${new Date(topology.at).toLocaleTimeString()}`;
    errorsBar.replaceChildren(...Object.entries(topology.errors).map(([code, count]) => el("span", { "data-code": code }, `${code} ${count}`)));
  }

  function connect() {
    const token = tokenFromPage();
    fetch("topology", { headers: token ? { authorization: `Bearer ${token}` } : {} }).then((response) => {
      if (response.status === 401) {
        status.textContent = "needs its token";
        login.hidden = false;
        return;
      }
      login.hidden = true;
      if (response.ok) response.json().then(render, () => undefined);
      source?.close();
      source = new EventSource(token ? `events?token=${encodeURIComponent(token)}` : "events");
      source.onopen = () => {
        status.textContent = "live";
        status.className = "status live";
      };
      source.onerror = () => {
        status.textContent = "reconnecting…";
        status.className = "status lost";
      };
      source.onmessage = (event) => {
        try {
          render(JSON.parse(event.data));
        } catch (error) {
          status.textContent = `cannot read a sample: ${error}`;
        }
      };
    }, () => {
      status.textContent = "cannot reach the dashboard; retrying";
      status.className = "status lost";
      setTimeout(connect, 2000);
    });
  }

  login.addEventListener("submit", (event) => {
    event.preventDefault();
    sessionStorage.setItem("daffi-token", document.getElementById("token").value);
    connect();
  });
  connect();
})();
