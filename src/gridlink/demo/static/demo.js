// The demo host page: what an app's front end does with Gridlink. It asks its own backend
// (/demo/api) for a connect token, opens Connect with the loader, sends the authorization code
// back to its backend, and shows the linked accounts. Plain script, no build step.
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);

  // One end user per browser: the backend knows which from the cookie it set when it served
  // this page (HttpOnly, so this script never sees it) and names the user in its status.

  function problem(message) {
    const node = $("problem");
    node.textContent = message;
    node.hidden = !message;
  }

  async function call(method, path, body) {
    const init = { method, headers: {} };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    const response = await fetch("/demo/api/" + path, init);
    const data = await response.json().catch(() => ({}));
    if (!response.ok) {
      const message = (data.error && data.error.message) || response.statusText;
      throw new Error(message);
    }
    return data;
  }

  function log(kind, name, detail) {
    const item = document.createElement("li");
    item.dataset.kind = kind;
    item.dataset.name = name;
    const text = detail && Object.keys(detail).length ? " " + JSON.stringify(detail) : "";
    item.textContent = kind + " " + name + text;
    $("log").appendChild(item);
  }

  let handle = null;

  function open(connectToken) {
    if (!window.Gridlink) {
      problem("/connect.js did not load: build the widget (make serve does it) and reload.");
      return;
    }
    if (handle) handle.destroy();
    handle = window.Gridlink.create({
      connectToken,
      onLoad: () => log("load", "ready"),
      onEvent: (name, metadata) => log("event", name, metadata),
      onSuccess: (result) => {
        log("success", result.utility.id, { utility_credential_id: result.utility_credential_id });
        // A real app sends the code to its backend, which confirms it with POST /v1/auth/exchange.
        call("POST", "exchange", { authorization_code: result.authorization_code })
          .then((credential) => {
            log("exchange", credential.status, { utility_credential_id: credential.id });
            showData(credential);
            return refresh();
          })
          .catch((error) => problem("Exchanging the code failed: " + error.message));
      },
      onExit: (status, metadata) => {
        log("exit", status, metadata);
        handle = null;
        refresh();
      },
    });
    handle.open();
  }

  async function connect(credentialId) {
    problem("");
    try {
      const body = {};
      if (credentialId) body.utility_credential_id = credentialId;
      const token = await call("POST", "connect_token", body);
      open(token.connect_token);
    } catch (error) {
      problem("Could not get a connect token: " + error.message);
    }
  }

  async function connectLink(credentialId) {
    problem("");
    try {
      const link = await call("POST", "connect_link", { utility_credential_id: credentialId });
      $("link-url").href = link.url;
      $("link-url").textContent = link.url;
      $("link-out").hidden = false;
    } catch (error) {
      problem("Could not make a connect link: " + error.message);
    }
  }

  function button(label, name, onClick) {
    const node = document.createElement("button");
    node.type = "button";
    node.textContent = label;
    node.setAttribute("aria-label", label + " (" + name + ")");
    node.addEventListener("click", onClick);
    return node;
  }

  function credentialItem(credential) {
    const item = document.createElement("li");
    item.dataset.credentialId = credential.id;
    item.dataset.status = credential.status;
    const title = document.createElement("strong");
    title.textContent = credential.utility.name;
    const state = document.createElement("span");
    state.className = "status status-" + credential.status;
    state.textContent = credential.status + (credential.status_detail ? " · " + credential.status_detail : "");
    const facts = document.createElement("span");
    facts.className = "small";
    facts.textContent = credential.action_required
      ? "Action required: open update mode or send a connect link."
      : credential.mfa_session_expires_at
        ? "MFA session until " + new Date(credential.mfa_session_expires_at).toLocaleString()
        : "";
    const actions = document.createElement("span");
    actions.className = "actions";
    actions.append(
      button("Update", credential.utility.name, () => connect(credential.id)),
      button("Create connect link", credential.utility.name, () => connectLink(credential.id)),
      button("Show data", credential.utility.name, () => showData(credential)),
    );
    item.append(title, " ", state, " ", facts, actions);
    return item;
  }

  async function refresh() {
    try {
      const [status, list] = await Promise.all([
        call("GET", "status?origin=" + encodeURIComponent(location.origin)),
        call("GET", "credentials"),
      ]);
      showStatus(status);
      $("credentials").replaceChildren(...list.data.map(credentialItem));
      $("empty").hidden = list.data.length > 0;
      // On a reload, show the newest linked account's data without a click.
      if (shown === null && list.data.length) showData(list.data[list.data.length - 1]);
    } catch (error) {
      problem("The demo backend did not answer: " + error.message);
    }
  }

  function showStatus(status) {
    // The app's name as Connect shows it to the end user: the demo client's own name.
    $("app-name").textContent = status.client_name;
    $("user-id").textContent = status.client_user_id;
    $("clock-now").textContent = new Date(status.sandbox_now).toLocaleString();
    $("clock-now").dateTime = status.sandbox_now;
    if (status.origin_allowed === false) {
      problem(
        "This page's origin (" + location.origin + ") is not registered for the demo's client " +
          status.client_id + ", so Connect will refuse to open here. Open the demo at " +
          status.allowed_origins.join(" or ") + "/demo.",
      );
    }
  }


  // Data ------------------------------------------------------------------------------------
  // Once a credential is linked, the app's backend reads its data (GET /demo/api/data, which
  // uses the data API's reads). Until the first sync is done that answers "syncing" with the
  // sync's progress, so the page polls its own backend every 2 s and shows how far it is.

  const POLL_MS = 2000;
  const SVG = "http://www.w3.org/2000/svg";
  let shown = null; // the credential whose data the section shows
  let pollTimer = null;

  function dataStatus(text) {
    $("data-status").textContent = text;
  }

  function showData(credential) {
    if (pollTimer) clearTimeout(pollTimer);
    pollTimer = null;
    shown = credential.id;
    $("data").hidden = false;
    $("data-body").hidden = true;
    $("data-for").textContent = "Showing " + credential.utility.name + ".";
    loadData(credential.id);
  }

  async function loadData(credentialId) {
    let data;
    try {
      data = await call(
        "GET",
        "data?utility_credential_id=" + encodeURIComponent(credentialId),
      );
    } catch (error) {
      if (shown === credentialId) dataStatus("Could not read the data: " + error.message);
      return;
    }
    if (shown !== credentialId) return; // another account was picked meanwhile
    const sync = data.sync;
    if (data.state === "syncing") {
      if (sync && sync.state === "stopped") {
        dataStatus("The first sync stopped: the utility needs the end user again (use Update).");
        return;
      }
      const percent = Math.round(100 * (sync ? sync.progress : 0));
      const retrying = sync && sync.state === "retrying" ? " (the utility did not answer; retrying)" : "";
      dataStatus("Loading your data… " + percent + "%" + retrying);
      pollTimer = setTimeout(() => loadData(credentialId), POLL_MS);
      return;
    }
    const synced = sync && sync.last_synced_at ? new Date(sync.last_synced_at).toLocaleString() : null;
    dataStatus(synced ? "Data up to date (last sync " + synced + ")." : "No data for this account yet.");
    $("accounts").replaceChildren(...data.accounts.map((a) => accountItem(a, data.meters)));
    $("bills").tBodies[0].replaceChildren(...data.statements.map(billRow));
    $("data-body").hidden = false;
    $("data-body").dataset.state = "ready";
    const charts = await Promise.all(data.meters.slice(0, 3).map(usageCharts));
    if (shown === credentialId) $("charts").replaceChildren(...charts.flat());
  }

  function text(tag, content, className) {
    const node = document.createElement(tag);
    node.textContent = content;
    if (className) node.className = className;
    return node;
  }

  function accountItem(account, meters) {
    const item = document.createElement("li");
    const address = account.service_address;
    item.append(text("strong", "Account " + account.number));
    if (address) {
      item.append(" · " + address.line1 + ", " + address.city + " " + address.state);
    }
    item.append(" · " + account.status);
    const list = document.createElement("ul");
    for (const meter of meters.filter((m) => m.utility_account_id === account.id)) {
      list.append(
        text("li", "Meter " + (meter.meter_number || meter.number) + " · " + meter.commodity + " · tariff " +
          (meter.tariff || "–") + " · " + meter.unit, "small"),
      );
    }
    if (list.children.length) item.append(list);
    return item;
  }

  function period(start, end) {
    const from = new Date(start + "T00:00:00");
    const to = new Date(end + "T00:00:00");
    const short = { month: "short", day: "numeric" };
    const long = { month: "short", day: "numeric", year: "numeric" };
    const sameYear = from.getFullYear() === to.getFullYear();
    return from.toLocaleDateString(undefined, sameYear ? short : long) + " – " + to.toLocaleDateString(undefined, long);
  }

  function money(amount, currency) {
    try {
      return new Intl.NumberFormat(undefined, { style: "currency", currency }).format(Number(amount));
    } catch {
      return amount + " " + currency;
    }
  }

  // The amount due when the utility gives it; else the period's new charges, said so; else a dash.
  function billed(statement) {
    if (statement.amount_due !== null) return text("td", money(statement.amount_due, statement.currency), "number");
    if (statement.new_charges === null) return text("td", "–", "number");
    const cell = text("td", money(statement.new_charges, statement.currency), "number");
    cell.append(text("span", " new charges", "small"));
    return cell;
  }

  function billRow(statement) {
    const row = document.createElement("tr");
    const when = period(statement.period_start, statement.period_end);
    const usage = statement.usage === null ? "–" : Number(statement.usage).toLocaleString() + " " + (statement.usage_unit || "");
    row.append(text("td", when), billed(statement), text("td", usage, "number"));
    const cell = document.createElement("td");
    if (statement.pdf_url) {
      const link = text("a", "PDF");
      link.href = statement.pdf_url;
      link.target = "_blank";
      link.rel = "noopener";
      link.setAttribute("aria-label", "Bill PDF, " + when);
      cell.append(link);
    } else {
      cell.textContent = "–";
    }
    row.append(cell);
    return row;
  }

  // Usage charts: bar charts drawn as SVG from script (the CSP allows no inline script or style;
  // SVG attributes set here are not styles). Each has a title and a description that sum it
  // up for screen readers, and the numbers as a table below.

  async function usageCharts(meter) {
    let usage;
    try {
      usage = await call(
        "GET",
        "usage?meter_id=" + encodeURIComponent(meter.id),
      );
    } catch (error) {
      return [text("p", "Could not read the usage of meter " + meter.number + ": " + error.message, "problem")];
    }
    if (usage.state !== "ready") return [];
    const monthLabel = (label) => new Date(label + "-01T00:00:00").toLocaleDateString(undefined, { month: "short", year: "numeric" });
    const dayLabel = (label) => new Date(label + "T00:00:00").toLocaleDateString(undefined, { month: "short", day: "numeric" });
    return [
      chart("Daily usage, last 30 days, meter " + meter.number, usage.daily, usage.unit, dayLabel),
      chart("Monthly usage, meter " + meter.number, usage.monthly, usage.unit, monthLabel),
    ];
  }

  let chartCount = 0;

  function svg(tag, attributes) {
    const node = document.createElementNS(SVG, tag);
    for (const [name, value] of Object.entries(attributes || {})) node.setAttribute(name, String(value));
    return node;
  }

  function round(value) {
    return Math.round(value * 10) / 10;
  }

  function chart(title, points, unit, label) {
    const id = "chart-" + ++chartCount;
    const figure = document.createElement("figure");
    figure.className = "chart";
    figure.dataset.points = String(points.length);
    if (!points.length) {
      figure.append(text("figcaption", title + ": no readings in this period."));
      return figure;
    }
    const values = points.map((p) => p.value);
    const total = values.reduce((a, b) => a + b, 0);
    const top = points[values.indexOf(Math.max(...values))];
    const summary = points.length + " bars from " + label(points[0].label) + " to " +
      label(points[points.length - 1].label) + "; total " + round(total).toLocaleString() + " " +
      unit + "; highest " + round(top.value).toLocaleString() + " " + unit + " on " + label(top.label) + ".";

    const width = 400, height = 190, left = 44, bottom = 22, topPad = 8;
    const max = Math.max(...values, 0) || 1;
    const image = svg("svg", {
      viewBox: "0 0 " + width + " " + height, role: "img", "aria-labelledby": id + "-title " + id + "-desc",
      class: "chart-svg",
    });
    const titleNode = svg("title", { id: id + "-title" });
    titleNode.textContent = title + " (" + unit + ")";
    const desc = svg("desc", { id: id + "-desc" });
    desc.textContent = summary;
    image.append(titleNode, desc);
    const plot = height - bottom - topPad;
    for (const share of [0, 0.5, 1]) {
      const y = topPad + plot * (1 - share);
      image.append(svg("line", { x1: left, x2: width, y1: y, y2: y, class: "grid" }));
      const tick = svg("text", { x: left - 4, y: y + 4, "text-anchor": "end", class: "tick" });
      tick.textContent = round(max * share).toLocaleString();
      image.append(tick);
    }
    const slot = (width - left) / points.length;
    points.forEach((point, index) => {
      const h = (Math.max(point.value, 0) / max) * plot;
      const bar = svg("rect", {
        x: left + index * slot + slot * 0.15, y: topPad + plot - h, width: slot * 0.7, height: h, class: "bar",
      });
      const tip = svg("title");
      tip.textContent = label(point.label) + ": " + round(point.value).toLocaleString() + " " + unit;
      bar.append(tip);
      image.append(bar);
    });
    const every = Math.ceil(points.length / 6); // at most ~6 axis labels, readable at 360 px
    points.forEach((point, index) => {
      if (index % every) return;
      const tick = svg("text", { x: left + (index + 0.5) * slot, y: height - 6, "text-anchor": "middle", class: "tick" });
      tick.textContent = label(point.label);
      image.append(tick);
    });

    const caption = text("figcaption", title + " (" + unit + "). " + summary);
    const details = document.createElement("details");
    details.append(text("summary", "Show the numbers"));
    const table = document.createElement("table");
    const head = document.createElement("tr");
    head.append(text("th", "When"), text("th", unit));
    for (const cell of head.children) cell.scope = "col";
    table.append(head);
    for (const point of points) {
      const row = document.createElement("tr");
      row.append(text("td", label(point.label)), text("td", round(point.value).toLocaleString(), "number"));
      table.append(row);
    }
    details.append(table);
    figure.append(image, caption, details);
    return figure;
  }

  $("connect").addEventListener("click", () => connect(null));
  $("clock-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    problem("");
    try {
      const status = await call("POST", "clock", { advance_seconds: Number($("clock-amount").value) });
      log("clock", "moved", { sandbox_now: status.sandbox_now });
      await refresh();
    } catch (error) {
      problem("Could not move the clock: " + error.message);
    }
  });

  refresh().then(() => {
    $("connect").disabled = false;
    document.body.dataset.ready = "true";
  });
})();
