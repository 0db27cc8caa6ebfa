// The demo host page: what an app's front end does with Gridlink. It asks its own backend
// (/demo/api) for a connect token, opens Connect with the loader, sends the authorization code
// back to its backend, and shows the linked accounts. Plain script, no build step.
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);
  const USER_KEY = "gridlink-demo-user";

  // One end user per browser tab, named demo-… (the only ids the demo backend acts for).
  let userId = sessionStorage.getItem(USER_KEY);
  if (!userId || !/^demo-[A-Za-z0-9_-]{1,60}$/.test(userId)) {
    userId = "demo-" + crypto.randomUUID();
    sessionStorage.setItem(USER_KEY, userId);
  }
  $("user-id").textContent = userId;

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
        call("POST", "exchange", { client_user_id: userId, authorization_code: result.authorization_code })
          .then((credential) => {
            log("exchange", credential.status, { utility_credential_id: credential.id });
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
      const body = { client_user_id: userId };
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
      const link = await call("POST", "connect_link", { client_user_id: userId, utility_credential_id: credentialId });
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
    );
    item.append(title, " ", state, " ", facts, actions);
    return item;
  }

  async function refresh() {
    try {
      const [status, list] = await Promise.all([
        call("GET", "status?origin=" + encodeURIComponent(location.origin)),
        call("GET", "credentials?client_user_id=" + encodeURIComponent(userId)),
      ]);
      showStatus(status);
      $("credentials").replaceChildren(...list.data.map(credentialItem));
      $("empty").hidden = list.data.length > 0;
    } catch (error) {
      problem("The demo backend did not answer: " + error.message);
    }
  }

  function showStatus(status) {
    $("clock-now").textContent = new Date(status.sandbox_now).toLocaleString();
    $("clock-now").dateTime = status.sandbox_now;
    if (status.origin_allowed === false) {
      problem(
        "This page's origin (" + location.origin + ") is not registered for the sandbox client " +
          status.client_id + ", so Connect will refuse to open here. Open the demo at " +
          status.allowed_origins.join(" or ") + "/demo.",
      );
    }
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
